"""The rpt_product_usage_* reports on a hand-made landing zone (tests/reports/report_landing.py):
account mapping with unmapped installations kept, active-user drops flagged by threshold, versions
behind on a hand-checked release list, stage adoption per account, installation types, runner
counts and architecture scaling up or down. Expectations are stated by hand or recomputed here
from the planted pings, never read back from the models."""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import duckdb
import pytest

from tests.conftest import dbt_build, dbt_subprocess, load_raw, settings_for
from tests.reports.report_landing import (
    FAILED,
    GROUP_RUNNERS,
    INSTALLATIONS,
    INSTANCE_RUNNERS,
    LICENSES,
    PINGS,
    PROJECT_RUNNERS,
    RELEASES,
    RUNNERS,
    Ping,
    write_report_landing,
)
from usage_platform.reports.metadata import PROVIDERS
from usage_platform.settings import DBT_PROJECT_DIR

JUNE, JULY, AUGUST = dt.date(2024, 6, 1), dt.date(2024, 7, 1), dt.date(2024, 8, 1)
A, B, C, D, E = "a.acme.example", "b.acme.example", "c.globex.example", "d.free.example", "e.nocrm.example"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reports_hand_made")
    settings = settings_for(tmp / "data")
    write_report_landing(settings.landing_dir)
    load_raw(settings)
    dbt_build(settings, "+rpt_product_usage_*", tmp_dir=tmp)
    return tmp, settings


@pytest.fixture(scope="module")
def warehouse(built):
    _, settings = built
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        yield conn


