"""The trusted-data history: every check result and materialization, kept in the warehouse.

Dagster's instance knows every asset-check evaluation and materialization, but only the UI reads
it. This asset copies them into the warehouse's `trusted_data` schema, as GitLab's TDF schema
keeps its test results, so pass/fail trends, coverage and pipeline health are plain SQL (the dbt
models in dbt/models/trusted_data/ and the summary asset read them):

- `trusted_data.check_results`: one row per check execution (asset, check, outcome, passed,
  severity, blocking, metadata as JSON, run id, evaluated at). `check_result_id` (run id and the
  instance's execution id) is unique: a re-run updates rows, never duplicates them. An execution
  still in progress is kept as `in_progress` and completed by a later run; one whose run ended
  without evaluating it becomes `not_evaluated`.
- `trusted_data.asset_materializations`: one row per materialization (and failed materialization)
  with the row count the asset reported (`dagster/row_count`) and the rows it said it inserted
  (`rows_inserted`, or the raw loaders' `rows_loaded`, or dbt's `rows_affected`) and updated
  (`rows_updated`).
- `trusted_data.asset_catalog` and `trusted_data.asset_checks`: the asset graph as it is now, one
  row per asset and upstream source system (with the asset's freshness windows), and one row per
  check defined: what coverage is measured against, and which results are current.

Each run reads only what is new: per check, the executions after the newest one already
recorded (or from the oldest one still in progress); per asset, the events after the newest
storage id recorded. It first reads the newest execution of every check (a few batched queries)
and the newest materialization of every asset, and reads one by one only the checks and assets
with something new: a delivery runs a fifth of the checks. It reads the instance through its
public API (`get_asset_records`, `fetch_materializations`, `fetch_failed_materializations`, the
event log's `get_latest_asset_check_execution_by_key` and `get_asset_check_execution_history`).

When it runs: it depends on the leaves of the platform's other assets (the pump, the reports,
the dims nothing reads), so in `materialize_all` it is the step after every check of the run;
the dbt models on its tables are a dbt asset definition of their own (dbt selection
`source:trusted_data+`, excluded from the platform's), built in the step after it. Its own
automation condition is `eager()` without the "no dependency missing" clause and without the
blocking-check gate of the downstream policy: a failed check upstream is exactly what it must
record. Checks evaluated in steps that are not upstream of it are recorded by its next run.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from usage_platform.trusted_data.duckdb_utils import registered
from usage_platform.warehouse.duckdb import DUCKDB_POOL

SCHEMA = "trusted_data"
GROUP = "trusted_data"
OWNER = "team:data-platform"
CHECK_RESULTS = "check_results"
MATERIALIZATIONS = "asset_materializations"
CATALOG = "asset_catalog"
CHECKS = "asset_checks"
CHECK_RESULTS_KEY = dg.AssetKey([SCHEMA, CHECK_RESULTS])
MATERIALIZATIONS_KEY = dg.AssetKey([SCHEMA, MATERIALIZATIONS])
CATALOG_KEY = dg.AssetKey([SCHEMA, CATALOG])
CHECKS_KEY = dg.AssetKey([SCHEMA, CHECKS])
HISTORY_KEYS = (CHECK_RESULTS_KEY, MATERIALIZATIONS_KEY, CATALOG_KEY, CHECKS_KEY)
NO_SOURCE = "none"  # asset_catalog.source_system of an asset no raw table feeds (seeds only)
PAGE = 500
# Checks per query for their newest executions (two IN lists: well under SQLite's 999 parameters).
CHECK_BATCH = 400
# Metadata that says how many rows a materialization inserted, first match wins (raw loaders
# report rows_loaded; dbt incremental models the adapter's rows_affected).
INSERTED_ROWS_METADATA = ("rows_inserted", "rows_loaded", "rows_affected")
# An asset that changes rows in place says how many under this name (raw tables only append).
UPDATED_ROWS_METADATA = ("rows_updated",)
ROW_COUNT_METADATA = "dagster/row_count"
METADATA_TEXT_CHARS = 4000

OUTCOMES = ("passed", "failed", "in_progress", "not_evaluated")

DDL = {
    CHECK_RESULTS: f"""
        create table if not exists {SCHEMA}.{CHECK_RESULTS} (
            check_result_id varchar not null primary key,
            execution_id bigint not null,
            run_id varchar not null,
            asset_key varchar not null,
            asset_layer varchar not null,
            check_name varchar not null,
            outcome varchar not null,
            passed boolean,
            severity varchar,
            blocking boolean,
            description varchar,
            metadata json,
            planned_at timestamp not null,
            evaluated_at timestamp,
            recorded_at timestamp not null
        )""",
    MATERIALIZATIONS: f"""
        create table if not exists {SCHEMA}.{MATERIALIZATIONS} (
            materialization_id varchar not null primary key,
            storage_id bigint not null,
            run_id varchar not null,
            asset_key varchar not null,
            asset_layer varchar not null,
            succeeded boolean not null,
            materialized_at timestamp not null,
            row_count bigint,
            rows_inserted bigint,
            rows_updated bigint,
            recorded_at timestamp not null
        )""",
    CATALOG: f"""
        create table if not exists {SCHEMA}.{CATALOG} (
            asset_key varchar not null,
            asset_layer varchar not null,
            source_system varchar not null,
            freshness_warn_hours double,
            freshness_fail_hours double,
            catalogued_at timestamp not null,
            primary key (asset_key, source_system)
        )""",
    CHECKS: f"""
        create table if not exists {SCHEMA}.{CHECKS} (
            asset_key varchar not null,
            check_name varchar not null,
            blocking boolean not null,
            description varchar,
            catalogued_at timestamp not null,
            primary key (asset_key, check_name)
        )""",
}
COLUMNS = {
    CHECK_RESULTS: (
        "check_result_id",
        "execution_id",
        "run_id",
        "asset_key",
        "asset_layer",
        "check_name",
        "outcome",
        "passed",
        "severity",
        "blocking",
        "description",
        "metadata",
        "planned_at",
        "evaluated_at",
        "recorded_at",
    ),
    MATERIALIZATIONS: (
        "materialization_id",
        "storage_id",
        "run_id",
        "asset_key",
        "asset_layer",
        "succeeded",
        "materialized_at",
        "row_count",
        "rows_inserted",
        "rows_updated",
        "recorded_at",
    ),
    CATALOG: (
        "asset_key",
        "asset_layer",
        "source_system",
        "freshness_warn_hours",
        "freshness_fail_hours",
        "catalogued_at",
    ),
    CHECKS: ("asset_key", "check_name", "blocking", "description", "catalogued_at"),
}


# -- converting Dagster records to rows (pure functions, tested on their own) -----------------
def utc(timestamp: float) -> dt.datetime:
    """A Unix timestamp as a naive UTC datetime (the warehouse's `timestamp`)."""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


def metadata_value(value: Any) -> Any:
    """A Dagster metadata value as JSON: numbers, text, booleans as they are; anything else
    (tables, schemas, paths) as its text, cut to METADATA_TEXT_CHARS."""
    raw = getattr(value, "value", value)
    if raw is None or isinstance(raw, bool | int | float):
        return raw
    text = raw if isinstance(raw, str) else str(raw)
    return text if len(text) <= METADATA_TEXT_CHARS else text[:METADATA_TEXT_CHARS] + "..."


def metadata_json(metadata: Mapping[str, Any] | None) -> str:
    return json.dumps({key: metadata_value(value) for key, value in (metadata or {}).items()}, sort_keys=True)


def metadata_int(metadata: Mapping[str, Any], names: Iterable[str]) -> int | None:
    for name in names:
        if name in metadata:
            value = getattr(metadata[name], "value", metadata[name])
            if isinstance(value, int | float) and not isinstance(value, bool):
                return int(value)
    return None


def layer_of(key: dg.AssetKey) -> str:
    return key.path[0] if len(key.path) > 1 else ""


def check_result_row(
    record: Any, *, run_finished: bool, blocking: bool | None, recorded_at: dt.datetime
) -> dict[str, Any]:
    """One execution record (event log storage's AssetCheckExecutionRecord) as a row: evaluated
    (status SUCCEEDED or FAILED, the evaluation event attached), else planned and not evaluated,
    either still in progress or never to be (its run has ended)."""
    key = record.key
    evaluation = None
    if record.status.value != "PLANNED" and record.event is not None:
        evaluation = record.event.dagster_event.event_specific_data
    if evaluation is not None:
        outcome = "passed" if evaluation.passed else "failed"
    else:
        outcome = "not_evaluated" if run_finished else "in_progress"
    return {
        "check_result_id": f"{record.run_id}/{record.id}",
        "execution_id": record.id,
        "run_id": record.run_id,
        "asset_key": key.asset_key.to_user_string(),
        "asset_layer": layer_of(key.asset_key),
        "check_name": key.name,
        "outcome": outcome,
        "passed": evaluation.passed if evaluation is not None else None,
        "severity": evaluation.severity.value if evaluation is not None else None,
        "blocking": evaluation.blocking
        if evaluation is not None and evaluation.blocking is not None
        else blocking,
        "description": evaluation.description if evaluation is not None else None,
        "metadata": metadata_json(evaluation.metadata) if evaluation is not None else None,
        "planned_at": utc(record.create_timestamp),
        "evaluated_at": utc(record.event.timestamp) if evaluation is not None else None,
        "recorded_at": recorded_at,
    }


def materialization_row(record: Any, *, succeeded: bool, recorded_at: dt.datetime) -> dict[str, Any]:
    """One materialization (or failed materialization) event record as a row."""
    event = record.event_log_entry.dagster_event
    data = event.event_specific_data
    materialization = getattr(data, "materialization", None)
    metadata = (materialization.metadata if materialization is not None else None) or {}
    key = event.asset_key
    return {
        "materialization_id": f"{record.run_id}/{record.storage_id}",
        "storage_id": record.storage_id,
        "run_id": record.run_id,
        "asset_key": key.to_user_string(),
        "asset_layer": layer_of(key),
        "succeeded": succeeded,
        "materialized_at": utc(record.timestamp),
        "row_count": metadata_int(metadata, [ROW_COUNT_METADATA]) if succeeded else None,
        "rows_inserted": metadata_int(metadata, INSERTED_ROWS_METADATA) if succeeded else None,
        "rows_updated": metadata_int(metadata, UPDATED_ROWS_METADATA) if succeeded else None,
        "recorded_at": recorded_at,
    }


@dataclass(frozen=True)
class CatalogEntry:
    key: dg.AssetKey
    source_systems: tuple[str, ...]
    warn_hours: float | None
    fail_hours: float | None


def _hours(window: Any) -> float | None:
    return window.to_timedelta().total_seconds() / 3600 if window is not None else None


def catalog_entries(asset_graph: Any) -> list[CatalogEntry]:
    """Every materializable asset of the graph with the source systems upstream of it (the
    `source_system` tag of the raw assets it reads, directly or not) and its freshness windows."""
    systems: dict[dg.AssetKey, frozenset[str]] = {}

    def systems_of(key: dg.AssetKey) -> frozenset[str]:
        if key not in systems:
            node = asset_graph.get(key)
            own = node.tags.get("source_system")
            systems[key] = frozenset()  # a cycle guard; the asset graph has none
            found = {own} if own else set()
            for parent in node.parent_keys:
                if asset_graph.has(parent):
                    found |= systems_of(parent)
            systems[key] = frozenset(found)
        return systems[key]

    entries = []
    for node in asset_graph.asset_nodes:
        if not node.is_materializable:
            continue
        policy = node.freshness_policy
        entries.append(
            CatalogEntry(
                key=node.key,
                source_systems=tuple(sorted(systems_of(node.key))) or (NO_SOURCE,),
                warn_hours=_hours(getattr(policy, "warn_window", None)),
                fail_hours=_hours(getattr(policy, "fail_window", None)),
            )
        )
    return entries


def catalog_rows(entries: Sequence[CatalogEntry], catalogued_at: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "asset_key": entry.key.to_user_string(),
            "asset_layer": layer_of(entry.key),
            "source_system": system,
            "freshness_warn_hours": entry.warn_hours,
            "freshness_fail_hours": entry.fail_hours,
            "catalogued_at": catalogued_at,
        }
        for entry in entries
        for system in entry.source_systems
    ]


