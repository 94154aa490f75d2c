"""The dbt models on the trusted-data history, built on a hand-written history: each expected
value is computed here in Python from the same rows, not read back from the models."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import duckdb
import pytest

from tests.conftest import dbt_build, settings_for
from usage_platform.trusted_data.history import ensure_tables

T = dt.datetime
CATALOGUED = T(2026, 11, 3, 9, 0)

CATALOG = [  # asset_key, layer, source_system, warn hours, fail hours
    ("raw/zuora_account", "raw", "zuora", 30.0, 48.0),
    ("raw/service_ping_payloads", "raw", "service_ping", 192.0, 360.0),
    ("marts/mart_m", "marts", "service_ping", 36.0, 54.0),
    ("marts/mart_m", "marts", "zuora", 36.0, 54.0),
    ("pumps/pump_p", "pumps", "zuora", 36.0, 54.0),
    ("common/dim_date", "common", "none", None, None),
]
CHECKS = [  # asset_key, check_name, blocking
    ("raw/zuora_account", "pandera_schema", True),
    ("raw/zuora_account", "new_rows_within_bounds", False),
    ("raw/service_ping_payloads", "pandera_schema", True),
    ("marts/mart_m", "unique_mart_m_id", True),
    ("marts/mart_m", "golden_records_match", False),
    ("pumps/pump_p", "golden_record_rows", False),
]
# execution_id, run, asset, check, outcome, severity, evaluated_at (planned 1 minute before)
RESULTS = [
    (1, "r1", "raw/zuora_account", "pandera_schema", "passed", "ERROR", T(2026, 11, 1, 8, 0)),
    (2, "r1", "raw/zuora_account", "new_rows_within_bounds", "failed", "WARN", T(2026, 11, 1, 8, 1)),
    (3, "r1", "raw/service_ping_payloads", "pandera_schema", "passed", "ERROR", T(2026, 11, 1, 8, 2)),
    (4, "r1", "marts/mart_m", "unique_mart_m_id", "passed", "ERROR", T(2026, 11, 1, 9, 0)),
    (5, "r1", "marts/mart_m", "golden_records_match", "passed", "WARN", T(2026, 11, 1, 9, 0)),
    (6, "r1", "marts/mart_m", "removed_check", "failed", "ERROR", T(2026, 11, 1, 9, 0)),
    (7, "r2", "raw/zuora_account", "pandera_schema", "failed", "ERROR", T(2026, 11, 2, 8, 0)),
    (8, "r2", "raw/zuora_account", "new_rows_within_bounds", "passed", "WARN", T(2026, 11, 2, 8, 1)),
    (9, "r2", "marts/mart_m", "unique_mart_m_id", "not_evaluated", None, None),
    (10, "r2", "marts/mart_m", "golden_records_match", "failed", "WARN", T(2026, 11, 2, 23, 59)),
    (11, "r3", "raw/service_ping_payloads", "pandera_schema", "in_progress", None, None),
]
# storage_id, run, asset, succeeded, materialized_at, row_count, rows_inserted
MATERIALIZATIONS = [
    (100, "r1", "raw/zuora_account", True, T(2026, 11, 1, 7, 59), 10, 10),
    (101, "r1", "raw/service_ping_payloads", True, T(2026, 11, 1, 8, 0), 40, 40),
    (102, "r1", "marts/mart_m", True, T(2026, 11, 1, 8, 59), None, None),
    (103, "r1", "prep/prep_x", True, T(2026, 11, 1, 8, 30), None, None),
    (200, "r2", "raw/zuora_account", True, T(2026, 11, 2, 7, 0), 12, 2),
    (201, "r2", "raw/zuora_account", True, T(2026, 11, 2, 7, 59), 15, 3),
    (202, "r2", "marts/mart_m", False, T(2026, 11, 2, 8, 59), None, None),
    (300, "r3", "raw/service_ping_payloads", True, T(2026, 11, 3, 8, 0), 55, 15),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trusted_models")
    settings = settings_for(tmp / "data")
    settings.duckdb_path.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        ensure_tables(conn)
        conn.executemany(
            "insert into trusted_data.asset_catalog values (?, ?, ?, ?, ?, ?)",
            [(*row, CATALOGUED) for row in CATALOG],
        )
        conn.executemany(
            "insert into trusted_data.asset_checks values (?, ?, ?, null, ?)",
            [(*row, CATALOGUED) for row in CHECKS],
        )
        conn.executemany(
            "insert into trusted_data.check_results "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, null, ?, ?, ?)",
            [
                (
                    f"{run}/{eid}",
                    eid,
                    run,
                    asset,
                    asset.split("/")[0],
                    check,
                    outcome,
                    {"passed": True, "failed": False}.get(outcome),
                    severity,
                    (evaluated or T(2026, 11, 2, 12, 0)) - dt.timedelta(minutes=1),
                    evaluated,
                    CATALOGUED,
                )
                for eid, run, asset, check, outcome, severity, evaluated in RESULTS
            ],
        )
        conn.executemany(
            "insert into trusted_data.asset_materializations values (?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?)",
            [
                (f"{run}/{sid}", sid, run, asset, asset.split("/")[0], ok, at, count, inserted, CATALOGUED)
                for sid, run, asset, ok, at, count, inserted in MATERIALIZATIONS
            ],
        )
    output = dbt_build(settings, "path:models/trusted_data source:trusted_data", tmp_dir=tmp)
    assert "rpt_trusted_data_pipeline_health" in output
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        yield conn


def table(conn, sql) -> list[dict]:
    cursor = conn.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def latest_outcomes() -> dict[tuple[str, str], bool]:
    """Each check's latest evaluation (passed/failed only), by evaluation time."""
    latest: dict[tuple[str, str], tuple[dt.datetime, bool]] = {}
    for _, _, asset, check, outcome, _, evaluated in RESULTS:
        if outcome in ("passed", "failed") and (
            (asset, check) not in latest or evaluated > latest[(asset, check)][0]
        ):
            latest[(asset, check)] = (evaluated, outcome == "passed")
    return {key: passed for key, (_, passed) in latest.items()}


