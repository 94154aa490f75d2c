"""End to end: a generated landing zone -> every asset and check -> the Gainsight pump, compared
with what the landing files alone say it must be (tests/expected_pump.py)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_LANDING, load_raw, settings_for
from tests.expected_pump import (
    expected_match_rates,
    expected_pump,
    pump_differences,
    pump_metric_columns,
    pump_select_list,
    read_pings,
)
from tests.saas_usage.saas_landing import GitLabDotCom
from usage_platform.cli import run_materialize
from usage_platform.dbt.project import DBT_QUIET_ENV
from usage_platform.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from usage_platform.synthetic import generate
from usage_platform.synthetic.golden import GOLDEN_SAAS

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent
PUMP = "pumps.pump_gainsight_metrics_monthly_paid"
PUMP_ASSET = "pumps/pump_gainsight_metrics_monthly_paid"
SELECT_RELEASES = ("--select", "raw/releases_releases")


@pytest.fixture
def built(project):
    """The session's project: a generated landing zone, everything materialized once."""
    return project.settings, project.result


@pytest.fixture(scope="module")
def raw_loaded(tmp_path_factory) -> Path:
    """The shared project's landing zone loaded into raw only (no Dagster run, no model): for the
    tests that materialize again, away from the shared project's worker."""
    settings = settings_for(tmp_path_factory.mktemp("raw_loaded") / "data")
    generate(settings.landing_dir, **PROJECT_LANDING)
    load_raw(settings)
    return settings.data_dir


@pytest.fixture
def built_copy(raw_loaded, tmp_path, monkeypatch):
    """A private copy of the raw-loaded warehouse, with its settings in the environment."""
    shutil.copytree(raw_loaded, tmp_path / "data")
    settings = settings_for(tmp_path / "data")
    env = {**settings.as_env(), "DBT_TARGET_PATH": str(tmp_path / "dbt"), "DO_NOT_TRACK": "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return settings


def query(settings, sql: str):
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_everything_materializes_and_every_check_passes(built):
    _, result = built
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) > 30
    failed = [e.asset_check_key.to_user_string() for e in evaluations if not e.passed]
    assert failed == []


def query_dicts(settings, sql: str) -> list[dict]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        cursor = conn.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_pump_matches_the_landing_files(built):
    settings, _ = built
    expected = expected_pump(settings.landing_dir)
    actual = query_dicts(settings, f"select {pump_select_list()} from {PUMP}")
    assert len(expected) > 20, "the generated business should give the pump a fair number of rows"
    assert pump_differences(actual, expected) == {"missing": [], "unexpected": [], "mismatches": {}}


# GitLab's pump columns (mart_product_usage_paid_user_metrics_monthly), plus the seed's metrics.
PUMP_COLUMNS = {
    "primary_key",
    "snapshot_month",
    "dim_subscription_id",
    "dim_subscription_id_original",
    "dim_billing_account_id",
    "dim_crm_account_id",
    "dim_installation_id",
    "dim_namespace_id",
    "uuid",
    "hostname",
    "subscription_name",
    "subscription_status",
    "term_start_date",
    "term_end_date",
    "subscription_start_date",
    "subscription_end_date",
    "delivery_type",
    "deployment_type",
    "instance_type",
    "cleaned_version",
    "country_name",
    "iso_2_country_code",
    "active_user_count",
    "billable_user_count",
    "license_user_count",
    "license_user_count_source",
    "max_historical_user_count",
    "license_utilization",
    "instance_user_count_not_aligned",
    "historical_max_users_not_aligned",
    "is_usage_ping_license_mapped_to_subscription",
    "is_usage_ping_license_subscription_id_valid",
    "is_seat_link_active_user_count_available",
    "is_mapped_through_gainsight",
    "is_data_in_subscription_month",
    "is_latest_data",
    *(column for _, column in pump_metric_columns()),
}


def test_the_pump_has_gainsights_columns_and_no_personal_data(built):
    settings, _ = built
    columns = {
        row[0]
        for row in query(
            settings,
            "select column_name from information_schema.columns "
            "where table_schema = 'pumps' and table_name = 'pump_gainsight_metrics_monthly_paid'",
        )
    }
    assert columns >= PUMP_COLUMNS
    personal = ("email", "licensee", "source_ip", "name_", "namespace_name", "namespace_path")
    assert not {c for c in columns if any(word in c for word in personal)}


def test_the_pump_covers_every_mapping_path_and_excludes_the_unpaid(built):
    settings, _ = built
    sources = {row[0] for row in query(settings, f"select distinct subscription_mapping_source from {PUMP}")}
    assert {
        "license_md5",
        "license_sha256",
        "license_subscription_id",
        "gainsight",
        "namespace_order",
    } <= sources
    statuses = {row[0] for row in query(settings, f"select distinct subscription_status from {PUMP}")}
    assert statuses <= {"Active", "Cancelled"}
    # The five metric columns are there, filled for rows with a ping.
    filled = query(
        settings,
        "select count(ci_builds_all_time_event), count(merge_requests_28_days_user), count(*) "
        "from pumps.pump_gainsight_metrics_monthly_paid where has_service_ping",
    )[0]
    assert filled[0] > 0 and filled[1] > 0


