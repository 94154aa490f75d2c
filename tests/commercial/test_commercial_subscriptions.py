"""dim_subscription and prep_license against the Zuora and Customers Portal exports: every version
is kept (Draft and Expired too), with its lineage, accounts and latest version."""

from __future__ import annotations

import datetime as dt

from tests.commercial.commercial_landing import V1, V2, latest_versions, read_csv


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def test_every_version_is_kept_with_its_lineage_and_accounts(zone, warehouse):
    crm_by_account = {row["Id"]: row["CrmId"] or None for row in read_csv(zone.landing / "zuora/account.csv")}
    latest = latest_versions(zone.landing)
    expected = {
        row["Id"]: (
            row["Name"],
            int(row["Version"]),
            row["Status"],
            row["OriginalId"],
            row["PreviousSubscriptionId"] or None,
            row["AccountId"],
            crm_by_account[row["AccountId"]],
            _date(row["TermStartDate"]),
            _date(row["TermEndDate"]),
            row["Id"] == latest[row["Name"]]["Id"],
            latest[row["Name"]]["Id"],
            latest[row["Name"]]["Status"],
        )
        for row in read_csv(zone.landing / "zuora/subscription.csv")
    }
    actual = {
        row[0]: row[1:]
        for row in warehouse.execute(
            "select dim_subscription_id, subscription_name, subscription_version, subscription_status,"
            " dim_subscription_id_original, dim_subscription_id_previous, dim_billing_account_id,"
            " dim_crm_account_id, term_start_date, term_end_date, is_latest_version,"
            " dim_subscription_id_latest, subscription_status_latest_version from common.dim_subscription"
        ).fetchall()
    }
    assert actual == expected
    # GitLab keeps Draft and Expired subscriptions in dim_subscription; consumers filter them.
    assert {row[2] for row in expected.values()} >= {"Active", "Cancelled", "Expired", "Draft"}
    assert actual[V1][9:11] == (False, V2)
    assert actual[V2][3:5] == (V1, V1)


def test_cancelled_versions_carry_their_cancellation_day(zone, warehouse):
    cancelled = {
        row["Id"]: _date(row["SubscriptionEndDate"])
        for row in read_csv(zone.landing / "zuora/subscription.csv")
        if row["Status"] == "Cancelled"
    }
    assert cancelled, "the generator plants a cancelled subscription"
    actual = dict(
        warehouse.execute(
            "select dim_subscription_id, cancelled_date from common.dim_subscription"
            " where cancelled_date is not null"
        ).fetchall()
    )
    assert actual == cancelled


def test_licenses_know_whether_zuora_has_their_subscription(zone, warehouse):
    originals = {row["Id"]: row["OriginalId"] for row in read_csv(zone.landing / "zuora/subscription.csv")}
    expected = {
        row["id"]: (originals.get(row["zuora_subscription_id"]), row["zuora_subscription_id"] in originals)
        for row in read_csv(zone.landing / "customers_db/licenses.csv")
    }
    actual = {
        license_id: (original, known)
        for license_id, original, known in warehouse.execute(
            "select dim_license_id, dim_subscription_id_original, is_subscription_in_zuora"
            " from prep.prep_license"
        ).fetchall()
    }
    assert actual == expected
    assert any(known for _, known in expected.values()) and not all(known for _, known in expected.values())
