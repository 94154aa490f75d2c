"""New rows per day within bounds (WARN): a truncated export, a week without pings; the bounds
come from sources.yml for every raw table."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from tests.conftest import settings_for
from usage_platform.sources.catalog import raw_tables
from usage_platform.sources.landing import find_landing_files
from usage_platform.sources.load_duckdb import DuckDBRawLoader
from usage_platform.trusted_data.bounds import (
    BoundsError,
    RowCountBounds,
    _parse,
    evaluate_bounds,
    load_bounds,
)

TABLES = {t.table: t for t in raw_tables()}


def load(settings, table_name: str, run_id: str) -> None:
    table = TABLES[table_name]
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        DuckDBRawLoader(conn, run_id=run_id).load(table, find_landing_files(settings, table))


def bounds_of(settings, table_name: str, bounds: RowCountBounds, run_id: str):
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        return evaluate_bounds(conn, TABLES[table_name], bounds, run_id)


def write_accounts(settings, count: int) -> None:
    path = settings.landing_dir / "salesforce/account.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Id,Name\n" + "".join(f"0014M00000AC{n:04d}QAH,Account {n}\n" for n in range(count)))


DAILY_SNAPSHOT = RowCountBounds(window_days=1, change_pct=(-10, 50), min_rows=50)


def test_a_truncated_export_is_flagged_and_a_normal_one_is_not(tmp_path):
    settings = settings_for(tmp_path / "data")
    write_accounts(settings, 200)
    load(settings, "salesforce_account", "first")
    first = bounds_of(settings, "salesforce_account", DAILY_SNAPSHOT, "first")
    assert first.passed and "no baseline" in first.summary

    write_accounts(settings, 210)  # +5%: an ordinary day
    load(settings, "salesforce_account", "second")
    assert bounds_of(settings, "salesforce_account", DAILY_SNAPSHOT, "second").passed

    write_accounts(settings, 21)  # -90%: the export was cut short
    load(settings, "salesforce_account", "third")
    third = bounds_of(settings, "salesforce_account", DAILY_SNAPSHOT, "third")
    assert not third.passed
    assert third.summary.startswith("-90.0% per period (210 -> 21 rows")

    assert bounds_of(settings, "salesforce_account", DAILY_SNAPSHOT, "a run that loaded nothing").passed


def test_a_small_table_is_not_judged_in_percent(tmp_path):
    settings = settings_for(tmp_path / "data")
    write_accounts(settings, 10)
    load(settings, "salesforce_account", "first")
    write_accounts(settings, 30)  # +200%, but 10 rows are too few to tell
    load(settings, "salesforce_account", "second")
    outcome = bounds_of(settings, "salesforce_account", DAILY_SNAPSHOT, "second")
    assert outcome.passed and "too few to judge" in outcome.summary


def write_pings(settings, days: list[dt.date]) -> None:
    for day in days:
        folder = settings.landing_dir / "service_ping" / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        payload = {"uuid": "0b1b4b57-7782-4f01-b375-c0864c539f27", "hostname": "a.example", "day": str(day)}
        (folder / f"usage_data_{day:%Y%m%d}.ndjson").write_text(json.dumps(payload) + "\n")


def test_a_week_without_pings_is_flagged(tmp_path):
    settings = settings_for(tmp_path / "data")
    weekly = RowCountBounds(window_days=7, new_rows_per_day=(0.1, 100000))
    start = dt.date(2026, 9, 1)
    write_pings(settings, [start + dt.timedelta(days=n) for n in range(10)])
    load(settings, "service_ping_payloads", "first")
    assert bounds_of(settings, "service_ping_payloads", weekly, "first").passed

    # Nothing for nine days, then a ping: the windows ending on the 7th, 8th and 9th silent
    # day hold no ping at all (a week without a single ping: the collector was down).
    late = start + dt.timedelta(days=19)
    write_pings(settings, [late])
    load(settings, "service_ping_payloads", "second")
    outcome = bounds_of(settings, "service_ping_payloads", weekly, "second")
    assert not outcome.passed
    silent = [start + dt.timedelta(days=n) for n in (16, 17, 18)]
    assert outcome.rows[1:] == [(day.isoformat(), "0", "0.00") for day in silent]
    assert outcome.summary == "10 day(s) judged, 3 outside the bounds"


def test_every_raw_table_has_bounds_in_sources_yml():
    bounds = load_bounds()
    assert set(TABLES) <= set(bounds)
    assert bounds["service_ping_payloads"].new_rows_per_day is not None
    assert bounds["service_ping_payloads"].window_days == 7
    assert all(bounds[t].change_pct is not None for t in TABLES if t != "service_ping_payloads")


@pytest.mark.parametrize(
    "meta",
    [
        {"cadence": "daily"},
        {"cadence": "daily", "row_count_bounds": {"change_pct": {"min": 5, "max": 1}}},
        {"cadence": "daily", "row_count_bounds": {}},
        {"cadence": "sometimes", "row_count_bounds": {"change_pct": {"min": -1, "max": 1}}},
    ],
)
def test_unreadable_bounds_are_a_clear_error(meta):
    with pytest.raises(BoundsError):
        _parse(meta, "sources.yml: source x.y")
