"""The model checks on a generated warehouse: all pass on a clean build; a planted bad dim row fails
the right Pandera check with that row among the failure cases; the fact checks fail on a planted
sentinel counted as a value; a missing or altered golden record fails its dbt test."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from tests.trusted_checks.conftest import all_dbt_assets, dbt_run
from tests.trusted_checks.golden_expected import crm_accounts, namespaces
from usage_platform.synthetic.golden import GOLDEN_PREMIUM, GOLDEN_SAAS
from usage_platform.trusted_data.model_checks import FACT_CHECKS, build_model_checks, pandera_model_checks

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN


def _context(settings) -> dg.AssetCheckExecutionContext:
    return dg.build_asset_check_context(
        resources={"warehouse": DuckDBResource(database=str(settings.duckdb_path))}
    )


def pandera_result(settings, model: str) -> dg.AssetCheckResult:
    (check,) = [c for c in pandera_model_checks() if next(iter(c.check_keys)).asset_key.path[-1] == model]
    return check(_context(settings))


def fact_result(settings, table: str, name: str) -> dg.AssetCheckResult:
    (check,) = [c for c in FACT_CHECKS if c.table == table and c.name == name]
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        return check.evaluate(conn)


def metadata(result: dg.AssetCheckResult) -> dict:
    return {key: getattr(value, "value", value) for key, value in result.metadata.items()}


def execute(settings, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        return conn.execute(sql, list(params)).fetchall()


def test_every_model_check_passes_on_a_clean_build(built, defs_with_checks):
    """Pandera, warehouse SQL, documented columns and schema change checks of every built asset
    (the trusted-data reports, built from Dagster's own history, are not part of this build)."""
    checks = build_model_checks(all_dbt_assets(defs_with_checks))
    built_keys = [
        key
        for c in checks
        for key in c.check_keys
        if not key.asset_key.path[-1].startswith("rpt_trusted_data")
    ]
    job = dg.define_asset_job("model_checks", selection=dg.AssetSelection.checks(*built_keys))
    defs = dg.Definitions(
        asset_checks=checks,
        jobs=[job],
        resources={"warehouse": DuckDBResource(database=str(built.duckdb_path))},
    )
    result = defs.resolve_job_def("model_checks").execute_in_process(instance=dg.DagsterInstance.ephemeral())
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(built_keys)
    failed = {e.asset_check_key.to_user_string(): metadata(e) for e in evaluations if not e.passed}
    assert failed == {}


def test_a_planted_bad_subscription_fails_the_dim_pandera_check(warehouse_copy):
    (version_id, start) = execute(
        warehouse_copy,
        "select dim_subscription_id, term_start_date from common.dim_subscription "
        "where not is_latest_version order by dim_subscription_id limit 1",
    )[0]
    assert pandera_result(warehouse_copy, "dim_subscription").passed
    execute(
        warehouse_copy,
        "update common.dim_subscription set term_end_date = term_start_date - 30 "
        "where dim_subscription_id = ?",
        [version_id],
    )
    result = pandera_result(warehouse_copy, "dim_subscription")
    found = metadata(result)
    assert not result.passed and result.severity == ERROR
    end = (start - dt.timedelta(days=30)).isoformat()
    case = (
        f"| ERROR | term_dates | term_end_date >= term_start_date | "
        f"term_start_date={start.isoformat()}, term_end_date={end} | dim_subscription_id={version_id} |"
    )
    assert case in found["failure_cases"].splitlines()
    assert "| ERROR | term_dates | term_end_date >= term_start_date | 1 |" in found["failures_by_check"]


def test_a_planted_bad_ping_fails_on_its_version_parts(warehouse_copy):
    """The check reads the rows it has not passed: after a clean evaluation, the planted row only,
    and again on the next evaluation (a failure is never logged as passed)."""
    ping_id, version = execute(
        warehouse_copy,
        "select dim_ping_instance_id, version from common.dim_ping_instance "
        "order by dim_ping_instance_id limit 1",
    )[0]
    (pings,) = execute(warehouse_copy, "select count(*) from common.dim_ping_instance")[0]
    clean = metadata(pandera_result(warehouse_copy, "dim_ping_instance"))  # the build's run logged them all
    assert (clean["num_failures"], clean["rows_validated"], clean["rows_passed_before"]) == (0, 0, pings)
    execute(
        warehouse_copy,
        "update common.dim_ping_instance set major_version = major_version + 1 "
        "where dim_ping_instance_id = ?",
        [ping_id],
    )
    for _ in range(2):
        found = metadata(pandera_result(warehouse_copy, "dim_ping_instance"))
        rows = [
            line for line in found["failure_cases"].splitlines() if f"dim_ping_instance_id={ping_id}" in line
        ]
        assert {line.split(" | ")[1] for line in rows} == {"version_parts", "major_minor"}
        assert all(f"version={version}" in line for line in rows if "| version_parts |" in line)
        assert found["num_failures"] == 2
        assert (found["rows_validated"], found["rows_passed_before"]) == (1, pings - 1)


def test_a_source_quirk_only_warns(warehouse_copy):
    (account,) = execute(
        warehouse_copy, "select dim_billing_account_id from common.dim_billing_account order by 1 limit 1"
    )[0]
    execute(
        warehouse_copy,
        "update common.dim_billing_account set updated_at = created_at - interval 1 day "
        "where dim_billing_account_id = ?",
        [account],
    )
    result = pandera_result(warehouse_copy, "dim_billing_account")
    assert not result.passed and result.severity == WARN
    assert f"dim_billing_account_id={account} |" in metadata(result)["failure_cases"]


def test_a_sentinel_counted_as_a_value_fails_the_fact_checks(warehouse_copy, tmp_path):
    flattened, fact = "prep.prep_ping_instance_flattened", "common.fct_ping_instance_metric"
    for table in (flattened, fact):
        assert fact_result(warehouse_copy, table, "sentinels_not_values").passed
    # dbt recreates the fact view at every delivery: the same definition keeps what passed.
    rebuilt = dbt_run(warehouse_copy, "run", "--select", "fct_ping_instance_metric", tmp_dir=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    (ping_id,) = execute(warehouse_copy, f"select min(dim_ping_instance_id) from {flattened}")[0]
    # A -1 (timed out) kept as the number -1 and not flagged: counted as a value.
    execute(
        warehouse_copy,
        f"""insert into {flattened} (dim_ping_instance_id, metrics_path, metric_value, metric_value_number,
                has_timed_out, has_counter_error, is_deprecated_value, _loaded_at, _dbt_invocation_id)
            values (?, 'counts.planted_sentinel', '-1', -1, false, false, false, now(), 'planted')""",
        [ping_id],
    )
    for table in (flattened, fact):
        result = fact_result(warehouse_copy, table, "sentinels_not_values")
        found = metadata(result)
        assert not result.passed and result.severity == ERROR and found["num_failures"] == 1, table
        assert f"| {ping_id} | counts.planted_sentinel | -1 | -1 |" in found["failure_cases"], table
        # The build's rows passed above: only the planted invocation's row was read.
        assert found["rows_checked"] == 1, table


def test_a_negative_all_time_month_fails_the_monthly_check(warehouse_copy):
    monthly = "common.fct_ping_instance_metric_monthly"
    checks = ("all_time_monthly_not_negative", "monthly_value_rule")
    for name in checks:
        assert fact_result(warehouse_copy, monthly, name).passed, name
    (row_id, path) = execute(
        warehouse_copy,
        f"select ping_instance_metric_monthly_id, metrics_path from {monthly} "
        "where time_frame = 'all' and monthly_metric_value is not null order by 1 limit 1",
    )[0]
    # Rewritten by a later invocation, as the incremental model rewrites a month: the checks read
    # the rows of invocations they have not passed (the build's passed above), so only this one.
    execute(
        warehouse_copy,
        f"update {monthly} set monthly_metric_value = -3, _dbt_invocation_id = 'planted' "
        "where ping_instance_metric_monthly_id = ?",
        [row_id],
    )
    for name in checks:
        result = fact_result(warehouse_copy, monthly, name)
        found = metadata(result)
        assert not result.passed and (found["num_failures"], found["rows_checked"]) == (1, 1), name
        assert f"| {path} |" in found["failure_cases"], name


def test_a_ping_lost_by_the_flatten_fails_its_check(warehouse_copy):
    flattened = "prep.prep_ping_instance_flattened"
    (ping_id,) = execute(warehouse_copy, f"select max(dim_ping_instance_id) from {flattened}")[0]
    execute(warehouse_copy, f"delete from {flattened} where dim_ping_instance_id = ?", [ping_id])
    # Another ping keeps its leaves but loses its uuid leaf.
    ((other_id, leaves),) = execute(
        warehouse_copy,
        f"select dim_ping_instance_id, count(*) from {flattened} group by all order by 1 limit 1",
    )
    execute(
        warehouse_copy,
        f"delete from {flattened} where dim_ping_instance_id = ? and metrics_path = 'uuid'",
        [other_id],
    )
    result = fact_result(warehouse_copy, flattened, "every_ping_flattened")
    assert not result.passed and metadata(result)["num_failures"] == 2
    cases = metadata(result)["failure_cases"]
    assert f"| {ping_id} |" in cases
    assert f"| {leaves - 1} | 0 |" in next(line for line in cases.splitlines() if other_id in line)


def test_a_missing_or_altered_golden_record_fails_its_check(warehouse_copy, tmp_path):
    clean = dbt_run(
        warehouse_copy, "test", "--select", "test_name:golden_records", tmp_dir=tmp_path / "clean"
    )
    assert clean.returncode == 0, clean.stdout[-3000:]
    execute(
        warehouse_copy,
        "delete from common.dim_crm_account where dim_crm_account_id = ?",
        [GOLDEN_PREMIUM.crm_id],
    )
    execute(
        warehouse_copy,
        "update common.dim_namespace set seats = seats + 1 where dim_namespace_id = ?",
        [GOLDEN_SAAS.namespace_id],
    )
    completed = dbt_run(
        warehouse_copy, "test", "--select", "test_name:golden_records", "--store-failures", tmp_dir=tmp_path
    )
    assert completed.returncode != 0
    failed = {
        line.split(" FAIL ")[1].split()[1] for line in completed.stdout.splitlines() if " FAIL " in line
    }
    assert failed == {"golden_records_dim_crm_account", "golden_records_dim_namespace"}
    missing = execute(
        warehouse_copy,
        "select dim_crm_account_id, golden_failure, model_row_count, crm_account_name__expected "
        "from dbt_test__audit.golden_records_dim_crm_account",
    )
    (premium,) = [row for row in crm_accounts() if row["dim_crm_account_id"] == GOLDEN_PREMIUM.crm_id]
    assert missing == [(GOLDEN_PREMIUM.crm_id, "missing", 0, premium["crm_account_name"])]
    different = execute(
        warehouse_copy,
        "select dim_namespace_id, golden_failure, seats__expected, seats__found, product_tier__found "
        "from dbt_test__audit.golden_records_dim_namespace",
    )
    (golden_namespace,) = namespaces()
    seats = golden_namespace["seats"]
    assert different == [(str(GOLDEN_SAAS.namespace_id), "different", seats, str(int(seats) + 1), None)]


@pytest.mark.parametrize("model", ["dim_crm_account", "dim_namespace"])
def test_the_golden_check_is_an_asset_check_of_its_model(defs_with_checks, model):
    keys = {
        key.to_user_string() for key in defs_with_checks.get_repository_def().asset_graph.asset_check_keys
    }
    assert f"common/{model}:golden_records_{model}" in keys