def test_pass_rate_per_day_and_layer(warehouse):
    expected: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for _, _, asset, _, outcome, severity, evaluated in RESULTS:
        if outcome in ("passed", "failed"):
            counts = expected[(evaluated.date(), asset.split("/")[0])]
            counts[0] += 1
            counts[1] += outcome == "passed"
            counts[2] += outcome == "failed" and severity == "WARN"
    actual = table(warehouse, "select * from trusted_data.rpt_trusted_data_pass_rate_daily")
    assert {
        (r["evaluation_date"], r["asset_layer"]): [
            r["evaluation_count"],
            r["passed_count"],
            r["failed_warn_count"],
        ]
        for r in actual
    } == dict(expected)
    for row in actual:
        assert row["pass_rate"] == pytest.approx(row["passed_count"] / row["evaluation_count"])
        assert row["failed_count"] == row["evaluation_count"] - row["passed_count"]
    raw_day2 = next(
        r for r in actual if r["evaluation_date"] == dt.date(2026, 11, 2) and r["asset_layer"] == "raw"
    )
    assert (raw_day2["failed_error_count"], raw_day2["failed_blocking_count"]) == (
        1,
        0,
    )  # blocking not recorded


def test_coverage_by_layer_and_source(warehouse):
    checks_per_asset = defaultdict(list)
    for asset, check, blocking in CHECKS:
        checks_per_asset[asset].append((check, blocking))
    latest = latest_outcomes()
    expected = {}
    for asset, layer, system, _, _ in CATALOG:
        row = expected.setdefault(
            (layer, system), {"assets": 0, "tested": 0, "checks": 0, "passed": 0, "failed": 0}
        )
        checks = checks_per_asset.get(asset, [])
        row["assets"] += 1
        row["tested"] += bool(checks)
        row["checks"] += len(checks)
        row["passed"] += sum(1 for check, _ in checks if latest.get((asset, check)) is True)
        row["failed"] += sum(1 for check, _ in checks if latest.get((asset, check)) is False)
    actual = table(warehouse, "select * from trusted_data.rpt_trusted_data_test_coverage")
    assert {
        (r["asset_layer"], r["source_system"]): {
            "assets": r["asset_count"],
            "tested": r["tested_asset_count"],
            "checks": r["check_count"],
            "passed": r["passed_check_count"],
            "failed": r["failed_check_count"],
        }
        for r in actual
    } == expected
    common = next(r for r in actual if r["asset_layer"] == "common")
    assert (common["source_system"], common["test_coverage_share"]) == ("none", 0.0)
    pumps = next(r for r in actual if r["asset_layer"] == "pumps")
    assert pumps["evaluated_check_count"] == 0  # golden_record_rows was never evaluated