def test_the_pump_reports_the_golden_saas_namespace_and_no_trial(built):
    settings, _ = built
    rows = query_dicts(
        settings,
        f"select * from {PUMP} where dim_namespace_id = '{GOLDEN_SAAS.namespace_id}' order by snapshot_month",
    )
    assert rows, "the golden SaaS group reaches the pump through its Customers Portal order"
    last = rows[-1]
    assert (last["subscription_name"], last["delivery_type"], last["deployment_type"]) == (
        GOLDEN_SAAS.subscription_name,
        "SaaS",
        "GitLab.com",
    )
    assert (last["license_user_count"], last["license_user_count_source"], last["is_latest_data"]) == (
        GOLDEN_SAAS.seats,
        "Zuora",
        True,
    )
    assert last["active_user_count"] > 0 and last["uuid"] is None
    tables = GitLabDotCom(settings.landing_dir / "gitlab_dotcom")
    trials = {str(nid) for nid, plan in tables.gitlab_subscriptions.items() if plan["trial"] == "true"}
    assert trials, "the generator makes trial namespaces"
    namespaces = {row[0] for row in query(settings, f"select distinct dim_namespace_id from {PUMP}")}
    assert namespaces & trials == set()


def test_the_pump_build_records_the_match_rate_before_and_after_gainsight(built):
    settings, result = built
    pump = [
        m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == PUMP_ASSET
    ]
    assert len(pump) == 1
    metadata = pump[0].materialization.metadata
    month = max(expected_match_rates(settings.landing_dir))
    pings, by_license, after = expected_match_rates(settings.landing_dir)[month]
    assert metadata["match_rate_month"].value == f"{month:%Y-%m}"
    assert metadata["match_rate_before_gainsight"].value == round(by_license / pings, 4)
    assert metadata["match_rate_after_gainsight"].value == round(after / pings, 4)
    assert after > by_license


def test_the_pump_is_published_to_the_outbox(built):
    settings, _ = built
    folder = settings.outbox_dir / "gainsight" / "pump_gainsight_metrics_monthly_paid"
    (snapshot,) = [p for p in folder.iterdir() if not p.name.startswith(".")]
    manifest = json.loads((snapshot / "manifest.json").read_text())
    data_file = snapshot / manifest["file"]
    assert manifest["sha256"] == hashlib.sha256(data_file.read_bytes()).hexdigest()
    assert manifest["row_count"] == query(settings, f"select count(*) from {PUMP}")[0][0]
    with duckdb.connect() as conn:
        assert (
            conn.execute(f"select count(*) from read_parquet('{data_file}')").fetchone()[0]
            == manifest["row_count"]
        )


def test_unreadable_files_are_quarantined_and_everything_else_loaded(built):
    settings, _ = built
    pings, unreadable = read_pings(settings.landing_dir)
    assert unreadable, "the generator plants at least one malformed file"
    quarantined = query(settings, "select source_file from raw.quarantine where record is null")
    quarantined = {row[0] for row in quarantined}
    assert quarantined == unreadable
    loaded = query(settings, "select count(*) from raw.service_ping_payloads")[0][0]
    assert loaded == len(pings)


def test_loading_again_adds_no_rows(built_copy):
    settings = built_copy
    tables = ("service_ping_payloads", "customers_db_license_seat_links")
    counts = " union all ".join(f"select count(*) from raw.{table}" for table in tables)
    before = query(settings, counts)
    # Both tables' source systems through Dagster, as a materialization would load them again.
    result = run_materialize(settings, "key:raw/service_ping_* or key:raw/customers_db_*")
    assert result.success
    after = query(settings, counts)
    assert after == before


def _run(command: list[str], settings, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings.as_env(), **DBT_QUIET_ENV}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_cli_and_dagster_cli_materialize_a_selection(built_copy):
    settings = built_copy
    ours = _run([str(BIN / "usage-platform"), "materialize", "--select", "key:raw/releases_*"], settings)
    assert ours.returncode == 0, ours.stdout[-2000:] + ours.stderr[-2000:]
    theirs = _run(
        [str(BIN / "dagster"), "asset", "materialize", "-m", "usage_platform.definitions", *SELECT_RELEASES],
        settings,
    )
    assert theirs.returncode == 0, theirs.stderr[-3000:]


def test_the_cli_exits_non_zero_when_an_asset_fails(tmp_path):
    settings = settings_for(tmp_path / "data")  # an empty landing zone: the raw load must fail
    completed = _run([str(BIN / "usage-platform"), "materialize", "--select", "key:raw/zuora_*"], settings)
    assert completed.returncode != 0
    assert "FAILED" in completed.stderr


def test_dbt_build_works_on_its_own_from_the_dbt_folder(built_copy):
    settings = built_copy
    completed = _run([str(BIN / "dbt"), "build", "--quiet"], settings, cwd=DBT_PROJECT_DIR)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert query(settings, "select count(*) from pumps.pump_gainsight_metrics_monthly_paid")[0][0] > 0
