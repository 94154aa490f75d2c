"""Seat Link: every report kept with GitLab's flags (prep), and the latest report of each
subscription and month, attributed to the subscription's latest version (fct)."""

from __future__ import annotations

import hashlib

from tests.commercial.commercial_landing import (
    CATALOG,
    V1,
    V2,
    add_months,
    expected_seat_link_months,
    read_csv,
)


def _hash_key(*values: str | None) -> str:
    """The platform's hash_key macro: md5 of the values joined by '|', null as '<null>'."""
    return hashlib.md5("|".join("<null>" if v is None else v for v in values).encode()).hexdigest()


def test_the_latest_report_of_the_month_counts_for_the_latest_version(zone, warehouse):
    expected = expected_seat_link_months(zone.landing)
    actual = {
        (subscription, month): report
        for subscription, month, report in warehouse.execute(
            "select dim_subscription_id, snapshot_month, seat_link_id"
            " from common.fct_usage_self_managed_seat_link"
        ).fetchall()
    }
    assert actual == expected
    assert len({subscription for subscription, _ in expected}) > 3


def test_planted_reports(zone, warehouse):
    rows = {
        month: rest
        for month, *rest in warehouse.execute(
            "select snapshot_month, seat_link_id, dim_subscription_id_reported, is_subscription_in_zuora,"
            " latest_order_id_in_month, is_rate_plan_in_zuora, is_active_user_count_available,"
            " is_last_seat_link_report_per_subscription"
            f" from common.fct_usage_self_managed_seat_link where dim_subscription_id = '{V2}'"
        ).fetchall()
    }
    month = zone.last_month
    # Naming the old version and sent later than the report naming the latest: it wins.
    assert rows[month] == ["399991", V1, True, "599001", True, True, True]
    # Same second: the higher id wins; no order, so no rate plan.
    assert rows[add_months(month, -1)] == ["399999", V2, True, None, False, True, False]
    # An unknown version of a known subscription: attributed by name, flagged.
    assert rows[add_months(month, -2)] == ["399981", "sub-gone", False, None, False, False, False]
    nowhere = warehouse.execute(
        "select is_subscription_in_zuora from prep.prep_usage_self_managed_seat_link"
        " where seat_link_id = '399982'"
    ).fetchall()
    assert nowhere == [(False,)]  # kept in prep; no subscription to belong to in the fact
    fct_ids = {
        r
        for (r,) in warehouse.execute(
            "select seat_link_id from common.fct_usage_self_managed_seat_link"
        ).fetchall()
    }
    assert "399982" not in fct_ids


def test_one_last_report_per_subscription(zone, warehouse):
    last_month = {}
    for subscription, month in expected_seat_link_months(zone.landing):
        last_month[subscription] = max(month, last_month.get(subscription, month))
    flagged = {
        (subscription, month)
        for subscription, month in warehouse.execute(
            "select dim_subscription_id, snapshot_month from common.fct_usage_self_managed_seat_link"
            " where is_last_seat_link_report_per_subscription"
        ).fetchall()
    }
    assert flagged == set(last_month.items())


def test_every_report_is_kept_with_its_flags(zone, warehouse):
    plans = {row["Id"]: row["Name"] for row in read_csv(zone.landing / "zuora/product_rate_plan.csv")}
    order_plans = {
        row["id"]: plans.get(row["product_rate_plan_id"])
        for row in read_csv(zone.landing / "customers_db/orders.csv")
    }
    versions = {row["Id"] for row in read_csv(zone.landing / "zuora/subscription.csv")}
    reports = read_csv(zone.landing / "customers_db/license_seat_links.csv")
    latest_per_version: dict[str, tuple] = {}
    for report in reports:
        order = (report["report_timestamp"], report["id"])
        latest_per_version[report["zuora_subscription_id"]] = max(
            order, latest_per_version.get(report["zuora_subscription_id"], order)
        )
    expected = {}
    for report in reports:
        plan = order_plans.get(report["order_id"])
        expected[report["id"]] = (
            report["zuora_subscription_id"] in versions,
            plan is not None and CATALOG[plan][3] in ("Self-Managed", "Dedicated"),
            report["active_user_count"] != "",
            latest_per_version[report["zuora_subscription_id"]][1] == report["id"],
            _hash_key(report["instance_identifier"], report["hostname"]),
        )
    actual = {
        row[0]: row[1:]
        for row in warehouse.execute(
            "select seat_link_id, is_subscription_in_zuora, is_rate_plan_in_zuora,"
            " is_active_user_count_available,"
            " is_last_seat_link_report_per_subscription, dim_installation_id"
            " from prep.prep_usage_self_managed_seat_link"
        ).fetchall()
    }
    assert actual == expected
    assert any(flags[1] for flags in expected.values()) and not all(flags[1] for flags in expected.values())
