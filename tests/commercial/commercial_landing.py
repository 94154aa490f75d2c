"""A generated landing zone with planted commercial cases, and what the landing files alone say the
commercial models must hold: a second implementation of the rules, with the standard library.

Planted on top of the generator's business (which brings versions, a Draft, an Expired and a
Cancelled subscription, a parent account and a deleted one):
- Zuora catalog: a Dedicated plan, a retired SaaS Gold plan and a training plan;
- a subscription with two versions whose latest carries a Dedicated seat charge with a mid-month
  quantity change, an open-ended storage add-on, a one-time charge and a charge that starts and
  ends inside one month; the old version carries a charge of its own that must not count;
- Seat Link reports: one naming the old version, sent later in the month than one naming the
  latest; two reports at the same second; one naming an unknown version of a known subscription;
  one naming nothing Zuora knows;
- Salesforce: a grandchild of the parent account (two levels below its ultimate parent).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from usage_platform.synthetic import generate

CALENDAR_END = dt.date(2050, 12, 1)  # dim_date's last month: where open-ended charges stop
PAID_STATUSES = {"Active", "Cancelled"}

SUBSCRIPTION_NAME = "A-S-PLANTED-01"
V1, V2 = "sub-planted-v1", "sub-planted-v2"
DEDICATED_PLAN, GOLD_PLAN, TRAINING_PLAN = "prp-planted-dedicated", "prp-planted-gold", "prp-planted-training"
GRANDCHILD = "001PLANTEDGRANDKID"
GOLDEN_PARENT = "Golden Holdings Group"
GOLDEN_ULTIMATE_CRM_ID = "0014M00000GLD01QAH"

# Expected catalog classification of every rate plan name the zone holds:
# name -> (product_tier_historical, product_tier_name, delivery type, deployment type, licenses users)
CATALOG = {
    "Self-Managed - Starter - 1 Year": (
        "Self-Managed - Starter",
        "Self-Managed - Starter",
        "Self-Managed",
        "Self-Managed",
        True,
    ),
    "Self-Managed - Premium - 1 Year": (
        "Self-Managed - Premium",
        "Self-Managed - Premium",
        "Self-Managed",
        "Self-Managed",
        True,
    ),
    "Self-Managed - Ultimate - 1 Year": (
        "Self-Managed - Ultimate",
        "Self-Managed - Ultimate",
        "Self-Managed",
        "Self-Managed",
        True,
    ),
    "SaaS - Premium - 1 Year": ("SaaS - Premium", "SaaS - Premium", "SaaS", "GitLab.com", True),
    "SaaS - Ultimate - 1 Year": ("SaaS - Ultimate", "SaaS - Ultimate", "SaaS", "GitLab.com", True),
    "SaaS - Bronze - 1 Year": ("SaaS - Bronze", "SaaS - Bronze", "SaaS", "GitLab.com", True),
    "Storage - 10GB - 1 Year": ("Storage", "Storage", "SaaS", "GitLab.com", False),
    "Dedicated - Ultimate - 1 Year": (
        "Dedicated - Ultimate",
        "Dedicated - Ultimate",
        "SaaS",
        "Dedicated",
        True,
    ),
    "Gold - 1 Year": ("SaaS - Gold", "SaaS - Ultimate", "SaaS", "GitLab.com", True),
    "Admin Training": ("Support", "Support", "Others", "Others", True),
}


@dataclass(frozen=True)
class Zone:
    landing: Path
    start_date: dt.date
    end_date: dt.date

    @property
    def last_month(self) -> dt.date:
        return self.end_date.replace(day=1)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def append_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in rows:
            unknown = set(row) - set(header)
            if unknown:
                raise ValueError(f"{path.name}: no such columns {unknown}")
            writer.writerow(["" if row.get(column) is None else row[column] for column in header])


def generate_zone(landing: Path) -> Zone:
    summary = generate(landing, instances=10, months=2, seed=11)
    zone = Zone(landing, summary.start_date, summary.end_date)
    _plant(zone)
    return zone


def _plant(zone: Zone) -> None:
    landing = zone.landing
    plans = {row["Name"]: row["Id"] for row in read_csv(landing / "zuora/product_rate_plan.csv")}
    account = next(r for r in read_csv(landing / "zuora/account.csv") if r["CrmId"] == GOLDEN_ULTIMATE_CRM_ID)
    owner = read_csv(landing / "salesforce/user.csv")[0]["Id"]

    append_csv(
        landing / "zuora/product.csv",
        [
            {
                "Id": "prod-planted-dedicated",
                "Name": "Dedicated - Ultimate",
                "SKU": "SKU-D1",
                "Category": "Base Products",
            },
            {"Id": "prod-planted-gold", "Name": "Gold", "SKU": "SKU-G1", "Category": "Base Products"},
            {"Id": "prod-planted-training", "Name": "Training", "SKU": "SKU-T1", "Category": "Services"},
        ],
    )
    append_csv(
        landing / "zuora/product_rate_plan.csv",
        [
            {
                "Id": DEDICATED_PLAN,
                "ProductId": "prod-planted-dedicated",
                "Name": "Dedicated - Ultimate - 1 Year",
            },
            {"Id": GOLD_PLAN, "ProductId": "prod-planted-gold", "Name": "Gold - 1 Year"},
            {"Id": TRAINING_PLAN, "ProductId": "prod-planted-training", "Name": "Admin Training"},
        ],
    )
    version = {
        "AccountId": account["Id"],
        "Name": SUBSCRIPTION_NAME,
        "OriginalId": V1,
        "TermType": "TERMED",
        "TermStartDate": "2025-03-15",
        "TermEndDate": "2026-03-15",
        "SubscriptionStartDate": "2025-03-15",
        "SubscriptionEndDate": "2026-03-15",
        "AutoRenew": "true",
    }
    append_csv(
        landing / "zuora/subscription.csv",
        [
            {**version, "Id": V1, "Status": "Active", "Version": 1, "CreatedDate": "2025-03-10 10:00:00"},
            {
                **version,
                "Id": V2,
                "Status": "Active",
                "Version": 2,
                "PreviousSubscriptionId": V1,
                "CreatedDate": "2025-08-20 10:00:00",
            },
        ],
    )
    append_csv(
        landing / "zuora/rate_plan.csv",
        [
            {
                "Id": "rp-planted-v1",
                "SubscriptionId": V1,
                "ProductRatePlanId": plans["Self-Managed - Premium - 1 Year"],
            },
            {"Id": "rp-planted-dedicated", "SubscriptionId": V2, "ProductRatePlanId": DEDICATED_PLAN},
            {
                "Id": "rp-planted-storage",
                "SubscriptionId": V2,
                "ProductRatePlanId": plans["Storage - 10GB - 1 Year"],
            },
            {"Id": "rp-planted-training", "SubscriptionId": V2, "ProductRatePlanId": TRAINING_PLAN},
        ],
    )
    charge = {"ChargeType": "Recurring", "ChargeModel": "Per Unit Pricing", "UnitOfMeasure": "Seats"}
    append_csv(
        landing / "zuora/rate_plan_charge.csv",
        [
            # the old version's charge: superseded, never counted
            {
                **charge,
                "Id": "ch-planted-old",
                "RatePlanId": "rp-planted-v1",
                "Quantity": 10,
                "MRR": "290.00",
                "EffectiveStartDate": "2025-03-15",
                "EffectiveEndDate": "2026-03-15",
                "Segment": 1,
            },
            # the latest version's seats: 10 until 20 August, then 25 (August counts 25)
            {
                **charge,
                "Id": "ch-planted-seats-1",
                "RatePlanId": "rp-planted-dedicated",
                "Quantity": 10,
                "MRR": "990.00",
                "EffectiveStartDate": "2025-03-15",
                "EffectiveEndDate": "2025-08-20",
                "Segment": 1,
            },
            {
                **charge,
                "Id": "ch-planted-seats-2",
                "RatePlanId": "rp-planted-dedicated",
                "Quantity": 25,
                "MRR": "2475.00",
                "EffectiveStartDate": "2025-08-20",
                "EffectiveEndDate": "2026-03-15",
                "Segment": 2,
            },
            # an open-ended storage add-on: in force until the calendar ends, never a seat
            {
                **charge,
                "Id": "ch-planted-storage",
                "RatePlanId": "rp-planted-storage",
                "Quantity": 5,
                "MRR": "25.00",
                "EffectiveStartDate": "2025-06-01",
                "EffectiveEndDate": "",
                "Segment": 1,
                "UnitOfMeasure": "Storage",
            },
            # one-time training: not a recurring charge
            {
                **charge,
                "Id": "ch-planted-training",
                "RatePlanId": "rp-planted-training",
                "Quantity": 1,
                "MRR": "0",
                "EffectiveStartDate": "2025-04-01",
                "EffectiveEndDate": "2025-04-02",
                "ChargeType": "OneTime",
                "Segment": 1,
            },
            # starts and ends inside May: in force on no month's last day
            {
                **charge,
                "Id": "ch-planted-short",
                "RatePlanId": "rp-planted-training",
                "Quantity": 3,
                "MRR": "10.00",
                "EffectiveStartDate": "2025-05-03",
                "EffectiveEndDate": "2025-05-20",
                "Segment": 1,
            },
        ],
    )
    append_csv(
        landing / "customers_db/orders.csv",
        [
            {
                "id": 599001,
                "product_rate_plan_id": DEDICATED_PLAN,
                "subscription_id": V2,
                "subscription_name": SUBSCRIPTION_NAME,
                "quantity": 25,
                "trial": "false",
            },
            {
                "id": 599002,
                "product_rate_plan_id": plans["SaaS - Premium - 1 Year"],
                "subscription_id": V2,
                "subscription_name": SUBSCRIPTION_NAME,
                "quantity": 25,
                "trial": "false",
            },
        ],
    )
    month, previous, earlier = (
        zone.last_month,
        add_months(zone.last_month, -1),
        add_months(zone.last_month, -2),
    )
    report = {
        "hostname": "gitlab.planted.example",
        "instance_identifier": "planted-0000-uuid",
        "license_user_count": 25,
        "max_historical_user_count": 30,
    }

    def at(day: dt.date, clock: str) -> dict[str, str]:
        return {"report_date": day.isoformat(), "report_timestamp": f"{day.isoformat()} {clock}"}

    append_csv(
        landing / "customers_db/license_seat_links.csv",
        [
            # the old version's report comes later in the month: it wins, for the latest version
            {
                **report,
                **at(month.replace(day=10), "12:00:00"),
                "id": 399991,
                "zuora_subscription_id": V1,
                "zuora_subscription_name": SUBSCRIPTION_NAME,
                "order_id": 599001,
                "active_user_count": 21,
            },
            {
                **report,
                **at(month.replace(day=5), "12:00:00"),
                "id": 399992,
                "zuora_subscription_id": V2,
                "zuora_subscription_name": SUBSCRIPTION_NAME,
                "order_id": 599002,
                "active_user_count": 20,
            },
            # two reports in the same second: the higher id wins
            {
                **report,
                **at(previous.replace(day=7), "08:00:00"),
                "id": 399998,
                "zuora_subscription_id": V2,
                "zuora_subscription_name": SUBSCRIPTION_NAME,
                "active_user_count": 18,
            },
            {
                **report,
                **at(previous.replace(day=7), "08:00:00"),
                "id": 399999,
                "zuora_subscription_id": V2,
                "zuora_subscription_name": SUBSCRIPTION_NAME,
                "active_user_count": 19,
            },
            # a version Zuora does not know, of a subscription it knows: attributed by name
            {
                **report,
                **at(earlier.replace(day=3), "09:00:00"),
                "id": 399981,
                "zuora_subscription_id": "sub-gone",
                "zuora_subscription_name": SUBSCRIPTION_NAME,
                "active_user_count": None,
            },
            # nothing Zuora knows: kept in prep, no subscription in the fact
            {
                **report,
                **at(month.replace(day=2), "09:00:00"),
                "id": 399982,
                "zuora_subscription_id": "sub-nowhere",
                "zuora_subscription_name": "A-S-NOWHERE",
                "active_user_count": 3,
            },
        ],
    )
    append_csv(
        landing / "salesforce/account.csv",
        [
            {
                "Id": GRANDCHILD,
                "Name": "Planted Grandchild GmbH",
                "ParentId": GOLDEN_ULTIMATE_CRM_ID,
                "BillingCountry": "Germany",
                "BillingCountryCode": "DE",
                "Industry": "Energy",
                "Type": "Customer",
                "OwnerId": owner,
                "NumberOfEmployees": 40,
                "CreatedDate": "2024-02-02 10:00:00",
                "IsDeleted": "false",
            },
        ],
    )


# --- the rules, from the landing files ------------------------------------------------------------


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months from `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def latest_versions(landing: Path) -> dict[str, dict[str, str]]:
    """Subscription name -> its highest version's row."""
    latest: dict[str, dict[str, str]] = {}
    for row in read_csv(landing / "zuora/subscription.csv"):
        current = latest.get(row["Name"])
        if current is None or int(row["Version"]) > int(current["Version"]):
            latest[row["Name"]] = row
    return latest


