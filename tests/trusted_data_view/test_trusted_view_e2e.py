"""End to end: materialize_all on a fresh warehouse runs the history after the checks and the dbt
reports after the history; check results and materializations land in the warehouse, and the
summary shows them. Expected values come from the run's own event stream and the landing files."""

from __future__ import annotations

import duckdb
import pytest

from tests.trusted_data_view.conftest import landing_csv_rows, run_job
from usage_platform.trusted_data.history import HISTORY_KEYS
from usage_platform.trusted_data.summary import SUMMARY_KEY, TRUSTED_DBT_NAME

pytestmark = pytest.mark.e2e


def query(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def downstream_of_history(defs) -> set[str]:
    """The history tables and every asset downstream of them (their checks run after the copy)."""
    graph = defs.resolve_asset_graph()
    found, queue = set(HISTORY_KEYS), list(HISTORY_KEYS)
    while queue:
        for child in graph.get(queue.pop()).child_keys:
            if child not in found:
                found.add(child)
                queue.append(child)
    return {key.to_user_string() for key in found}


def test_the_job_runs_the_history_between_the_checks_and_the_reports(materialized):
    result = materialized.result
    assert result.success
    steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
    # One dbt step for the platform's models, the history after it, the reports on the history
    # in their own dbt step, the summary last.
    summary = "trusted_data__trusted_data_summary"
    order = ["usage_platform_dbt", "trusted_data_history", TRUSTED_DBT_NAME, summary]
    assert [step for step in steps if step in order] == order
    assert steps[-1] == summary
    materialized_keys = {e.asset_key for e in result.get_asset_materialization_events()}
    assert {*HISTORY_KEYS, SUMMARY_KEY} <= materialized_keys


def test_every_check_result_of_the_run_lands_in_the_history(materialized):
    settings, result = materialized.settings, materialized.result
    evaluations = {
        (e.asset_check_key.asset_key.to_user_string(), e.asset_check_key.name): e
        for e in result.get_asset_check_evaluations()
    }
    assert len(evaluations) > 100
    rows = {
        (asset, check): (outcome, passed, severity)
        for asset, check, outcome, passed, severity in query(
            settings,
            "select asset_key, check_name, outcome, passed, severity from trusted_data.check_results "
            f"where run_id = '{result.run_id}'",
        )
    }
    downstream = downstream_of_history(materialized.defs)
    before = {key: e for key, e in evaluations.items() if key[0] not in downstream}
    after = {key for key in evaluations if key[0] in downstream}
    assert after, "the dbt tests of the reports and of the history tables are checks too"
    # Evaluated before the history step: recorded with their outcome and severity.
    for key, evaluation in before.items():
        expected = ("passed" if evaluation.passed else "failed", evaluation.passed, evaluation.severity.value)
        assert rows.get(key) == expected, key
    # Evaluated after it, in the same run: recorded as in progress, completed by the next copy.
    assert {key: rows.get(key) for key in after} == {key: ("in_progress", None, None) for key in after}
    assert set(rows) == set(evaluations)

    # The next copy (the history alone, as automation runs it) completes them, duplicating nothing.
    again = run_job(materialized.defs, asset_selection=list(HISTORY_KEYS))
    assert again.success
    completed = dict(
        ((asset, check), (outcome, passed))
        for asset, check, outcome, passed in query(
            settings,
            "select asset_key, check_name, outcome, passed from trusted_data.check_results "
            f"where run_id = '{result.run_id}'",
        )
    )
    for key in after:
        evaluation = evaluations[key]
        assert completed[key] == ("passed" if evaluation.passed else "failed", evaluation.passed), key
    duplicated = query(
        settings,
        "select count(*) - count(distinct check_result_id), "
        "count(*) - count(distinct run_id || asset_key || check_name) from trusted_data.check_results",
    )
    assert duplicated == [(0, 0)]


def test_materializations_and_row_counts_land_in_the_history(materialized):
    settings, result = materialized.settings, materialized.result
    accounts = landing_csv_rows(settings.landing_dir / "zuora" / "account.csv")
    releases = landing_csv_rows(settings.landing_dir / "releases" / "releases.csv")
    rows = dict(
        ((asset), (count, inserted))
        for asset, count, inserted in query(
            settings,
            "select asset_key, row_count, rows_inserted from trusted_data.asset_materializations "
            f"where run_id = '{result.run_id}' "
            "and asset_key in ('raw/zuora_account', 'raw/releases_releases')",
        )
    )
    assert rows == {"raw/zuora_account": (accounts, accounts), "raw/releases_releases": (releases, releases)}
    recorded = {r[0] for r in query(settings, "select asset_key from trusted_data.asset_materializations")}
    before_history = {
        e.asset_key.to_user_string()
        for e in result.get_asset_materialization_events()
        if not e.asset_key.to_user_string().startswith("trusted_data/")
    }
    assert before_history <= recorded
    health = query(
        settings,
        "select rows_inserted, rows_updated, row_count from trusted_data.rpt_trusted_data_pipeline_health "
        "where asset_key = 'raw/zuora_account'",
    )
    assert health == [(accounts, 0, accounts)]


def test_the_summary_shows_tests_freshness_records_and_last_runs(materialized):
    settings, result = materialized.settings, materialized.result
    rows = {
        row[0]: row[1:]
        for row in query(
            settings,
            "select asset_key, tests_passed, tests_failed, freshness_state, record_count, last_run_succeeded "
            "from trusted_data.trusted_data_summary",
        )
    }
    graph = materialized.defs.resolve_asset_graph()
    layers = ("raw", "marts", "pumps")
    golden = {k.asset_key.to_user_string() for k in graph.asset_check_keys if "golden" in k.name.lower()}
    key_tables = {node.key.to_user_string() for node in graph.asset_nodes if node.group_name in layers}
    key_tables |= golden
    assert set(rows) == key_tables
    account_checks = [
        e for e in result.get_asset_check_evaluations() if e.asset_key.to_user_string() == "raw/zuora_account"
    ]
    accounts = landing_csv_rows(settings.landing_dir / "zuora" / "account.csv")
    assert rows["raw/zuora_account"] == (
        sum(e.passed for e in account_checks),
        sum(not e.passed for e in account_checks),
        "PASS",  # just materialized: well inside the daily window
        accounts,
        True,
    )
    assert all(state == "PASS" for _, _, state, _, _ in rows.values() if state != "NOT_APPLICABLE")
    summary = next(e for e in result.get_asset_materialization_events() if e.asset_key == SUMMARY_KEY)
    dashboard = summary.materialization.metadata["dashboard"].value
    header = (
        "| source | table | tests passed | tests failed | freshness | records | last run | golden records |"
    )
    assert header in dashboard
    assert f"| zuora | raw.zuora_account | {rows['raw/zuora_account'][0]} | " in dashboard
    assert dashboard.count("\n| ") == len(key_tables) + 1  # header + one row per key table
