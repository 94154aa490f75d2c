"""The Gainsight pump against what the landing files alone say it must be (tests/expected_pump.py),
and the planted cases one by one: mapping through Gainsight, the Seat Link month rule, where
seats come from, subscription months without data, and the GitLab.com namespace rows."""

from __future__ import annotations

import datetime as dt

import yaml

from tests.expected_pump import expected_pump, pump_differences, pump_metric_columns, pump_select_list
from tests.gainsight import gainsight_landing as planted
from tests.gainsight.conftest import PUMP
from tests.saas_usage.saas_landing import GitLabDotCom, counter_value, snapshots
from usage_platform.settings import DBT_PROJECT_DIR
from usage_platform.synthetic.golden import GOLDEN_EXPIRED, GOLDEN_PREMIUM, GOLDEN_SAAS, GOLDEN_UNMAPPED

PUMP_YML = DBT_PROJECT_DIR / "models" / "pumps" / "pump_gainsight_metrics_monthly_paid.yml"


def _rows(pump_build, where: str = "true") -> list[dict]:
    return pump_build.query_dicts(f"select * from {PUMP} where {where} order by snapshot_month")


def test_the_pump_matches_the_landing_files(pump_build):
    expected = expected_pump(pump_build.settings.landing_dir)
    actual = pump_build.query_dicts(f"select {pump_select_list()} from {PUMP}")
    assert len(expected) > 15
    assert pump_differences(actual, expected) == {"missing": [], "unexpected": [], "mismatches": {}}


def test_every_mapping_path_reaches_the_pump(pump_build):
    sources = {row[0] for row in pump_build.query(f"select distinct subscription_mapping_source from {PUMP}")}
    assert sources == {
        "license_md5",
        "license_sha256",
        "license_subscription_id",
        "gainsight",
        "seat_link",
        "namespace_order",
        None,
    }
    golden_unmapped = _rows(pump_build, f"uuid = '{GOLDEN_UNMAPPED.uuids[0]}'")
    assert golden_unmapped, "the golden unmapped instance is reachable only through Gainsight"
    assert {(r["subscription_name"], r["subscription_mapping_source"]) for r in golden_unmapped} == {
        (GOLDEN_UNMAPPED.subscription_name, "gainsight")
    }
    assert all(
        r["is_mapped_through_gainsight"] and r["instance_type"] == "Production" for r in golden_unmapped
    )
    assert not any(r["is_usage_ping_license_mapped_to_subscription"] for r in golden_unmapped)


def test_trials_and_expired_subscriptions_stay_out(pump_build):
    statuses = {row[0] for row in pump_build.query(f"select distinct subscription_status from {PUMP}")}
    assert statuses <= {"Active", "Cancelled"}
    names = {row[0] for row in pump_build.query(f"select distinct subscription_name from {PUMP}")}
    assert GOLDEN_EXPIRED.subscription_name not in names
    trial_pings = pump_build.query(
        "select count(*) from common.dim_ping_instance where is_trial and dim_ping_instance_id in "
        f"(select dim_ping_instance_id from {PUMP})"
    )[0][0]
    assert pump_build.query("select count(*) from common.dim_ping_instance where is_trial")[0][0] > 0
    assert trial_pings == 0


def test_gainsight_maps_through_a_single_paid_subscription_whatever_the_letter_case(pump_build):
    first, second = pump_build.planted.first_month, pump_build.planted.second_month
    case_rows = _rows(pump_build, f"uuid = '{planted.CASE_UUID}'")
    assert [(r["snapshot_month"], r["dim_subscription_id"]) for r in case_rows] == [
        (first, planted.CASE_SUBSCRIPTION),
        (second, planted.CASE_SUBSCRIPTION),
    ]
    # The latest Gainsight record wins over its older copy (another account, Non-Production).
    assert {(r["subscription_mapping_source"], r["instance_type"]) for r in case_rows} == {
        ("gainsight", "Production")
    }
    assert all(r["is_included_in_health_measures"] for r in case_rows)
    # An account with two paid self-managed subscriptions leads nowhere.
    assert _rows(pump_build, f"uuid = '{planted.TWO_UUID}'") == []


def test_license_user_count_comes_from_zuora_then_seat_link_then_the_ping(pump_build):
    first, second = pump_build.planted.first_month, pump_build.planted.second_month
    case = {r["snapshot_month"]: r for r in _rows(pump_build, f"uuid = '{planted.CASE_UUID}'")}
    assert (case[first]["license_user_count"], case[first]["license_user_count_source"]) == (
        planted.CASE_PING_SEATS,
        "Service Ping",
    )
    assert (case[second]["license_user_count"], case[second]["license_user_count_source"]) == (
        planted.CASE_ZUORA_SEATS,
        "Zuora",
    )
    assert case[second]["license_utilization"] == round(
        case[second]["billable_user_count"] / planted.CASE_ZUORA_SEATS, 4
    )
    seat_first = _rows(
        pump_build, f"dim_subscription_id = '{planted.SEAT_VERSIONS[1]}' and snapshot_month = '{first}'"
    )
    assert [(r["license_user_count"], r["license_user_count_source"]) for r in seat_first] == [
        (planted.SEAT_REPORTS[-1][3], "Seat Link")
    ]
    golden = _rows(pump_build, f"subscription_name = '{GOLDEN_PREMIUM.subscription_name}'")
    assert golden and {(r["license_user_count"], r["license_user_count_source"]) for r in golden} == {
        (GOLDEN_PREMIUM.seats, "Zuora")
    }