def months_in_force(start: dt.date, end: dt.date | None) -> list[dt.date]:
    """Months whose first day is >= the start month and < the end month (no end: to the calendar's end)."""
    months, month = [], _month(start)
    stop = _month(end) if end else add_months(CALENDAR_END, 1)
    while month < stop:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class ChargeMonth:
    subscription_id: str
    product_rate_plan_id: str
    quantity: Decimal
    mrr: Decimal
    status: str


def expected_recurring_charges(landing: Path) -> dict[tuple[str, dt.date], ChargeMonth]:
    """(charge id, month) -> the charge, for recurring charges of each subscription's latest,
    non-Draft version."""
    versions = {row["Id"]: row for row in latest_versions(landing).values() if row["Status"] != "Draft"}
    rate_plans = {row["Id"]: row for row in read_csv(landing / "zuora/rate_plan.csv")}
    expected = {}
    for charge in read_csv(landing / "zuora/rate_plan_charge.csv"):
        plan = rate_plans[charge["RatePlanId"]]
        version = versions.get(plan["SubscriptionId"])
        if charge["ChargeType"] != "Recurring" or version is None:
            continue
        for month in months_in_force(_date(charge["EffectiveStartDate"]), _date(charge["EffectiveEndDate"])):
            expected[(charge["Id"], month)] = ChargeMonth(
                version["Id"],
                plan["ProductRatePlanId"],
                Decimal(charge["Quantity"]),
                Decimal(charge["MRR"]),
                version["Status"],
            )
    return expected