def check_rows_defined(asset_graph: Any, catalogued_at: dt.datetime) -> list[dict[str, Any]]:
    """Every check of the graph, as the asset_checks table lists it."""
    rows = []
    for check_key in sorted(asset_graph.asset_check_keys, key=lambda k: k.to_user_string()):
        node = asset_graph.get(check_key)
        rows.append(
            {
                "asset_key": check_key.asset_key.to_user_string(),
                "check_name": check_key.name,
                "blocking": bool(node.blocking),
                "description": node.description,
                "catalogued_at": catalogued_at,
            }
        )
    return rows


# -- reading the instance ---------------------------------------------------------------------
@dataclass(frozen=True)
class CheckCursor:
    """Per check: the newest execution id recorded as finished, the oldest still in progress."""

    newest_finished: int | None
    oldest_in_progress: int | None

    def has_new(self, latest_id: int | None) -> bool:
        """Whether the instance, whose newest execution of the check is `latest_id`, holds one
        to (re-)read: one in progress is pending, or the newest differs from the newest recorded
        (newer; or older: a new instance beside an old warehouse)."""
        if latest_id is None:
            return False
        return self.oldest_in_progress is not None or latest_id != self.newest_finished

    def lower_bound(self) -> int:
        """Executions with an id at or above this one are (re-)read."""
        candidates = [self.oldest_in_progress] if self.oldest_in_progress is not None else []
        if self.newest_finished is not None:
            candidates.append(self.newest_finished + 1)
        return min(candidates) if candidates else 0


