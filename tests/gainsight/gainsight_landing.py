"""Cases planted into a generated landing zone for the Gainsight pump tests, beside what the
generator already makes (licenses mapped by md5, sha256 and subscription id, an instance only
Gainsight maps, trials, an expired subscription):

- TWO: an instance whose license maps nowhere; Gainsight names its account, which has two paid
  self-managed subscriptions, so nothing maps it; both subscriptions get no-data months.
- CASE: an instance whose license maps nowhere; Gainsight names it in other letter case and has
  an older duplicate of the record; its account has one paid self-managed subscription, whose
  Zuora seats start in the second month (first month: the ping's seats).
- SEAT: an instance mapped by license md5 to version 1 of a two-version subscription with no
  Zuora seat charge; it pings only in the second month and sends Seat Link only in the first.
- SAAS: a GitLab.com group with one active member, a paid Premium plan on GitLab.com and a
  Customers Portal order naming a SaaS subscription whose Zuora seat charge starts in the second
  month (first month: GitLab.com's seats); Gainsight has two records of the namespace, the
  later one Non-Production.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from usage_platform.synthetic.config import add_months


@dataclass(frozen=True)
class Planted:
    first_month: dt.date
    second_month: dt.date


TWO_UUID, TWO_HOST = "plant-0000-two", "gitlab.two.example"
CASE_UUID, CASE_HOST = "plant-0000-case", "gitlab.case.example"
SEAT_UUID, SEAT_HOST = "plant-0000-seat", "gitlab.seat.example"
TWO_SUBSCRIPTIONS = ("PLANT-S-TWO-A", "PLANT-S-TWO-B")
CASE_SUBSCRIPTION = "PLANT-S-CASE"
SEAT_VERSIONS = ("PLANT-S-SEAT-V1", "PLANT-S-SEAT-V2")
SELF_MANAGED_PLAN = "Self-Managed - Premium - 1 Year"
CASE_ZUORA_SEATS = 30
CASE_PING_SEATS = 25
SAAS_SUBSCRIPTION = "PLANT-S-SAAS"
SAAS_NAMESPACE_ID = 9199001
SAAS_USER_ID = 11999001
SAAS_PLAN = "SaaS - Premium - 1 Year"
SAAS_ZUORA_SEATS = 15
SAAS_GITLAB_SEATS = (12, 1, 3)  # gitlab_subscriptions seats, seats_in_use, max_seats_used
PREMIUM_PLAN_ID = 100  # GitLab.com's hosted plan id of premium
SEAT_REPORTS = (  # id, day of the first month, hour, license_user_count (the latest one counts)
    ("990001", 5, 3, 40),
    ("990002", 20, 3, 45),
)


def _append(path: Path, rows: list[dict]) -> None:
    """Append rows to a CSV export, by the export's own header; missing fields stay empty."""
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.DictWriter(handle, fieldnames=header, lineterminator="\n").writerows(rows)


def _months(landing: Path) -> tuple[dt.date, dt.date]:
    days = sorted(dt.date.fromisoformat(p.name) for p in (landing / "service_ping").iterdir() if p.is_dir())
    months = sorted({day.replace(day=1) for day in days})
    return months[-2], months[-1]


def _subscription(sid: str, account: str, name: str, version: int, start: dt.date, previous="") -> dict:
    return {
        "Id": sid,
        "AccountId": account,
        "Name": name,
        "Status": "Active",
        "Version": version,
        "OriginalId": f"{name}-V1" if version > 1 else sid,
        "PreviousSubscriptionId": previous,
        "TermType": "TERMED",
        "TermStartDate": start,
        "TermEndDate": start.replace(year=start.year + 1),
        "SubscriptionStartDate": start,
        "SubscriptionEndDate": start.replace(year=start.year + 1),
    }


