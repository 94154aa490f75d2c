"""The history copy on a small graph run in a real (temporary) Dagster instance: every check
execution lands once, with its outcome, severity and metadata; re-reading never duplicates;
a check whose run ended before it was evaluated is recorded as not evaluated."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from tests.conftest import settings_for
from usage_platform.trusted_data.history import (
    HISTORY_KEYS,
    CheckCursor,
    check_result_row,
    new_check_executions,
    record_history,
)
from usage_platform.trusted_data.summary import with_trusted_data_view

A, B, C = dg.AssetKey(["raw", "a"]), dg.AssetKey(["prep", "b"]), dg.AssetKey(["marts", "c"])


@dg.asset(
    key=A,
    check_specs=[dg.AssetCheckSpec("ok", asset=A), dg.AssetCheckSpec("bad", asset=A)],
)
def a():
    yield dg.MaterializeResult(metadata={"dagster/row_count": 7, "rows_loaded": 3})
    yield dg.AssetCheckResult(check_name="ok", passed=True)
    yield dg.AssetCheckResult(
        check_name="bad",
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"num_failures": 3, "failures": dg.MetadataValue.md("| id |\n|---|\n| 1 |")},
    )


@dg.asset(key=B, deps=[A], check_specs=[dg.AssetCheckSpec("gate", asset=B, blocking=True)])
def b():
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(check_name="gate", passed=False, description="gate closed")


@dg.asset(key=C, deps=[B], check_specs=[dg.AssetCheckSpec("never", asset=C)])
def c():
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(check_name="never", passed=True)


TOY_KEYS = [A, B, C]
DEFS = dg.Definitions(
    assets=[a, b, c], jobs=[dg.define_asset_job("all", selection=dg.AssetSelection.assets(*TOY_KEYS))]
)


def rows(conn, sql):
    cursor = conn.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def instance(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        yield instance


def run_all(instance) -> dg.ExecuteInProcessResult:
    return DEFS.resolve_job_def("all").execute_in_process(instance=instance, raise_on_error=False)


def test_every_execution_lands_once_with_its_outcome(instance, tmp_path):
    graph = DEFS.resolve_asset_graph()
    first = run_all(instance)
    assert not first.success  # b's blocking check failed: c never ran
    now = dt.datetime(2026, 11, 1, 12, 0)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        report = record_history(conn, instance, graph, now)
        results = {r["check_name"]: r for r in rows(conn, "select * from trusted_data.check_results")}
        assert set(results) == {"ok", "bad", "gate", "never"}
        assert report.check_results_written == 4
        assert {name: r["outcome"] for name, r in results.items()} == {
            "ok": "passed",
            "bad": "failed",
            "gate": "failed",
            "never": "not_evaluated",
        }
        assert results["bad"]["severity"] == "WARN" and results["bad"]["passed"] is False
        assert json.loads(results["bad"]["metadata"]) == {
            "failures": "| id |\n|---|\n| 1 |",
            "num_failures": 3,
        }
        assert results["gate"]["severity"] == "ERROR" and results["gate"]["blocking"] is True
        assert results["gate"]["description"] == "gate closed"
        assert results["never"]["passed"] is None and results["never"]["evaluated_at"] is None
        assert {r["run_id"] for r in results.values()} == {first.run_id}
        assert results["ok"]["asset_key"] == "raw/a" and results["ok"]["asset_layer"] == "raw"

        materialized = rows(conn, "select * from trusted_data.asset_materializations order by asset_key")
        by_asset = {r["asset_key"]: r for r in materialized}
        assert set(by_asset) == {"raw/a", "prep/b"}
        assert (by_asset["raw/a"]["row_count"], by_asset["raw/a"]["rows_inserted"]) == (7, 3)
        assert by_asset["prep/b"]["row_count"] is None

        defined = rows(
            conn, "select asset_key, check_name, blocking from trusted_data.asset_checks order by 1, 2"
        )
        assert [(r["asset_key"], r["check_name"], r["blocking"]) for r in defined] == [
            ("marts/c", "never", False),
            ("prep/b", "gate", True),
            ("raw/a", "bad", False),
            ("raw/a", "ok", False),
        ]
        catalog = rows(conn, "select asset_key, asset_layer, source_system from trusted_data.asset_catalog")
        assert {(r["asset_key"], r["source_system"]) for r in catalog} == {
            ("raw/a", "none"),
            ("prep/b", "none"),
            ("marts/c", "none"),
        }

        # Read again: nothing new, nothing duplicated.
        again = record_history(conn, instance, graph, now)
        assert again.check_results_written == 0 and again.materializations_written == 0
        assert conn.execute("select count(*) from trusted_data.check_results").fetchone()[0] == 4

        # A second run adds its own executions only.
        second = run_all(instance)
        record_history(conn, instance, graph, now)
        per_run = dict(
            conn.execute("select run_id, count(*) from trusted_data.check_results group by run_id").fetchall()
        )
        assert per_run == {first.run_id: 4, second.run_id: 4}
        assert conn.execute("select count(*) from trusted_data.asset_materializations").fetchone()[0] == 4
        unique = conn.execute(
            "select count(distinct check_result_id) = count(*) from trusted_data.check_results"
        ).fetchone()[0]
        assert unique


def test_only_the_checks_and_assets_with_something_new_are_read_one_by_one(instance, tmp_path, monkeypatch):
    """After a run of `a` alone, the copy reads the executions of a's two checks and a's
    materializations, not those of every check and asset of the graph (a delivery runs a
    fifth of the platform's checks); what it records is the same."""
    graph = DEFS.resolve_asset_graph()
    run_all(instance)
    storage = instance.event_log_storage
    read_checks: list[dg.AssetCheckKey] = []
    read_assets: list[dg.AssetKey] = []
    history_of = storage.get_asset_check_execution_history
    fetch = instance.fetch_materializations

    def counted_history(check_key, *args, **kwargs):
        read_checks.append(check_key)
        return history_of(check_key, *args, **kwargs)

    def counted_fetch(records_filter, *args, **kwargs):
        if isinstance(records_filter, dg.AssetRecordsFilter):
            read_assets.append(records_filter.asset_key)
        return fetch(records_filter, *args, **kwargs)

    monkeypatch.setattr(storage, "get_asset_check_execution_history", counted_history)
    monkeypatch.setattr(instance, "fetch_materializations", counted_fetch)
    now = dt.datetime(2026, 11, 1, 12, 0)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        record_history(conn, instance, graph, now)
        assert len(set(read_checks)) == 4  # a first copy reads every check that ran
        read_checks.clear()
        read_assets.clear()
        alone = DEFS.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[A]
        )
        report = record_history(conn, instance, graph, now)
        assert set(read_checks) == {dg.AssetCheckKey(A, "ok"), dg.AssetCheckKey(A, "bad")}
        assert set(read_assets) == {A}
        assert report.check_results_written == 2 and report.materializations_written == 1
        recorded = conn.execute(
            "select check_name from trusted_data.check_results where run_id = ? order by 1", [alone.run_id]
        ).fetchall()
        assert recorded == [("bad",), ("ok",)]
        # Nothing new: no check and no asset read one by one.
        read_checks.clear()
        read_assets.clear()
        assert record_history(conn, instance, graph, now).check_results_written == 0
        assert read_checks == [] and read_assets == []


