"""SaaS namespace usage (dim_namespace, prep_saas_usage_ping_namespace, fct_saas_namespace_metric_monthly)
built from a synthetic GitLab.com landing zone, checked against values recomputed from its files."""

from __future__ import annotations

import datetime as dt
import shutil
from types import SimpleNamespace

import duckdb
import pytest

from tests.conftest import dbt_build, dbt_subprocess, load_raw, settings_for
from tests.saas_usage.saas_landing import (
    GOLDEN_NAMESPACE_ID,
    GitLabDotCom,
    counter_value,
    day,
    expected_monthly_values,
    expected_subscriptions,
    generate_landing,
    read_csv,
    snapshots,
)
from usage_platform.synthetic.golden import GOLDEN_SAAS
from usage_platform.synthetic.model import HOSTED_PLAN_IDS

SELECT = "+fct_saas_namespace_metric_monthly +dim_namespace"
OCTOBER, SEPTEMBER = dt.date(2026, 10, 1), dt.date(2026, 9, 1)
MR_AUTHORS = "usage_activity_by_stage_monthly.create.merge_requests"
ACTIVE_USERS_28D = "usage_activity_by_stage_monthly.manage.events"
PIPELINE_USERS = "usage_activity_by_stage_monthly.verify.ci_pipelines"
PIPELINES_28D = "counts_monthly.ci_internal_pipelines"
RUNNERS = "counts.ci_runners"