def _gainsight(gsid: str, crm: str, uuid: str, hostname: str, kind: str, modified: dt.date) -> dict:
    return {
        "gsid": gsid,
        "crm_acct_id": crm,
        "instance_uuid": uuid,
        "hostname": hostname,
        "instancetype": kind,
        "included_in_health_measures": str(kind == "Production").lower(),
        "modified_date": f"{modified} 10:00:00",
    }


def _payload(uuid: str, hostname: str, day: dt.date, **fields) -> dict:
    return {
        "uuid": uuid,
        "hostname": hostname,
        "version": "17.4.2-ee",
        "installation_type": "omnibus-gitlab",
        "edition": "EEP",
        "recorded_at": f"{day.isoformat()}T08:00:00.000+00:00",
        "active_user_count": 21,
        "license_md5": None,
        "license_sha256": None,
        "license_subscription_id": None,
        "license_user_count": CASE_PING_SEATS,
        "license_billable_users": 20,
        "historical_max_users": 23,
        "license_plan": "premium",
        "license_trial": False,
        "counts": {"ci_builds": 1234, "deployments": -1},
        "usage_activity_by_stage_monthly": {"create": {"merge_requests": 7}},
        **fields,
    }


def _product_rate_plan_id(landing: Path, name: str) -> str:
    with (landing / "zuora" / "product_rate_plan.csv").open(newline="", encoding="utf-8") as handle:
        return next(row["Id"] for row in csv.DictReader(handle) if row["Name"] == name)


def _plant_saas(landing: Path, first: dt.date, second: dt.date, term_start: dt.date) -> None:
    """The SAAS case: Zuora, Salesforce, Customers Portal, GitLab.com and Gainsight rows."""
    term_end = term_start.replace(year=term_start.year + 1)
    created = f"{term_start} 09:00:00"
    _append(
        landing / "salesforce" / "account.csv",
        [{"Id": "PLANT-CRM-SAAS", "Name": "Planted Saas Inc", "Type": "Customer", "IsDeleted": "false"}],
    )
    _append(
        landing / "zuora" / "account.csv",
        [{"Id": "PLANT-ACC-SAAS", "AccountNumber": "PL-SAAS", "Name": "", "CrmId": "PLANT-CRM-SAAS"}],
    )
    _append(
        landing / "zuora" / "subscription.csv",
        [_subscription(SAAS_SUBSCRIPTION, "PLANT-ACC-SAAS", SAAS_SUBSCRIPTION, 1, term_start)],
    )
    product_rate_plan = _product_rate_plan_id(landing, SAAS_PLAN)
    _append(
        landing / "zuora" / "rate_plan.csv",
        [
            {
                "Id": "PLANT-RP-SAAS",
                "SubscriptionId": SAAS_SUBSCRIPTION,
                "ProductRatePlanId": product_rate_plan,
                "Name": SAAS_PLAN,
            }
        ],
    )
    _append(
        landing / "zuora" / "rate_plan_charge.csv",
        [
            {
                "Id": "PLANT-RPC-SAAS",
                "RatePlanId": "PLANT-RP-SAAS",
                "Name": "SaaS - Premium - Seats",
                "ChargeType": "Recurring",
                "ChargeModel": "Per Unit Pricing",
                "Quantity": f"{SAAS_ZUORA_SEATS}.000000",
                "MRR": f"{SAAS_ZUORA_SEATS * 29:.2f}",
                "BillingPeriod": "Annual",
                "Segment": "1",
                "Version": "1",
                "IsLastSegment": "true",
                "EffectiveStartDate": second + dt.timedelta(days=14),
                "EffectiveEndDate": term_end,
                "UnitOfMeasure": "Seats",
            }
        ],
    )
    _append(
        landing / "customers_db" / "orders.csv",
        [
            {
                "id": "990101",
                "product_rate_plan_id": product_rate_plan,
                "subscription_id": SAAS_SUBSCRIPTION,
                "subscription_name": SAAS_SUBSCRIPTION,
                "gl_namespace_id": SAAS_NAMESPACE_ID,
                "quantity": SAAS_GITLAB_SEATS[0],
                "start_date": term_start,
                "end_date": term_end,
                "trial": "false",
                "created_at": created,
                "updated_at": created,
            }
        ],
    )
    dotcom = landing / "gitlab_dotcom"
    _append(
        dotcom / "namespaces.csv",
        [
            {
                "id": SAAS_NAMESPACE_ID,
                "name": "Planted SaaS Group",
                "path": "planted-saas-group",
                "type": "Group",
                "owner_id": SAAS_USER_ID,
                "visibility_level": "0",
                "shared_runners_enabled": "true",
                "created_at": created,
                "updated_at": created,
            },
            {
                "id": SAAS_USER_ID + 100_000_000,
                "name": f"user{SAAS_USER_ID}",
                "path": f"user{SAAS_USER_ID}",
                "type": "User",
                "owner_id": SAAS_USER_ID,
                "visibility_level": "20",
                "shared_runners_enabled": "true",
                "created_at": created,
                "updated_at": created,
            },
        ],
    )
    _append(
        dotcom / "users.csv",
        [
            {
                "id": SAAS_USER_ID,
                "state": "active",
                "user_type": "0",
                "created_at": created,
                "last_activity_on": second,
            }
        ],
    )
    _append(
        dotcom / "members.csv",
        [
            {
                "id": "99999001",
                "user_id": SAAS_USER_ID,
                "source_id": SAAS_NAMESPACE_ID,
                "source_type": "Namespace",
                "access_level": "50",
                "type": "GroupMember",
                "created_at": created,
            }
        ],
    )
    seats, in_use, max_used = SAAS_GITLAB_SEATS
    _append(
        dotcom / "gitlab_subscriptions.csv",
        [
            {
                "id": "2999001",
                "namespace_id": SAAS_NAMESPACE_ID,
                "hosted_plan_id": PREMIUM_PLAN_ID,
                "seats": seats,
                "seats_in_use": in_use,
                "max_seats_used": max_used,
                "start_date": term_start,
                "end_date": term_end,
                "trial": "false",
                "created_at": created,
                "updated_at": created,
            }
        ],
    )
    namespace_record = {"crm_acct_id": "PLANT-CRM-SAAS", "namespace_id": SAAS_NAMESPACE_ID}
    _append(
        landing / "gainsight" / "instance_info.csv",
        [
            {**_gainsight("PLANT-GS-SAAS-1", "", "", "", "Production", first), **namespace_record},
            {**_gainsight("PLANT-GS-SAAS-2", "", "", "", "Non-Production", second), **namespace_record},
        ],
    )