def rows(conn, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def by_host_month(conn, table: str) -> dict[tuple[str, dt.date], dict]:
    return {
        (row["hostname"], row["snapshot_month"]): row for row in rows(conn, f"select * from marts.{table}")
    }


# --- what the planted pings say, recomputed in Python -------------------------------------------------
def month_of(day: str) -> dt.date:
    return dt.date.fromisoformat(day).replace(day=1)


def last_pings() -> dict[tuple[str, dt.date], Ping]:
    """Each installation's last ping of each month (the latest receipt day)."""
    last: dict[tuple[str, dt.date], Ping] = {}
    for ping in PINGS:
        key = (ping.host, month_of(ping.day))
        if key not in last or ping.day > last[key].day:
            last[key] = ping
    return last


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def versions_behind(ping: Ping) -> int:
    rank = {version: index for index, (version, _) in enumerate(RELEASES, start=1)}
    latest = max(rank[version] for version, released in RELEASES if released <= ping.day)
    major, minor = ping.version.split(".")[:2]
    return latest - rank[f"{major}.{minor}"]


# --- base: installation x month ------------------------------------------------------------------------
def test_one_row_per_installation_month_from_its_last_ping(warehouse):
    installations = by_host_month(warehouse, "rpt_product_usage_installation_monthly")
    expected = last_pings()
    assert set(installations) == set(expected)
    for key, ping in expected.items():
        assert installations[key]["active_user_count"] == ping.active_users, key
    assert installations[(A, JULY)]["active_user_count"] == 80  # the 28th's ping, not the 10th's 200


def test_accounts_come_from_the_subscription_and_unmapped_installations_are_kept(warehouse):
    installations = by_host_month(warehouse, "rpt_product_usage_installation_monthly")
    expected_status = {
        A: ("crm-acme", "crm_account"),
        B: ("crm-acme", "crm_account"),
        C: ("crm-globex", "crm_account"),
        D: (None, "no_subscription"),
        E: (None, "subscription_without_crm_account"),
    }
    for (host, _), row in installations.items():
        assert (row["dim_crm_account_id"], row["account_mapping_status"]) == expected_status[host], host
        assert row["is_account_mapped"] == (expected_status[host][0] is not None)
    # the mapping follows the landing's license -> subscription -> billing account -> CRM id chain
    for host, installation in INSTALLATIONS.items():
        if installation.license_md5:
            subscription, _, crm = LICENSES[installation.license_md5]
            row = installations[(host, AUGUST)]
            assert row["dim_subscription_id"] == subscription
            assert row["dim_crm_account_id"] == (crm or None)


# --- active-user drops ---------------------------------------------------------------------------------
def expected_drops(min_share: float, min_users: int) -> dict[tuple[str, dt.date], tuple[int, int, bool]]:
    last = last_pings()
    drops = {}
    for (host, month), ping in last.items():
        before = last.get((host, previous_month(month)))
        if before and ping.active_users < before.active_users:
            lost = before.active_users - ping.active_users
            drops[(host, month)] = (
                before.active_users,
                ping.active_users,
                lost >= min_users and lost >= min_share * before.active_users,
            )
    return drops


def test_drops_are_month_over_month_and_flagged_by_threshold(warehouse):
    report = by_host_month(warehouse, "rpt_product_usage_active_user_drops")
    found = {
        key: (row["previous_month_active_user_count"], row["active_user_count"], row["is_significant_drop"])
        for key, row in report.items()
    }
    assert found == expected_drops(0.10, 5)
    # By hand: 100 -> 80 is flagged; 80 -> 78 (2.5 %) and 10 -> 6 (40 % but 4 users) are not;
    # d's 30 -> 10 spans a month without a ping, so it is no month-over-month drop.
    assert found[(A, JULY)] == (100, 80, True)
    assert found[(A, AUGUST)] == (80, 78, False)
    assert found[(B, JULY)] == (10, 6, False)
    assert (D, AUGUST) not in found
    assert found[(E, AUGUST)] == (20, 14, True)  # kept though it has no CRM account
    assert report[(E, AUGUST)]["dim_crm_account_id"] is None
    assert report[(A, JULY)]["active_user_drop"] == 20
    assert report[(A, JULY)]["active_user_drop_share"] == pytest.approx(0.2)
    assert {row["significant_drop_min_share"] for row in report.values()} == {0.1}
    assert {row["significant_drop_min_users"] for row in report.values()} == {5}


def test_drop_thresholds_are_dbt_vars(built, tmp_path):
    _, settings = built
    other = settings_for(tmp_path / "data")
    other.duckdb_path.parent.mkdir(parents=True)
    shutil.copy(settings.duckdb_path, other.duckdb_path)
    args = ["run", "--select", "rpt_product_usage_active_user_drops", "--no-write-json"]
    args += ["--vars", "{rpt_active_user_drop_min_share: 0.3, rpt_active_user_drop_min_users: 3}"]
    completed = dbt_subprocess(other, args, tmp_dir=tmp_path)
    assert completed.returncode == 0, completed.stdout[-3000:]
    with duckdb.connect(str(other.duckdb_path), read_only=True) as conn:
        report = by_host_month(conn, "rpt_product_usage_active_user_drops")
    flagged = {key for key, row in report.items() if row["is_significant_drop"]}
    assert flagged == {key for key, (_, _, significant) in expected_drops(0.3, 3).items() if significant}
    assert (B, JULY) in flagged and (A, JULY) not in flagged  # 40 % of 10 now counts; 20 % no longer


# --- versions behind -----------------------------------------------------------------------------------
def test_versions_behind_per_installation_on_the_release_list(warehouse):
    installations = by_host_month(warehouse, "rpt_product_usage_installation_monthly")
    for key, ping in last_pings().items():
        assert installations[key]["versions_behind_latest"] == versions_behind(ping), key
    # By hand: on 2024-08-26 the latest release is 17.3 (rank 8); b runs 16.9 (rank 2).
    assert installations[(B, AUGUST)]["versions_behind_latest"] == 6
    assert installations[(B, AUGUST)]["latest_major_minor_version"] == "17.3"
    assert installations[(D, AUGUST)]["versions_behind_latest"] == 3  # 17.0


def test_accounts_far_behind(warehouse):
    report = {
        (row["dim_crm_account_id"], row["snapshot_month"]): row
        for row in rows(warehouse, "select * from marts.rpt_product_usage_versions_behind")
    }
    august = {
        account: (
            row["installation_count"],
            row["far_behind_installation_count"],
            row["max_versions_behind"],
            row["oldest_major_minor_version"],
            row["latest_major_minor_version"],
            row["is_far_behind"],
        )
        for (account, month), row in report.items()
        if month == AUGUST
    }
    assert august == {
        "crm-acme": (2, 1, 6, "16.9", "17.3", True),
        "crm-globex": (1, 0, 0, "17.3", "17.3", False),
        None: (2, 1, 3, "17.0", "17.3", True),  # d (3 behind) and e (2), no CRM account
    }
    assert report[(None, AUGUST)]["is_account_mapped"] is False
    assert report[("crm-acme", JUNE)]["max_versions_behind"] == 4  # 16.9 when 17.1 was the latest


# --- stage adoption ------------------------------------------------------------------------------------
def test_stage_adoption_per_account(warehouse):
    report = {
        (row["dim_crm_account_id"], row["product_stage"]): (
            row["installation_count"],
            row["reporting_installation_count"],
            row["adopting_installation_count"],
            row["reported_metric_count"],
            row["used_metric_count"],
            row["stage_user_count"],
            row["is_stage_adopted"],
            row["account_adopted_stage_count"],
        )
        for row in rows(
            warehouse,
            "select * from marts.rpt_product_usage_stage_adoption_monthly "
            "where snapshot_month = '2024-08-01'",
        )
    }
    assert report == {
        # a: 12 MR creators and comments, 30 new issues and 5 issue creators, no new builds;
        # b: zeros, but 15 new builds. Users: the larger 28d user metric per installation, summed.
        ("crm-acme", "create"): (2, 2, 1, 2, 2, 12, True, 3),
        ("crm-acme", "plan"): (2, 2, 1, 2, 2, 5, True, 3),
        ("crm-acme", "verify"): (2, 2, 1, 1, 1, None, True, 3),
        # c reports every stage, all zero (its setting flag is no evidence of use).
        ("crm-globex", "create"): (1, 1, 0, 2, 0, 0, False, 0),
        ("crm-globex", "plan"): (1, 1, 0, 2, 0, 0, False, 0),
        ("crm-globex", "verify"): (1, 1, 0, 1, 0, None, False, 0),
        # d (3 MR creators, 2 new issues since June) and e (only the setting flag): null account.
        (None, "create"): (2, 1, 1, 1, 1, 3, True, 2),
        (None, "plan"): (2, 1, 1, 1, 1, None, True, 2),
    }


def test_all_time_counters_have_no_adoption_in_their_first_month(warehouse):
    june = rows(
        warehouse,
        "select product_stage, reported_metric_count from marts.rpt_product_usage_stage_adoption_monthly "
        "where snapshot_month = '2024-06-01' and dim_crm_account_id = 'crm-acme' order by 1",
    )
    # counts.issues and counts.ci_builds have no earlier ping: only the 28d plan metric reports.
    assert june == [
        {"product_stage": "create", "reported_metric_count": 2},
        {"product_stage": "plan", "reported_metric_count": 1},
    ]


# --- installation types --------------------------------------------------------------------------------
def test_installation_types_per_month(warehouse):
    report = {
        (row["installation_type"], row["snapshot_month"]): row
        for row in rows(warehouse, "select * from marts.rpt_product_usage_installation_types")
    }
    expected: dict[tuple[str | None, dt.date], int] = {}
    months = {month for _, month in last_pings()}
    types = {installation.installation_type for installation in INSTALLATIONS.values()}
    for month in months:
        for installation_type in types:
            expected[(installation_type, month)] = sum(
                1
                for (host, ping_month) in last_pings()
                if ping_month == month and INSTALLATIONS[host].installation_type == installation_type
            )
    assert {key: row["installation_count"] for key, row in report.items()} == expected
    assert report[("docker", JULY)]["installation_count_change"] == -1  # d skipped July
    assert report[("docker", AUGUST)]["installation_count_change"] == 1
    assert report[("omnibus-gitlab", JUNE)]["installation_count_change"] is None
    assert report[(None, AUGUST)]["installation_count"] == 1  # e sends no installation_type
    for month in months:
        shares = [row["installation_share"] for (_, row_month), row in report.items() if row_month == month]
        assert sum(shares) == pytest.approx(1.0)


# --- runners -------------------------------------------------------------------------------------------
def test_runner_counts_from_the_last_ping_of_the_month(warehouse):
    report = by_host_month(warehouse, "rpt_product_usage_runners_monthly")
    columns = {
        RUNNERS: "ci_runner_count",
        INSTANCE_RUNNERS: "instance_runner_active_count",
        GROUP_RUNNERS: "group_runner_active_count",
        PROJECT_RUNNERS: "project_runner_active_count",
    }
    assert set(report) == set(last_pings())
    for key, ping in last_pings().items():
        for path, column in columns.items():
            sent = ping.metrics.get(path)
            assert report[key][column] == (sent if sent is None or sent >= 0 else None), (key, column)
        assert report[key]["has_runner_metrics"] == any(path in ping.metrics for path in columns)
        assert report[key]["has_runner_timeout"] == any(ping.metrics.get(path) == -1 for path in columns)
    assert report[(A, AUGUST)]["active_runner_count"] == 6
    assert report[(A, JULY)]["ci_runner_count_change"] == 3
    assert report[(C, JULY)]["ci_runner_count"] is None  # timed out (-1)
    assert report[(C, AUGUST)]["ci_runner_count_change"] is None
    assert report[(D, AUGUST)]["has_runner_metrics"] is False


# --- architecture --------------------------------------------------------------------------------------
def test_topology_gitaly_and_geo_from_the_payload(warehouse):
    report = by_host_month(warehouse, "rpt_product_usage_architecture_monthly")
    for key, ping in last_pings().items():
        row = report[key]
        if ping.node_cpus == FAILED:
            assert (row["topology_node_count"], row["topology_cpu_count"]) == (None, None)
            assert row["has_topology_failure"] is True
        else:
            assert (row["topology_node_count"], row["topology_cpu_count"]) == (
                len(ping.node_cpus),
                sum(ping.node_cpus),
            ), key
        assert row["gitaly_server_count"] == ping.gitaly_servers
        assert (row["is_geo_enabled"], row["geo_site_count"]) == ping.geo
    assert report[(C, JULY)]["geo_secondary_site_count"] == 2  # three sites: a primary and two secondaries


def test_architecture_scaling_up_and_down(warehouse):
    report = by_host_month(warehouse, "rpt_product_usage_architecture_monthly")
    assert {key: row["architecture_change"] for key, row in report.items() if key[1] != JUNE} == {
        (A, JULY): "scaling_up",  # 1 -> 3 nodes, 1 -> 3 Gitaly servers
        (A, AUGUST): "scaling_down",  # 3 -> 2 nodes
        (B, JULY): "scaling_up",  # same 2 nodes, 8 -> 16 CPUs
        (B, AUGUST): "unchanged",  # topology failed: only Gitaly and Geo compare, both unchanged
        (C, JULY): "scaling_up",  # a second Geo secondary site
        (C, AUGUST): "mixed",  # one Gitaly server more, one Geo secondary less
        (D, AUGUST): None,  # no ping in July: nothing to compare with
        (E, JULY): "unchanged",
        (E, AUGUST): "unchanged",
    }
    assert report[(A, AUGUST)]["topology_node_change"] == -1
    assert report[(A, AUGUST)]["previous_topology_cpu_count"] == 24
    assert report[(C, AUGUST)]["geo_secondary_site_change"] == -1
    assert report[(D, AUGUST)]["previous_month"] is None


# --- headline metadata ---------------------------------------------------------------------------------
def values(metadata: dict) -> dict:
    return {name: value.value for name, value in metadata.items() if name != "preview"}


def test_providers_cover_every_report_and_return_a_markdown_preview(warehouse):
    models = {path.stem for path in (DBT_PROJECT_DIR / "models" / "marts").glob("rpt_product_usage_*.sql")}
    assert set(PROVIDERS) == models
    for name, provider in PROVIDERS.items():
        metadata = provider(warehouse)
        assert isinstance(metadata["preview"], dg.MarkdownMetadataValue), name
        assert metadata["latest_month"].value == "2024-08-01", name
        for key, value in metadata.items():
            assert isinstance(
                value,
                dg.IntMetadataValue | dg.FloatMetadataValue | dg.TextMetadataValue | dg.MarkdownMetadataValue,
            ), (name, key)


def test_headline_numbers(warehouse):
    assert values(PROVIDERS["rpt_product_usage_installation_monthly"](warehouse)) == {
        "latest_month": "2024-08-01",
        "installations": 5,
        "account_mapped_installations": 3,
        "crm_accounts": 2,
        "account_mapped_share": pytest.approx(0.6),
    }
    assert values(PROVIDERS["rpt_product_usage_active_user_drops"](warehouse)) == {
        "latest_month": "2024-08-01",
        "drops": 3,  # a (small), c and e
        "significant_drops": 2,
        "users_lost_in_significant_drops": 26,
        "significant_drops_all_months": 3,
    }
    assert values(PROVIDERS["rpt_product_usage_versions_behind"](warehouse)) == {
        "latest_month": "2024-08-01",
        "crm_accounts": 2,
        "crm_accounts_far_behind": 1,
        "installations_far_behind": 2,
        "max_versions_behind": 6,
        "avg_versions_behind": pytest.approx((1 + 6 + 0 + 3 + 2) / 5),
    }
    assert values(PROVIDERS["rpt_product_usage_stage_adoption_monthly"](warehouse)) == {
        "latest_month": "2024-08-01",
        "crm_accounts": 2,
        "crm_accounts_adopting_a_stage": 1,
        "avg_stages_adopted_per_account": pytest.approx(1.5),
        "stages_reported": 3,
    }
    assert values(PROVIDERS["rpt_product_usage_installation_types"](warehouse)) == {
        "latest_month": "2024-08-01",
        "installations": 5,
        "self_managed_installations": 5,
        "installation_types": 4,
    }
    assert values(PROVIDERS["rpt_product_usage_runners_monthly"](warehouse)) == {
        "latest_month": "2024-08-01",
        "installations_reporting_runners": 3,
        "ci_runners": 8 + 2 + 4,
        "active_runners": 6 + 1 + 3,
        "ci_runner_change": 0,
    }
    assert values(PROVIDERS["rpt_product_usage_architecture_monthly"](warehouse)) == {
        "latest_month": "2024-08-01",
        "installations_compared": 4,
        "scaling_up": 0,
        "scaling_down": 1,
        "mixed": 1,
        "topology_nodes": 2 + 1 + 1 + 1,  # b's topology failed
        "gitaly_servers": 3 + 1 + 2 + 1 + 1,
        "geo_enabled_installations": 1,
    }


def test_previews_show_the_rows_that_matter(warehouse):
    drops = PROVIDERS["rpt_product_usage_active_user_drops"](warehouse)["preview"].value
    assert C in drops and E in drops and A not in drops  # a's August drop is not significant
    assert drops.splitlines()[0].startswith("| hostname |")
    architecture = PROVIDERS["rpt_product_usage_architecture_monthly"](warehouse)["preview"].value
    assert A in architecture and C in architecture and E not in architecture
    versions = PROVIDERS["rpt_product_usage_versions_behind"](warehouse)["preview"].value
    assert "crm-acme" in versions and "(no CRM account)" in versions and "crm-globex" not in versions


def test_providers_on_empty_reports(built):
    """Before any ping arrives the reports are empty: providers still answer, with zeros."""
    _, settings = built
    with duckdb.connect() as conn:
        conn.execute(f"attach '{settings.duckdb_path}' as built (read_only)")
        conn.execute("create schema marts")
        for name in PROVIDERS:
            conn.execute(f"create table marts.{name} as select * from built.marts.{name} limit 0")
        for name, provider in PROVIDERS.items():
            metadata = provider(conn)
            assert metadata["latest_month"].value == "none", name
            assert metadata["preview"].value, name
            assert all(value in (0, None) for key, value in values(metadata).items() if key != "latest_month")
