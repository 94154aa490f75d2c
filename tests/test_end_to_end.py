"""End to end: a generated landing zone -> every asset and check -> the Gainsight pump, compared
with what the landing files alone say it must be (tests/expected_pump.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import settings_for
from tests.expected_pump import expected_pump, read_pings
from usage_platform.cli import run_materialize
from usage_platform.dbt.project import DBT_QUIET_ENV
from usage_platform.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from usage_platform.synthetic import generate

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent
PUMP = "pumps.pump_gainsight_metrics_monthly_paid"
SELECT_RELEASES = ("--select", "raw/releases_releases")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Generate a small landing zone and materialize everything once for the whole module."""
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    settings = settings_for(data_dir)
    generate(settings.landing_dir, instances=14, months=4, seed=7)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.as_env().items():
            patch.setenv(name, value)
        result = run_materialize(settings)
        yield settings, result


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


def test_the_pump_matches_the_landing_files(built):
    settings, _ = built
    expected = expected_pump(settings.landing_dir)
    actual = {
        (sub, uuid, hostname, month): (active, licensed)
        for sub, uuid, hostname, month, active, licensed in query(
            settings,
            "select dim_subscription_id, uuid, hostname, snapshot_month, active_user_count, "
            f"license_user_count from {PUMP}",
        )
    }
    assert len(expected) > 20, "the generated business should give the pump a fair number of rows"
    assert set(actual) == set(expected)
    mismatches = {
        key: (actual[key], (row.active_user_count, row.license_user_count))
        for key, row in expected.items()
        if actual[key] != (row.active_user_count, row.license_user_count)
    }
    assert mismatches == {}


PUMP_COLUMNS = {
    "snapshot_month",
    "dim_subscription_id",
    "dim_crm_account_id",
    "uuid",
    "hostname",
    "delivery_type",
    "active_user_count",
    "billable_user_count",
    "license_user_count",
    "max_historical_user_count",
    "license_utilization",
    # the five usage metrics of the seed gainsight_pump_metrics
    "merge_requests_28_days_user",
    "ci_pipelines_28_days_user",
    "issues_28_days_user",
    "ci_builds_all_time_event",
    "deployments_all_time_event",
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
    assert not {c for c in columns if any(word in c for word in ("email", "licensee", "source_ip", "name_"))}


def test_the_pump_covers_every_mapping_path_and_excludes_the_unpaid(built):
    settings, _ = built
    sources = {row[0] for row in query(settings, f"select distinct subscription_mapping_source from {PUMP}")}
    assert {"license_md5", "license_sha256", "license_subscription_id"} <= sources
    statuses = {row[0] for row in query(settings, f"select distinct subscription_status from {PUMP}")}
    assert statuses <= {"Active", "Cancelled"}
    # The five metric columns are there, filled for rows with a ping.
    filled = query(
        settings,
        "select count(ci_builds_all_time_event), count(merge_requests_28_days_user), count(*) "
        "from pumps.pump_gainsight_metrics_monthly_paid where has_service_ping",
    )[0]
    assert filled[0] > 0 and filled[1] > 0


def test_unreadable_files_are_quarantined_and_everything_else_loaded(built):
    settings, _ = built
    pings, unreadable = read_pings(settings.landing_dir)
    assert unreadable, "the generator plants at least one malformed file"
    quarantined = query(settings, "select source_file from raw.quarantine where record is null")
    quarantined = {row[0] for row in quarantined}
    assert quarantined == unreadable
    loaded = query(settings, "select count(*) from raw.service_ping_payloads")[0][0]
    assert loaded == len(pings)


def test_loading_again_adds_no_rows(built):
    settings, _ = built
    counts = " union all ".join(
        f"select count(*) from raw.{table}"
        for table in ("service_ping_payloads", "customers_db_license_seat_links")
    )
    before = query(settings, counts)
    result = run_materialize(settings, "key:raw/*")
    assert result.success
    after = query(settings, counts)
    assert after == before


def _run(command: list[str], settings, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings.as_env(), **DBT_QUIET_ENV}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_cli_and_dagster_cli_materialize_a_selection(built):
    settings, _ = built
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


def test_dbt_build_works_on_its_own_from_the_dbt_folder(built):
    settings, _ = built
    completed = _run([str(BIN / "dbt"), "build", "--quiet"], settings, cwd=DBT_PROJECT_DIR)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert query(settings, "select count(*) from pumps.pump_gainsight_metrics_monthly_paid")[0][0] > 0
