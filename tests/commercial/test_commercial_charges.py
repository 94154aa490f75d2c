"""prep_recurring_charge and the Zuora seats per subscription and month, against the Zuora export:
recurring charges of each subscription's latest non-Draft version, in force in every month whose
first day lies between the effective start month and the effective end month (exclusive)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.commercial.commercial_landing import (
    V2,
    expected_recurring_charges,
    expected_zuora_seats,
    latest_versions,
)


def test_recurring_charges_per_month_follow_the_export(zone, warehouse):
    expected = expected_recurring_charges(zone.landing)
    rows = warehouse.execute(
        "select dim_charge_id, charge_month, dim_subscription_id, dim_product_detail_id, quantity, mrr, arr,"
        " subscription_status, dim_date_id from prep.prep_recurring_charge"
    ).fetchall()
    actual = {(charge, month): rest for charge, month, *rest in rows}
    assert len(actual) == len(rows), "one row per charge and month"
    assert set(actual) == set(expected)
    for key, charge in expected.items():
        subscription, detail, quantity, mrr, arr, status, date_id = actual[key]
        assert (subscription, detail, quantity, mrr, status) == (
            charge.subscription_id,
            charge.product_rate_plan_id,
            charge.quantity,
            charge.mrr,
            charge.status,
        ), key
        assert arr == mrr * 12
        assert date_id == int(key[1].strftime("%Y%m%d"))


def test_draft_and_superseded_versions_bring_no_charges(zone, warehouse):
    latest = latest_versions(zone.landing)
    statuses = {
        status
        for (status,) in warehouse.execute(
            "select distinct subscription_status from prep.prep_recurring_charge"
        ).fetchall()
    }
    assert "Draft" not in statuses and "Expired" in statuses  # GitLab keeps Expired history, drops Drafts
    assert any(row["Status"] == "Draft" for row in latest.values()), "the generator plants a Draft"
    charged = {
        sid
        for (sid,) in warehouse.execute(
            "select distinct dim_subscription_id from prep.prep_recurring_charge"
        ).fetchall()
    }
    assert charged <= {row["Id"] for row in latest.values() if row["Status"] != "Draft"}
    planted = {
        charge: sorted(months)
        for charge, months in warehouse.execute(
            "select dim_charge_id, list(charge_month) from prep.prep_recurring_charge"
            " where dim_charge_id like 'ch-planted-%' group by 1"
        ).fetchall()
    }
    # The old version's charge, the one-time charge and the charge inside one month are absent.
    assert set(planted) == {"ch-planted-seats-1", "ch-planted-seats-2", "ch-planted-storage"}
    # The quantity change on 20 August: the second segment is the one in force in August.
    assert planted["ch-planted-seats-1"][-1] == dt.date(2025, 7, 1)
    assert planted["ch-planted-seats-2"][0] == dt.date(2025, 8, 1)
    assert planted["ch-planted-seats-2"][-1] == dt.date(2026, 2, 1)
    # No end date: in force until the calendar's last month.
    assert planted["ch-planted-storage"][-1] == dt.date(2050, 12, 1)


def test_zuora_seats_per_subscription_and_month(zone, warehouse):
    expected = expected_zuora_seats(zone.landing)
    rows = warehouse.execute(
        "select dim_subscription_id, charge_month, license_user_count, total_quantity"
        " from prep.prep_recurring_charge_subscription_monthly"
    ).fetchall()
    actual = {(subscription, month): seats for subscription, month, seats, _ in rows}
    assert len(actual) == len(rows)
    assert actual == expected
    # Storage is no seat; the planted subscription had 10 seats in June, 25 from August.
    assert actual[(V2, dt.date(2025, 6, 1))] == 10
    assert actual[(V2, dt.date(2025, 8, 1))] == 25
    assert actual[(V2, dt.date(2026, 3, 1))] is None  # seats end on 15 March: only storage is left
    totals = {(subscription, month): total for subscription, month, _, total in rows}
    assert totals[(V2, dt.date(2025, 8, 1))] == Decimal(30)
    # Expired subscriptions have charges but no Zuora seats (GitLab counts Active and Cancelled only).
    expired = [key for key, seats in expected.items() if seats is None and key[0] != V2]
    assert expired, "the generator plants an expired subscription"