def new_check_executions(instance: dg.DagsterInstance, check_key: dg.AssetCheckKey, cursor: CheckCursor):
    """The check's executions at or after the cursor's lower bound, newest first.

    When the instance's newest execution is older than what was recorded (a new instance beside
    an old warehouse), the whole history of the new instance is read; `check_result_id` keeps
    the two apart."""
    storage = instance.event_log_storage
    bound = cursor.lower_bound()
    records: list[Any] = []
    page_cursor = None
    while True:
        page = storage.get_asset_check_execution_history(check_key, limit=PAGE, cursor=page_cursor)
        if not page:
            break
        if page_cursor is None and cursor.newest_finished is not None and page[0].id < cursor.newest_finished:
            bound = 0  # the instance holds nothing as new as what was recorded: a new instance
        records.extend(record for record in page if record.id >= bound)
        if page[-1].id <= bound or len(page) < PAGE:
            break
        page_cursor = page[-1].id
    return records


def latest_check_executions(
    instance: dg.DagsterInstance, check_keys: Sequence[dg.AssetCheckKey]
) -> dict[dg.AssetCheckKey, int]:
    """The newest execution id of each check the instance has run: one query per CHECK_BATCH
    checks, so only the checks that ran since the last copy are read one by one."""
    storage = instance.event_log_storage
    latest: dict[dg.AssetCheckKey, int] = {}
    for start in range(0, len(check_keys), CHECK_BATCH):
        batch = check_keys[start : start + CHECK_BATCH]
        found = storage.get_latest_asset_check_execution_by_key(batch)
        latest.update({key: found[key].id for key in batch if key in found})
    return latest