def test_seat_link_counts_only_in_its_own_month(pump_build):
    first, second = pump_build.planted.first_month, pump_build.planted.second_month
    rows = {
        r["snapshot_month"]: r
        for r in _rows(pump_build, f"dim_subscription_id = '{planted.SEAT_VERSIONS[1]}'")
    }
    assert set(rows) == {first, second}
    # First month: the report only (the installation it names), the month's latest report.
    report = rows[first]
    assert (report["uuid"], report["hostname"]) == (planted.SEAT_UUID, planted.SEAT_HOST)
    assert (report["has_service_ping"], report["has_seat_link"]) == (False, True)
    assert report["subscription_mapping_source"] == "seat_link"
    assert report["seat_link_report_date"] == first.replace(day=planted.SEAT_REPORTS[-1][1])
    # Second month: the ping only (mapped by md5 to version 1, attributed to version 2).
    ping = rows[second]
    assert (ping["has_service_ping"], ping["has_seat_link"], ping["seat_link_report_date"]) == (
        True,
        False,
        None,
    )
    assert ping["subscription_mapping_source"] == "license_md5"
    assert ping["instance_user_count_not_aligned"] is None
    # Both rows are the same installation: its latest month with data is the second.
    assert (ping["is_latest_data"], report["is_latest_data"]) == (True, False)


def test_a_paid_subscription_without_data_gets_a_row_per_month_of_its_term(pump_build):
    months = {pump_build.planted.first_month, pump_build.planted.second_month}
    for subscription in planted.TWO_SUBSCRIPTIONS:
        rows = _rows(pump_build, f"dim_subscription_id = '{subscription}'")
        assert {r["snapshot_month"] for r in rows} == months
        assert all(
            r["uuid"] is None
            and not r["is_data_in_subscription_month"]
            and not r["is_latest_data"]
            and r["license_user_count_source"] == "Zuora"
            for r in rows
        )


def test_metric_columns_hold_the_latest_pings_values(pump_build):
    case = _rows(pump_build, f"uuid = '{planted.CASE_UUID}'")
    assert {(r["ci_builds_all_time_event"], r["merge_requests_28_days_user"]) for r in case} == {(1234, 7)}
    assert all(r["deployments_all_time_event"] is None for r in case), "a -1 sentinel is no value"


def test_every_pump_column_is_documented_and_every_seed_metric_is_a_column(pump_build):
    columns = [
        row[0]
        for row in pump_build.query(
            "select column_name from information_schema.columns where table_schema = 'pumps' "
            "and table_name = 'pump_gainsight_metrics_monthly_paid' order by ordinal_position"
        )
    ]
    documented = [c["name"] for c in yaml.safe_load(PUMP_YML.read_text())["models"][0]["columns"]]
    assert sorted(columns) == sorted(documented)
    assert {column for _, column in pump_metric_columns()} <= set(columns)


def test_the_months_are_the_generated_ones(pump_build):
    instance_months = {
        row[0]
        for row in pump_build.query(
            f"select distinct snapshot_month from {PUMP} where dim_namespace_id is null"
        )
    }
    assert instance_months == {pump_build.planted.first_month, pump_build.planted.second_month}
    assert all(isinstance(month, dt.date) for month in instance_months)
    # GitLab.com rows: the months the namespace counters cover, which the gitlab_dotcom tables rebuild
    # back to the groups' creation (the ordered subscriptions' terms start before the Service Ping range).
    saas_months = {
        row[0]
        for row in pump_build.query(
            f"select distinct snapshot_month from {PUMP} where dim_namespace_id is not null"
        )
    }
    tables = GitLabDotCom(pump_build.settings.landing_dir / "gitlab_dotcom")
    assert instance_months < saas_months <= {month for month, _ in snapshots(tables)}


# --- GitLab.com namespace rows ---------------------------------------------------------------------
def _namespace_rows(pump_build, namespace_id: int) -> dict[dt.date, dict]:
    return {r["snapshot_month"]: r for r in _rows(pump_build, f"dim_namespace_id = '{namespace_id}'")}