def query(conn, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def saas(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("saas_usage")
    settings = settings_for(tmp / "data")
    planted = generate_landing(settings.landing_dir)
    load_raw(settings)
    dbt_build(settings, SELECT, tmp_dir=tmp)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        fct = query(conn, "select * from common.fct_saas_namespace_metric_monthly")
        dim = query(conn, "select * from common.dim_namespace")
        users = query(conn, "select * from prep.prep_gitlab_dotcom_user")
    return SimpleNamespace(
        settings=settings,
        planted=planted,
        tables=GitLabDotCom(settings.landing_dir / "gitlab_dotcom"),
        fct=fct,
        values={
            (r["dim_namespace_id"], r["snapshot_month"], r["metrics_path"]): r["metric_value"] for r in fct
        },
        dim={r["dim_namespace_id"]: r for r in dim},
        users={r["dim_user_id"]: r for r in users},
    )


def test_every_monthly_value_matches_the_exports(saas):
    expected = expected_monthly_values(saas.tables)
    assert (GOLDEN_NAMESPACE_ID, OCTOBER, MR_AUTHORS) in expected
    assert saas.values == expected


def test_golden_namespace_usage_in_the_last_month(saas):
    golden = {
        metric: saas.values[(GOLDEN_NAMESPACE_ID, OCTOBER, metric)]
        for metric in (ACTIVE_USERS_28D, MR_AUTHORS, PIPELINE_USERS, PIPELINES_28D, RUNNERS)
    }
    for metric, value in golden.items():
        assert value == counter_value(saas.tables, GOLDEN_NAMESPACE_ID, metric, dt.date(2026, 10, 31))
        assert value > 0, metric  # the data exercises every one of them
    row = next(
        r
        for r in saas.fct
        if r["dim_namespace_id"] == GOLDEN_NAMESPACE_ID
        and r["metrics_path"] == MR_AUTHORS
        and r["snapshot_month"] == OCTOBER
    )
    assert row["ping_date"] == dt.date(2026, 10, 31)


def test_bots_and_blocked_users_do_not_count(saas):
    bot, blocked = saas.planted.bot_user_id, saas.planted.blocked_user_id
    assert not saas.users[bot]["is_active_human_user"] and saas.users[bot]["user_type"] == 6
    assert not saas.users[blocked]["is_active_human_user"] and saas.users[blocked]["user_state"] == "blocked"
    snapshot = dt.date(2026, 10, 31)
    differs = []
    for metric in (ACTIVE_USERS_28D, MR_AUTHORS, PIPELINE_USERS):
        without = counter_value(saas.tables, GOLDEN_NAMESPACE_ID, metric, snapshot)
        everyone = counter_value(saas.tables, GOLDEN_NAMESPACE_ID, metric, snapshot, with_bots=True)
        assert saas.values[(GOLDEN_NAMESPACE_ID, OCTOBER, metric)] == without
        differs.append(everyone > without)
    assert any(differs), "the planted bot and blocked user must have acted in the window"
    # a row counter counts their rows all the same
    assert saas.values[(GOLDEN_NAMESPACE_ID, OCTOBER, PIPELINES_28D)] == counter_value(
        saas.tables, GOLDEN_NAMESPACE_ID, PIPELINES_28D, snapshot, with_bots=True
    )


def test_ultimate_parent_resolution_through_subgroups(saas):
    tables = saas.tables
    for namespace_id, namespace in tables.namespaces.items():
        row = saas.dim[namespace_id]
        assert row["ultimate_parent_namespace_id"] == tables.ultimate_parent(namespace_id)
        assert row["namespace_is_ultimate_parent"] == (namespace["parent_id"] == "")
    subgroups = {nid for nid, n in tables.namespaces.items() if n["parent_id"]}
    assert any(saas.dim[nid]["namespace_depth"] == 1 for nid in subgroups)
    # activity inside subgroups is there and counts for the top-level group (checked value by value above)
    in_subgroups = [p for p in tables.projects.values() if int(p["namespace_id"]) in subgroups]
    assert in_subgroups
    runner_owners = {int(r["sharding_key_id"]) for r in tables.runners if r["runner_type"] == "2"}
    assert runner_owners & subgroups


def test_plan_and_seats_come_from_the_ultimate_parents_gitlab_subscription(saas):
    plan_names = {str(plan_id): name for name, plan_id in HOSTED_PLAN_IDS.items()}
    for namespace_id in saas.tables.namespaces:
        root = saas.tables.ultimate_parent(namespace_id)
        row, subscription = saas.dim[namespace_id], saas.tables.gitlab_subscriptions.get(root)
        if subscription is None:
            assert (row["gitlab_plan_name"], row["seats"]) == ("free", None)
            continue
        assert row["gitlab_plan_name"] == plan_names[subscription["hosted_plan_id"]]
        assert (row["seats"], row["seats_in_use"], row["max_seats_used"]) == (
            int(subscription["seats"]),
            int(subscription["seats_in_use"]),
            int(subscription["max_seats_used"]),
        )
    golden = saas.dim[GOLDEN_NAMESPACE_ID]
    assert (golden["product_tier"], golden["seats"], golden["is_trial"]) == (
        "Ultimate",
        GOLDEN_SAAS.seats,
        False,
    )


def test_subscription_link_through_customers_portal_orders(saas):
    expected = expected_subscriptions(saas.settings.landing_dir, saas.tables)
    actual = {(r["dim_namespace_id"], r["snapshot_month"]): r["dim_subscription_id"] for r in saas.fct}
    assert {key: expected[key] for key in actual} == actual
    golden = [
        r for r in saas.fct if r["dim_namespace_id"] == GOLDEN_NAMESPACE_ID and r["snapshot_month"] == OCTOBER
    ]
    assert {r["subscription_name"] for r in golden} == {GOLDEN_SAAS.subscription_name}
    assert saas.dim[GOLDEN_NAMESPACE_ID]["subscription_name"] == GOLDEN_SAAS.subscription_name
    trials = [nid for nid, s in saas.tables.gitlab_subscriptions.items() if s["trial"] == "true"]
    assert trials and all(saas.dim[nid]["dim_subscription_id"] is None for nid in trials)
    assert None in actual.values() and GOLDEN_NAMESPACE_ID in {key[0] for key, v in actual.items() if v}


def test_all_time_counters_give_the_months_increase(saas):
    rows = {
        (r["snapshot_month"], r["metrics_path"]): r
        for r in saas.fct
        if r["dim_namespace_id"] == GOLDEN_NAMESPACE_ID
    }
    october, september = rows[(OCTOBER, "counts.merge_requests")], rows[(SEPTEMBER, "counts.merge_requests")]
    assert october["monthly_metric_value"] == october["metric_value"] - september["metric_value"] > 0
    assert rows[(OCTOBER, MR_AUTHORS)]["monthly_metric_value"] == rows[(OCTOBER, MR_AUTHORS)]["metric_value"]
    created = min(month for month, metric in rows if metric == "counts.groups")  # the group's first month
    first = rows[(created, "counts.groups")]
    # From zero (nothing before): the group and its subgroups created by the month's snapshot date.
    snapshot = dict(snapshots(saas.tables))[created]
    groups = [
        namespace_id
        for namespace_id, namespace in saas.tables.namespaces.items()
        if namespace["type"] == "Group"
        and saas.tables.ultimate_parent(namespace_id) == GOLDEN_NAMESPACE_ID
        and day(namespace["created_at"]) <= snapshot
    ]
    assert first["monthly_metric_value"] == first["metric_value"] == len(groups) >= 1


def test_snapshot_dates_are_month_ends_up_to_the_last_day_of_data(saas):
    expected = dict(snapshots(saas.tables))
    assert {r["snapshot_month"]: r["ping_date"] for r in saas.fct} == {
        month: expected[month] for month in {r["snapshot_month"] for r in saas.fct}
    }


def test_activity_in_a_project_missing_from_the_export_fails_the_build(saas, tmp_path):
    """A merge request whose project the export lacks cannot be attributed: an error, not a silent loss."""
    settings = settings_for(tmp_path / "data")
    shutil.copytree(saas.settings.landing_dir, settings.landing_dir)
    shutil.copy(saas.settings.duckdb_path, settings.duckdb_path)
    path = settings.landing_dir / "gitlab_dotcom" / "merge_requests.csv"
    rows = read_csv(path)
    assert all(int(r["target_project_id"]) != 1 for r in rows)
    with path.open("a") as handle:
        handle.write(f"1,1,{rows[0]['author_id']},1,2026-10-30 10:00:00,\n")
    load_raw(settings)

    args = ["build", "--select", "prep_namespace_activity", "--no-write-json"]
    completed = dbt_subprocess(settings, args, tmp_dir=tmp_path)
    assert completed.returncode != 0
    assert "FAIL 1 not_null_prep_namespace_activity_ultimate_parent_namespace_id" in completed.stdout