def latest_materializations(
    instance: dg.DagsterInstance, keys: Sequence[dg.AssetKey]
) -> dict[dg.AssetKey, int]:
    """The newest storage id of each asset's materialization or failed materialization: the
    successful ones in one query (the asset records), the failed ones one asset at a time."""
    latest = {
        record.asset_entry.asset_key: record.asset_entry.last_materialization_storage_id
        for record in instance.get_asset_records(list(keys))
        if record.asset_entry.last_materialization_storage_id is not None
    }
    for key in keys:
        failed = instance.fetch_failed_materializations(key, limit=1).records
        if failed and failed[0].storage_id > latest.get(key, -1):
            latest[key] = failed[0].storage_id
    return latest


def new_materializations(
    instance: dg.DagsterInstance, key: dg.AssetKey, after: int | None, newest: int | None
):
    """(record, succeeded) for the asset's materializations and failed materializations after
    storage id `after`, given the newest one the instance holds (`latest_materializations`):
    none when that is the one recorded, all of them when it is older (a new instance)."""
    if newest is None or newest == after:
        return []
    if after is not None and newest < after:
        after = None
    found = []
    for fetch, succeeded in (
        (instance.fetch_materializations, True),
        (instance.fetch_failed_materializations, False),
    ):
        cursor = None
        while True:
            result = fetch(
                dg.AssetRecordsFilter(asset_key=key, after_storage_id=after),
                limit=PAGE,
                cursor=cursor,
                ascending=True,
            )
            found.extend((record, succeeded) for record in result.records)
            if not result.has_more:
                break
            cursor = result.cursor
    return found


# -- writing the warehouse --------------------------------------------------------------------
def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"create schema if not exists {SCHEMA}")
    for ddl in DDL.values():
        conn.execute(ddl)


def check_cursors(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], CheckCursor]:
    rows = conn.execute(
        f"""
        select
            asset_key,
            check_name,
            max(execution_id) filter (where outcome <> 'in_progress'),
            min(execution_id) filter (where outcome = 'in_progress')
        from {SCHEMA}.{CHECK_RESULTS}
        group by asset_key, check_name
        """
    ).fetchall()
    return {(asset, check): CheckCursor(finished, pending) for asset, check, finished, pending in rows}