def test_a_check_with_an_execution_in_progress_is_read_again_though_nothing_newer_ran():
    cursor = CheckCursor(newest_finished=20, oldest_in_progress=12)
    assert cursor.has_new(20)
    assert not CheckCursor(20, None).has_new(20)
    assert CheckCursor(20, None).has_new(21)
    assert CheckCursor(20, None).has_new(5)  # older than recorded: a new instance
    assert CheckCursor(None, None).has_new(1)
    assert not CheckCursor(None, None).has_new(None)  # never executed


def test_an_execution_in_progress_is_kept_and_read_again():
    planned = SimpleNamespace(
        key=dg.AssetCheckKey(A, "ok"),
        id=12,
        run_id="run-1",
        status=SimpleNamespace(value="PLANNED"),
        event=None,
        create_timestamp=1_700_000_000.0,
    )
    now = dt.datetime(2026, 11, 1)
    row = check_result_row(planned, run_finished=False, blocking=True, recorded_at=now)
    assert (row["outcome"], row["passed"], row["blocking"]) == ("in_progress", None, True)
    assert row["check_result_id"] == "run-1/12"
    finished = check_result_row(planned, run_finished=True, blocking=True, recorded_at=now)
    assert finished["outcome"] == "not_evaluated"
    # The next copy reads from the oldest execution still in progress, or after the newest finished.
    assert CheckCursor(newest_finished=20, oldest_in_progress=12).lower_bound() == 12
    assert CheckCursor(newest_finished=20, oldest_in_progress=None).lower_bound() == 21
    assert CheckCursor(None, None).lower_bound() == 0


def test_a_new_instance_beside_an_old_warehouse_is_read_whole(instance):
    run_all(instance)
    key = dg.AssetCheckKey(A, "ok")
    newest = new_check_executions(instance, key, CheckCursor(None, None))
    assert len(newest) == 1
    # The warehouse remembers executions up to id 10_000 (another instance): this one's are new.
    assert len(new_check_executions(instance, key, CheckCursor(10_000, None))) == 1
    assert new_check_executions(instance, key, CheckCursor(newest[0].id, None)) == []


def test_the_history_asset_alone_records_every_check_of_the_code_location(instance, tmp_path):
    """A run of the history asset only (as automation launches it) still sees every check."""
    settings = settings_for(tmp_path / "data")
    defs = with_trusted_data_view(
        dg.Definitions.merge(
            DEFS, dg.Definitions(resources={"warehouse": DuckDBResource(database=str(tmp_path / "w.duckdb"))})
        ),
        settings,
    )
    first = defs.resolve_job_def("all").execute_in_process(instance=instance, raise_on_error=False)
    alone = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, asset_selection=list(HISTORY_KEYS)
    )
    assert alone.success
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as conn:
        recorded = conn.execute(
            "select run_id, check_name, outcome from trusted_data.check_results"
        ).fetchall()
        defined = conn.execute("select count(*) from trusted_data.asset_checks").fetchone()[0]
        assets = {
            row[0] for row in conn.execute("select asset_key from trusted_data.asset_catalog").fetchall()
        }
    assert sorted(recorded) == sorted(
        [
            (first.run_id, "ok", "passed"),
            (first.run_id, "bad", "failed"),
            (first.run_id, "gate", "failed"),
            (first.run_id, "never", "not_evaluated"),
        ]
    )
    assert defined == 4
    assert {
        "raw/a",
        "prep/b",
        "marts/c",
        "trusted_data/check_results",
        "trusted_data/trusted_data_summary",
    } <= assets