def test_last_run_and_last_success_per_asset(warehouse):
    rows = {
        r["asset_key"]: r
        for r in table(warehouse, "select * from trusted_data.rpt_trusted_data_asset_last_run")
    }
    assert set(rows) == {asset for asset, *_ in CATALOG}
    for asset in rows:
        mine = [m for m in MATERIALIZATIONS if m[2] == asset]
        last = max(mine, key=lambda m: m[4]) if mine else None
        successes = [m[4] for m in mine if m[3]]
        assert rows[asset]["last_run_at"] == (last[4] if last else None), asset
        assert rows[asset]["last_run_succeeded"] == (last[3] if last else None), asset
        assert rows[asset]["last_success_at"] == (max(successes) if successes else None), asset
        counted = [m for m in mine if m[5] is not None]
        assert rows[asset]["last_row_count"] == (max(counted, key=lambda m: m[4])[5] if counted else None)
    mart = rows["marts/mart_m"]
    assert (mart["last_run_succeeded"], mart["failed_materialization_count"]) == (False, 1)
    assert mart["source_systems"] == "service_ping, zuora"
    # unique_mart_m_id passed (r1; r2 not evaluated), golden_records_match failed last; removed_check is gone
    assert (mart["check_count"], mart["passed_check_count"], mart["failed_check_count"]) == (2, 1, 1)
    assert mart["golden_record_status"] == "failed"
    assert rows["pumps/pump_p"]["golden_record_status"] == "not_evaluated"
    assert rows["raw/zuora_account"]["golden_record_status"] == "none"
    assert rows["raw/zuora_account"]["failed_check_count"] == 1  # pandera failed in r2, bounds passed
    assert rows["raw/zuora_account"]["freshness_fail_hours"] == 48.0


def test_pipeline_health_per_day_and_key_table(warehouse):
    actual = {
        (r["materialized_date"], r["asset_key"]): r
        for r in table(warehouse, "select * from trusted_data.rpt_trusted_data_pipeline_health")
    }
    key_layers = ("raw", "marts", "pumps")
    expected_keys = {(m[4].date(), m[2]) for m in MATERIALIZATIONS if m[2].split("/")[0] in key_layers}
    assert set(actual) == expected_keys
    zuora_day2 = actual[(dt.date(2026, 11, 2), "raw/zuora_account")]
    assert (zuora_day2["materialization_count"], zuora_day2["rows_inserted"], zuora_day2["rows_updated"]) == (
        2,
        5,
        0,
    )
    assert (zuora_day2["row_count"], zuora_day2["row_count_change"]) == (
        15,
        5,
    )  # 15 at day's end, 10 the day before
    pings_day3 = actual[(dt.date(2026, 11, 3), "raw/service_ping_payloads")]
    assert (pings_day3["row_count"], pings_day3["row_count_change"]) == (55, 15)  # no count on day 2
    mart_day2 = actual[(dt.date(2026, 11, 2), "marts/mart_m")]
    assert (mart_day2["materialization_count"], mart_day2["failed_materialization_count"]) == (0, 1)
    assert mart_day2["rows_inserted"] is None and mart_day2["rows_updated"] is None