def materialization_cursors(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = conn.execute(
        f"select asset_key, max(storage_id) from {SCHEMA}.{MATERIALIZATIONS} group by asset_key"
    ).fetchall()
    return dict(rows)


def frame(table: str, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    columns = COLUMNS[table]
    data = pd.DataFrame([{column: row[column] for column in columns} for row in rows], columns=list(columns))
    return data.astype(object).where(data.notna(), None)


def upsert(conn: duckdb.DuckDBPyConnection, table: str, id_column: str, rows: Sequence[Mapping[str, Any]]):
    """Replace the rows with the same id, insert the others: re-reading never duplicates."""
    if not rows:
        return 0
    columns = ", ".join(COLUMNS[table])
    with registered(conn, f"new_{table}", frame(table, rows)) as view:
        conn.execute(f"delete from {SCHEMA}.{table} where {id_column} in (select {id_column} from {view})")
        conn.execute(f"insert into {SCHEMA}.{table} ({columns}) select {columns} from {view}")
    return len(rows)


def replace_all(conn: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """The table's rows replaced by `rows` (the catalogs describe the graph as it is now)."""
    columns = ", ".join(COLUMNS[table])
    with registered(conn, f"new_{table}", frame(table, rows)) as view:
        conn.execute(f"delete from {SCHEMA}.{table}")
        conn.execute(f"insert into {SCHEMA}.{table} ({columns}) select {columns} from {view}")
    return len(rows)


@dataclass(frozen=True)
class HistoryReport:
    check_results_written: int
    in_progress: int
    materializations_written: int
    table_rows: Mapping[str, int]


def record_history(
    conn: duckdb.DuckDBPyConnection, instance: dg.DagsterInstance, asset_graph: Any, now: dt.datetime
) -> HistoryReport:
    """Copy what is new in the instance into the trusted_data tables (one transaction)."""
    ensure_tables(conn)
    cursors = check_cursors(conn)
    run_finished: dict[str, bool] = {}

    def finished(run_id: str) -> bool:
        if run_id not in run_finished:
            run = instance.get_run_by_id(run_id)
            run_finished[run_id] = run is None or run.is_finished
        return run_finished[run_id]

    check_rows = []
    check_keys = sorted(asset_graph.asset_check_keys, key=lambda k: k.to_user_string())
    latest_executions = latest_check_executions(instance, check_keys)
    for check_key in check_keys:
        cursor = cursors.get((check_key.asset_key.to_user_string(), check_key.name), CheckCursor(None, None))
        if not cursor.has_new(latest_executions.get(check_key)):
            continue
        blocking = asset_graph.get(check_key).blocking
        for record in new_check_executions(instance, check_key, cursor):
            check_rows.append(
                check_result_row(
                    record, run_finished=finished(record.run_id), blocking=blocking, recorded_at=now
                )
            )

    after = materialization_cursors(conn)
    asset_keys = [node.key for node in asset_graph.asset_nodes if node.is_materializable]
    newest = latest_materializations(instance, asset_keys)
    materialization_rows = []
    for key in asset_keys:
        for record, succeeded in new_materializations(
            instance, key, after.get(key.to_user_string()), newest.get(key)
        ):
            materialization_rows.append(materialization_row(record, succeeded=succeeded, recorded_at=now))

    conn.execute("begin transaction")
    try:
        written_checks = upsert(conn, CHECK_RESULTS, "check_result_id", check_rows)
        written_materializations = upsert(conn, MATERIALIZATIONS, "materialization_id", materialization_rows)
        replace_all(conn, CATALOG, catalog_rows(catalog_entries(asset_graph), now))
        replace_all(conn, CHECKS, check_rows_defined(asset_graph, now))
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    counts = {
        table: conn.execute(f"select count(*) from {SCHEMA}.{table}").fetchone()[0]
        for table in (CHECK_RESULTS, MATERIALIZATIONS, CATALOG, CHECKS)
    }
    return HistoryReport(
        check_results_written=written_checks,
        in_progress=sum(1 for row in check_rows if row["outcome"] == "in_progress"),
        materializations_written=written_materializations,
        table_rows=counts,
    )


# -- the asset --------------------------------------------------------------------------------
# The whole asset graph of the code location (every asset and check, with tags and freshness
# policies), given to the assets by whoever builds the definitions. Not the running job's graph:
# a run of a few assets sees only those (and `context.repository_def` is not set in
# `execute_in_process`, which the CLI and tests use).
AssetGraphSource = Callable[[], Any]


# eager() without its "no dependency missing" clause, and without the blocking-check gate of the
# downstream policy: a failed check or a missing table upstream is exactly what it must record.
HISTORY_CONDITION = (
    dg.AutomationCondition.in_latest_time_window()
    & (
        dg.AutomationCondition.newly_missing() | dg.AutomationCondition.any_deps_updated()
    ).since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("after any upstream update, even when an upstream check failed")


def history_specs(upstream: Iterable[dg.AssetKey], target: str) -> list[dg.AssetSpec]:
    deps = sorted(set(upstream), key=lambda key: key.path)
    common = {
        "group_name": GROUP,
        "owners": [OWNER],
        "kinds": {target, "python"},
        "tags": {"data_classification": "green"},
        "automation_condition": HISTORY_CONDITION,
    }
    return [
        dg.AssetSpec(
            key=CHECK_RESULTS_KEY,
            deps=deps,
            description=(
                "Every asset-check execution recorded by Dagster (dbt tests, Pandera schemas, "
                "reconciliations, bounds): asset, check, outcome, severity, metadata, run, time. "
                "Appended run by run; check_result_id is unique."
            ),
            metadata={"dagster/table_name": f"{SCHEMA}.{CHECK_RESULTS}"},
            **common,
        ),
        dg.AssetSpec(
            key=MATERIALIZATIONS_KEY,
            deps=deps,
            description=(
                "Every materialization and failed materialization recorded by Dagster, with the "
                "row count and inserted rows the asset reported. Appended run by run."
            ),
            metadata={"dagster/table_name": f"{SCHEMA}.{MATERIALIZATIONS}"},
            **common,
        ),
        dg.AssetSpec(
            key=CATALOG_KEY,
            deps=deps,
            description=(
                "The asset graph as coverage is measured against it: one row per asset and "
                "upstream source system, with the asset's freshness windows. Replaced on every run."
            ),
            metadata={"dagster/table_name": f"{SCHEMA}.{CATALOG}"},
            **common,
        ),
        dg.AssetSpec(
            key=CHECKS_KEY,
            deps=deps,
            description=(
                "The checks defined now, one row per asset check (blocking or not): which check "
                "results are current, and what coverage counts. Replaced on every run."
            ),
            metadata={"dagster/table_name": f"{SCHEMA}.{CHECKS}"},
            **common,
        ),
    ]


def build_history_asset(
    upstream: Iterable[dg.AssetKey], target: str, asset_graph: AssetGraphSource
) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name="trusted_data_history",
        specs=history_specs(upstream, target),
        pool=DUCKDB_POOL,
        # Once its upstream assets are done, the checks on them are ready too: a lower priority
        # lets them all run first, so the history records their results rather than in_progress.
        op_tags={"dagster/priority": "-10"},
        description="Copies Dagster's check results and materializations into the trusted_data schema.",
    )
    def trusted_data_history(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
        now = utc(dt.datetime.now(dt.UTC).timestamp())
        with warehouse.get_connection() as conn:
            report = record_history(conn, context.instance, asset_graph(), now)
        context.log.info(
            f"recorded {report.check_results_written} check executions ({report.in_progress} still in "
            f"progress) and {report.materializations_written} materializations"
        )
        common = {"recorded_at": dg.MetadataValue.timestamp(now.replace(tzinfo=dt.UTC))}
        yield dg.MaterializeResult(
            asset_key=CHECK_RESULTS_KEY,
            metadata={
                **common,
                ROW_COUNT_METADATA: report.table_rows[CHECK_RESULTS],
                "rows_inserted": report.check_results_written,
                "in_progress": report.in_progress,
            },
        )
        yield dg.MaterializeResult(
            asset_key=MATERIALIZATIONS_KEY,
            metadata={
                **common,
                ROW_COUNT_METADATA: report.table_rows[MATERIALIZATIONS],
                "rows_inserted": report.materializations_written,
            },
        )
        for key, table in ((CATALOG_KEY, CATALOG), (CHECKS_KEY, CHECKS)):
            yield dg.MaterializeResult(
                asset_key=key, metadata={**common, ROW_COUNT_METADATA: report.table_rows[table]}
            )

    return trusted_data_history
