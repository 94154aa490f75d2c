"""New rows per day within bounds (a WARN check): is a load's volume plausible for its source?

The bounds are data, in `sources.yml`: each source's `meta.row_count_bounds` (a table may
override it in its own meta), read together with the source's `cadence`. Two measures, because
sources deliver in two ways:

- Files that accumulate (Service Ping: a file per receipt day): `new_rows_per_day: {min, max}` is
  the number of rows received per day, averaged over the cadence (7 days for a weekly source, so
  the quiet days between an instance's weekly pings are no alarm). Judged for every receipt day
  this run brought rows for and every day since the last day seen before (so a silent stretch is
  judged when data comes back), for whole windows only (none reaching before the first day).
- Whole-table exports re-delivered under the same path (Zuora, Salesforce, Customers Portal,
  GitLab.com, Gainsight, IP-to-geo, releases, the metrics dictionary): `change_pct: {min, max}` is
  the net change of the table's current rows (the latest version of each file, what prep reads)
  since the previous load, in percent of the rows before, per cadence period elapsed (a load after
  one period or less is judged as is; one three periods late may have changed three times as
  much). A truncated export (-90%) or a duplicated one (+100%) is flagged; tables under `min_rows`
  rows before the load are too small for percentages and are not judged.

The first load of a table has no baseline and passes (said in the metadata).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import yaml

from usage_platform.sources.catalog import RAW_SCHEMA, SOURCES_YML, RawTable
from usage_platform.trusted_data.duckdb_utils import quote

LOAD_LOG = f"{RAW_SCHEMA}.load_log"
CADENCE_DAYS = {"hourly": 1, "daily": 1, "weekly": 7, "monthly": 31}


class BoundsError(ValueError):
    """sources.yml declares row-count bounds the check cannot read."""


@dataclass(frozen=True)
class RowCountBounds:
    window_days: int  # the cadence, in days
    new_rows_per_day: tuple[float, float] | None = None  # files that accumulate
    change_pct: tuple[float, float] | None = None  # whole-table exports, per cadence period
    min_rows: int = 0


@dataclass(frozen=True)
class BoundsOutcome:
    passed: bool
    summary: str
    measure: str
    rows: list[tuple[str, ...]]  # a table of what was measured (header first)


@cache
def load_bounds(path: Path = SOURCES_YML) -> dict[str, RowCountBounds]:
    """Row-count bounds per raw table (warehouse table name) from sources.yml meta."""
    document = yaml.safe_load(path.read_text())
    bounds = {}
    for source in document["sources"]:
        source_meta = _meta(source)
        for table in source["tables"]:
            meta = {**source_meta, **_meta(table)}
            name = table.get("identifier", table["name"])
            bounds[name] = _parse(meta, f"{path.name}: source {source['name']}.{table['name']}")
    return bounds


def _meta(node: dict) -> dict:
    return {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}


def _parse(meta: dict, where: str) -> RowCountBounds:
    spec = meta.get("row_count_bounds")
    if not isinstance(spec, dict):
        raise BoundsError(f"{where}: meta.row_count_bounds is missing")
    cadence = meta.get("cadence")
    if cadence not in CADENCE_DAYS:
        raise BoundsError(f"{where}: meta.cadence {cadence!r} is not one of {sorted(CADENCE_DAYS)}")

    def pair(name: str) -> tuple[float, float] | None:
        value = spec.get(name)
        if value is None:
            return None
        if not isinstance(value, dict) or not {"min", "max"} <= set(value) or value["min"] > value["max"]:
            raise BoundsError(f"{where}: row_count_bounds.{name} needs min <= max")
        return (float(value["min"]), float(value["max"]))

    per_day, change = pair("new_rows_per_day"), pair("change_pct")
    if (per_day is None) == (change is None):
        raise BoundsError(f"{where}: row_count_bounds needs one of new_rows_per_day or change_pct")
    return RowCountBounds(CADENCE_DAYS[cadence], per_day, change, int(spec.get("min_rows", 0)))


def evaluate_bounds(
    conn: duckdb.DuckDBPyConnection, table: RawTable, bounds: RowCountBounds, run_id: str
) -> BoundsOutcome:
    if bounds.new_rows_per_day is not None:
        return _arrivals(conn, table, bounds, run_id)
    return _snapshot_change(conn, table, bounds, run_id)


def _arrivals(
    conn: duckdb.DuckDBPyConnection, table: RawTable, bounds: RowCountBounds, run_id: str
) -> BoundsOutcome:
    low, high = bounds.new_rows_per_day
    measure = f"rows per day, averaged over {bounds.window_days} day(s), within [{low:g}, {high:g}]"
    target = f"{RAW_SCHEMA}.{quote(table.table)}"
    columns = {
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, table.table],
        ).fetchall()
    }
    if not columns:
        return BoundsOutcome(True, "no rows loaded yet", measure, [])
    # The day a row arrived: its receipt-date folder when the source has one, else its load day.
    day = "_receipt_date" if "_receipt_date" in columns else "cast(_loaded_at as date)"
    this_run = f"_loaded_at in (select loaded_at from {LOAD_LOG} where raw_table = ? and run_id = ?)"
    new_days = [
        row[0]
        for row in conn.execute(
            f"select distinct {day} from {target} where {this_run} order by 1", [table.table, run_id]
        ).fetchall()
    ]
    if not new_days:
        return BoundsOutcome(True, "no rows arrived in this run", measure, [])
    first_day, last_day_before = conn.execute(
        f"select min({day}), max({day}) filter (where not ({this_run})) from {target}", [table.table, run_id]
    ).fetchone()
    # Every day this run brought rows for, and every day since the last day seen before it (the
    # empty days of a gap count: that is where a source falls silent).
    since = (last_day_before or first_day) + dt.timedelta(days=1)
    candidates = set(new_days) | {
        since + dt.timedelta(days=n) for n in range((new_days[-1] - since).days + 1)
    }
    window = dt.timedelta(days=bounds.window_days - 1)
    judged = sorted(d for d in candidates if d - window >= first_day)
    if not judged:
        return BoundsOutcome(True, "history shorter than one window: nothing to judge yet", measure, [])
    counts = dict(
        conn.execute(
            f"select {day}, count(*) from {target} where {day} between ? and ? group by 1",
            [judged[0] - window, judged[-1]],
        ).fetchall()
    )
    rows, outside = [("day", "rows that day", "rows per day over the window")], []
    for d in judged:
        average = (
            sum(counts.get(d - dt.timedelta(days=k), 0) for k in range(bounds.window_days))
            / bounds.window_days
        )
        if not low <= average <= high:
            outside.append(d)
            rows.append((d.isoformat(), str(counts.get(d, 0)), f"{average:.2f}"))
    summary = (
        f"{len(judged)} day(s) judged, {len(outside)} outside the bounds"
        if outside
        else f"{len(judged)} day(s) judged, all within the bounds"
    )
    return BoundsOutcome(not outside, summary, measure, rows if outside else [])


def _snapshot_change(
    conn: duckdb.DuckDBPyConnection, table: RawTable, bounds: RowCountBounds, run_id: str
) -> BoundsOutcome:
    low, high = bounds.change_pct
    measure = (
        f"net change of the current rows since the previous load, per {bounds.window_days}-day cadence "
        f"period, within [{low:g}%, {high:g}%]"
    )
    before, after, previous_load, this_load = conn.execute(
        f"""with log as (
                select source_file, rows_loaded, loaded_at, coalesce(run_id, '') = ? as this_run
                from {LOAD_LOG} where raw_table = ? and status = 'loaded'
            ),
            before as (
                select rows_loaded from log where not this_run
                qualify row_number() over (partition by source_file order by loaded_at desc) = 1
            ),
            after as (
                select rows_loaded from log
                qualify row_number() over (partition by source_file order by loaded_at desc) = 1
            )
            select (select sum(rows_loaded) from before), (select sum(rows_loaded) from after),
                   (select max(loaded_at) from log where not this_run),
                   (select max(loaded_at) from log where this_run)""",
        [run_id, table.table],
    ).fetchone()
    if this_load is None:
        return BoundsOutcome(True, "no new file version in this run", measure, [])
    if previous_load is None:
        return BoundsOutcome(True, f"first load ({after} rows): no baseline yet", measure, [])
    before, after = int(before or 0), int(after or 0)
    days = (this_load - previous_load).total_seconds() / 86400
    periods = max(days / bounds.window_days, 1.0)
    change = (after - before) / before * 100 / periods if before else None
    rows = [
        ("rows before", "rows after", "days since the previous load", "change per period"),
        (str(before), str(after), f"{days:.1f}", "n/a" if change is None else f"{change:+.1f}%"),
    ]
    if change is None or before < bounds.min_rows:
        return BoundsOutcome(True, f"{before} rows before the load: too few to judge", measure, rows)
    summary = f"{change:+.1f}% per period ({before} -> {after} rows in {days:.1f} day(s))"
    return BoundsOutcome(low <= change <= high, summary, measure, rows)