def expected_zuora_seats(landing: Path) -> dict[tuple[str, dt.date], int | None]:
    """(latest version id, month) -> Zuora seats: quantities of seat-licensing charges (not storage),
    for Active or Cancelled subscriptions; None for other statuses or months with only storage."""
    plan_names = {row["Id"]: row["Name"] for row in read_csv(landing / "zuora/product_rate_plan.csv")}
    seats: dict[tuple[str, dt.date], int | None] = {}
    for (_, month), charge in expected_recurring_charges(landing).items():
        key = (charge.subscription_id, month)
        seats.setdefault(key, None)
        licensed = CATALOG[plan_names[charge.product_rate_plan_id]][4]
        if licensed and charge.status in PAID_STATUSES:
            seats[key] = (seats[key] or 0) + int(charge.quantity)
    return seats


def expected_seat_link_months(landing: Path) -> dict[tuple[str, dt.date], str]:
    """(latest version id, month) -> id of the report that counts: reports are attributed to their
    subscription's latest version (through the version they name, else their subscription name);
    the latest report_timestamp of the month wins, then the highest id."""
    versions = {row["Id"]: row for row in read_csv(landing / "zuora/subscription.csv")}
    latest = latest_versions(landing)
    best: dict[tuple[str, dt.date], tuple] = {}
    for report in read_csv(landing / "customers_db/license_seat_links.csv"):
        named = versions.get(report["zuora_subscription_id"].strip())
        name = named["Name"] if named else report["zuora_subscription_name"]
        if name not in latest:
            continue
        key = (latest[name]["Id"], _month(dt.date.fromisoformat(report["report_date"])))
        order = (dt.datetime.fromisoformat(report["report_timestamp"]), report["id"])
        if key not in best or order > best[key][0]:
            best[key] = (order, report["id"])
    return {key: report_id for key, (_, report_id) in best.items()}


@dataclass(frozen=True)
class CrmAccount:
    ultimate_parent_id: str
    immediate_parent_id: str | None
    depth: int
    owner_name: str
    is_deleted: bool


def expected_crm_accounts(landing: Path) -> dict[str, CrmAccount]:
    accounts = {row["Id"]: row for row in read_csv(landing / "salesforce/account.csv")}
    users = {row["Id"]: row["Name"] for row in read_csv(landing / "salesforce/user.csv")}
    expected = {}
    for account_id, row in accounts.items():
        top, depth = account_id, 0
        while accounts[top]["ParentId"]:
            top, depth = accounts[top]["ParentId"], depth + 1
        expected[account_id] = CrmAccount(
            top, row["ParentId"] or None, depth, users[row["OwnerId"]], row["IsDeleted"] == "true"
        )
    return expected