def test_the_golden_saas_namespace_reports_its_usage_and_zuora_seats(pump_build):
    tables = GitLabDotCom(pump_build.settings.landing_dir / "gitlab_dotcom")
    rows = _namespace_rows(pump_build, GOLDEN_SAAS.namespace_id)
    second = pump_build.planted.second_month
    assert pump_build.planted.first_month in rows and second in rows
    assert {(r["subscription_name"], r["delivery_type"], r["deployment_type"]) for r in rows.values()} == {
        (GOLDEN_SAAS.subscription_name, "SaaS", "GitLab.com")
    }
    assert {
        (r["uuid"], r["hostname"], r["dim_installation_id"], r["dim_ping_instance_id"]) for r in rows.values()
    } == {(None, None, None, None)}
    snapshot = dict(snapshots(tables))[second]
    last = rows[second]
    plan = tables.gitlab_subscriptions[GOLDEN_SAAS.namespace_id]
    assert (last["product_tier"], last["subscription_mapping_source"], last["instance_type"]) == (
        "Ultimate",
        "namespace_order",
        "Production",
    )
    assert (last["license_user_count"], last["license_user_count_source"]) == (GOLDEN_SAAS.seats, "Zuora")
    assert (last["billable_user_count"], last["max_historical_user_count"]) == (
        int(plan["seats_in_use"]),
        int(plan["max_seats_used"]),
    )
    assert last["license_utilization"] == round(int(plan["seats_in_use"]) / GOLDEN_SAAS.seats, 4)
    for column, key_path in (
        ("active_user_count", "active_user_count"),
        ("umau_28_days_user", "usage_activity_by_stage_monthly.manage.events"),
        ("merge_requests_28_days_user", "usage_activity_by_stage_monthly.create.merge_requests"),
        ("ci_pipelines_28_days_user", "usage_activity_by_stage_monthly.verify.ci_pipelines"),
        ("issues_28_days_user", "usage_activity_by_stage_monthly.plan.issues"),
        ("merge_requests_all_time_event", "counts.merge_requests"),
    ):
        assert last[column] == counter_value(tables, GOLDEN_SAAS.namespace_id, key_path, snapshot) > 0, column
    assert last["ci_builds_all_time_event"] is None, "GitLab.com has no namespace counter of CI builds"
    assert (last["is_data_in_subscription_month"], last["is_latest_data"]) == (True, True)
    assert not any(r["is_latest_data"] for month, r in rows.items() if month != second)


def test_namespace_rows_leave_the_instance_flags_null(pump_build):
    rows = _rows(pump_build, "dim_namespace_id is not null")
    assert rows
    for flag in (
        "has_service_ping",
        "has_seat_link",
        "is_seat_link_active_user_count_available",
        "is_usage_ping_license_mapped_to_subscription",
        "is_usage_ping_license_subscription_id_valid",
        "instance_user_count_not_aligned",
        "historical_max_users_not_aligned",
        "seat_link_report_date",
        "cleaned_version",
        "country_name",
    ):
        assert {r[flag] for r in rows} == {None}, flag
    assert {(r["is_mapped_through_gainsight"], r["is_data_in_subscription_month"]) for r in rows} == {
        (False, True)
    }


def test_trial_and_free_namespaces_get_no_row(pump_build):
    tables = GitLabDotCom(pump_build.settings.landing_dir / "gitlab_dotcom")
    unpaid = {nid for nid, plan in tables.gitlab_subscriptions.items() if plan["trial"] == "true"}
    assert unpaid, "the generator makes trial namespaces"
    unpaid |= {
        nid
        for nid, n in tables.namespaces.items()
        if n["type"] == "Group" and nid not in tables.gitlab_subscriptions
    }
    unpaid |= {
        nid for nid, plan in tables.gitlab_subscriptions.items() if plan["hosted_plan_id"] == "34"
    }  # free
    in_pump = {
        int(row[0])
        for row in pump_build.query(
            f"select distinct dim_namespace_id from {PUMP} where dim_namespace_id is not null"
        )
    }
    with_usage = {
        row[0]
        for row in pump_build.query(
            "select distinct dim_namespace_id from common.fct_saas_namespace_metric_monthly"
        )
    }
    assert unpaid & with_usage, "trial namespaces have usage: the pump leaves them out, not the counters"
    assert in_pump & unpaid == set()
    assert GOLDEN_SAAS.namespace_id in in_pump and planted.SAAS_NAMESPACE_ID in in_pump


def test_saas_seats_come_from_zuora_else_gitlab_dotcom(pump_build):
    first, second = pump_build.planted.first_month, pump_build.planted.second_month
    rows = _namespace_rows(pump_build, planted.SAAS_NAMESPACE_ID)
    seats, in_use, max_used = planted.SAAS_GITLAB_SEATS
    assert (rows[first]["license_user_count"], rows[first]["license_user_count_source"]) == (
        seats,
        "gitlabdotcom",
    )
    assert (rows[second]["license_user_count"], rows[second]["license_user_count_source"]) == (
        planted.SAAS_ZUORA_SEATS,
        "Zuora",
    )
    assert rows[first]["license_utilization"] == round(in_use / seats, 4)
    assert rows[second]["license_utilization"] == round(in_use / planted.SAAS_ZUORA_SEATS, 4)
    assert {
        (r["billable_user_count"], r["max_historical_user_count"], r["active_user_count"])
        for r in rows.values()
    } == {(in_use, max_used, 1)}
    # Gainsight's later record of the namespace wins; the group's plan gives the tier.
    assert {(r["instance_type"], r["product_tier"], r["subscription_name"]) for r in rows.values()} == {
        ("Non-Production", "Premium", planted.SAAS_SUBSCRIPTION)
    }