def plant_cases(landing: Path) -> Planted:
    first, second = _months(landing)
    product_rate_plan = _product_rate_plan_id(landing, SELF_MANAGED_PLAN)
    term_start = add_months(first, -6)  # a one-year term around the two months
    accounts, crm_accounts, subscriptions, plans, charges = [], [], [], [], []
    for code, crm in (("TWO", "PLANT-CRM-TWO"), ("CASE", "PLANT-CRM-CASE"), ("SEAT", "PLANT-CRM-SEAT")):
        accounts.append({"Id": f"PLANT-ACC-{code}", "AccountNumber": f"PL-{code}", "Name": "", "CrmId": crm})
        crm_accounts.append(
            {"Id": crm, "Name": f"Planted {code.title()} Inc", "Type": "Customer", "IsDeleted": "false"}
        )
    seat_charges = [(sid, "PLANT-ACC-TWO", term_start, 50) for sid in TWO_SUBSCRIPTIONS]
    case_charge_start = second + dt.timedelta(days=14)
    seat_charges.append((CASE_SUBSCRIPTION, "PLANT-ACC-CASE", case_charge_start, CASE_ZUORA_SEATS))
    for index, (sid, account, charge_start, seats) in enumerate(seat_charges):
        subscriptions.append(_subscription(sid, account, sid, 1, term_start))
        plans.append(
            {
                "Id": f"PLANT-RP-{index}",
                "SubscriptionId": sid,
                "ProductRatePlanId": product_rate_plan,
                "Name": SELF_MANAGED_PLAN,
            }
        )
        charges.append(
            {
                "Id": f"PLANT-RPC-{index}",
                "RatePlanId": f"PLANT-RP-{index}",
                "Name": "Self-Managed - Premium - Seats",
                "ChargeType": "Recurring",
                "ChargeModel": "Per Unit Pricing",
                "Quantity": f"{seats}.000000",
                "MRR": f"{seats * 29:.2f}",
                "BillingPeriod": "Annual",
                "Segment": "1",
                "Version": "1",
                "IsLastSegment": "true",
                "EffectiveStartDate": charge_start,
                "EffectiveEndDate": term_start.replace(year=term_start.year + 1),
                "UnitOfMeasure": "Seats",
            }
        )
    v1, v2 = SEAT_VERSIONS
    subscriptions.append(_subscription(v1, "PLANT-ACC-SEAT", "PLANT-S-SEAT", 1, term_start))
    subscriptions.append(_subscription(v2, "PLANT-ACC-SEAT", "PLANT-S-SEAT", 2, term_start, previous=v1))
    subscriptions[-2]["OriginalId"] = subscriptions[-1]["OriginalId"] = v1
    _append(landing / "salesforce" / "account.csv", crm_accounts)
    _append(landing / "zuora" / "account.csv", accounts)
    _append(landing / "zuora" / "subscription.csv", subscriptions)
    _append(landing / "zuora" / "rate_plan.csv", plans)
    _append(landing / "zuora" / "rate_plan_charge.csv", charges)
    _append(
        landing / "customers_db" / "licenses.csv",
        [{"id": "990001", "license_md5": "plant-md5-seat", "zuora_subscription_id": v1, "trial": "false"}],
    )
    _append(
        landing / "customers_db" / "license_seat_links.csv",
        [
            {
                "id": report_id,
                "zuora_subscription_id": v1,
                "zuora_subscription_name": "PLANT-S-SEAT",
                "report_timestamp": f"{first.replace(day=day)} {hour:02d}:00:00",
                "report_date": first.replace(day=day),
                "active_user_count": 33,
                "license_user_count": seats,
                "max_historical_user_count": 35,
                "hostname": SEAT_HOST,
                "instance_identifier": SEAT_UUID,
            }
            for report_id, day, hour, seats in SEAT_REPORTS
        ],
    )
    _append(
        landing / "gainsight" / "instance_info.csv",
        [
            _gainsight("PLANT-GS-TWO", "PLANT-CRM-TWO", TWO_UUID, TWO_HOST, "Production", second),
            _gainsight(
                "PLANT-GS-CASE",
                "PLANT-CRM-CASE",
                CASE_UUID.upper(),
                "GitLab.Case.Example",
                "Production",
                second,
            ),
            # An older copy of the same record, exported again: the latest modification wins.
            _gainsight("PLANT-GS-CASE", "PLANT-CRM-TWO", CASE_UUID, CASE_HOST, "Non-Production", first),
        ],
    )
    pings = {
        first + dt.timedelta(days=11): [_payload(CASE_UUID, CASE_HOST, first + dt.timedelta(days=11))],
        second + dt.timedelta(days=11): [
            _payload(CASE_UUID, CASE_HOST, second + dt.timedelta(days=11)),
            _payload(TWO_UUID, TWO_HOST, second + dt.timedelta(days=11), license_sha256="unknown-sha"),
            _payload(SEAT_UUID, SEAT_HOST, second + dt.timedelta(days=11), license_md5="plant-md5-seat"),
        ],
    }
    _plant_saas(landing, first, second, term_start)
    for day, payloads in pings.items():
        folder = landing / "service_ping" / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "planted.ndjson").write_text("".join(json.dumps(p) + "\n" for p in payloads))
    return Planted(first, second)
