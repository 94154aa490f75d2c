"""The golden records the synthetic landing zone must produce, derived from the generator's golden
customers (usage_platform.synthetic.golden) and the rules the generator documents for them, never
from a run. dbt/seeds/golden/*.csv must hold exactly these rows (a test says so), so a change to
the golden customers shows up as a seed to update.

Where the values come from:
- names, Salesforce ids, Zuora account and subscription names, seats, tier, state, mapping,
  hostnames and uuids: GoldenCustomer;
- countries: business.py places the self-managed golden customers in the US and Golden SaaS Co in
  Germany (currency EUR); every golden subscription is TERMED with 12-month terms (subscriptions.py)
  and keeps its shape (no amendments); Golden Ultimate Co's parent is GOLDEN_PARENT_NAME. Not
  golden: what the seed decides, e.g. the CRM type (a random Draft quote can land on a golden
  account and make a former customer a Customer again);
- installations: md5(uuid|hostname) (dbt macro hash_key), edition from the license plan (EE),
  staging when a hostname word is `staging`, the mapping rule named by the customer's mapping.

`write_seeds(folder)` writes the CSVs (`python -m tests.trusted_checks.golden_expected`).
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
from pathlib import Path

from usage_platform.settings import DBT_PROJECT_DIR
from usage_platform.synthetic.golden import (
    GOLDEN_CUSTOMERS,
    GOLDEN_PARENT_NAME,
    GOLDEN_SAAS,
    GOLDEN_SELF_MANAGED,
    GOLDEN_ULTIMATE,
    GoldenCustomer,
)
from usage_platform.synthetic.model import MD5, SHA256, SUBSCRIPTION_ID
from usage_platform.synthetic.subscriptions import EXPIRED

SEED_DIR = DBT_PROJECT_DIR / "seeds" / "golden"
COUNTRY = {GOLDEN_SAAS.crm_id: ("Germany", "DE", "EUR")}
DEFAULT_COUNTRY = ("United States", "US", "USD")
MAPPING_SOURCE = {MD5: "license_md5", SHA256: "license_sha256", SUBSCRIPTION_ID: "license_subscription_id"}


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _country(customer: GoldenCustomer) -> tuple[str, str, str]:
    return COUNTRY.get(customer.crm_id, DEFAULT_COUNTRY)


def crm_accounts() -> list[dict[str, str]]:
    rows = []
    for customer in GOLDEN_CUSTOMERS:
        child = customer is GOLDEN_ULTIMATE
        country, code, _ = _country(customer)
        rows.append(
            {
                "dim_crm_account_id": customer.crm_id,
                "crm_account_name": customer.account_name,
                "crm_account_billing_country": country,
                "crm_account_billing_country_code": code,
                "crm_account_hierarchy_depth": "1" if child else "0",
                "is_ultimate_parent_account": _flag(not child),
                "parent_crm_account_name": GOLDEN_PARENT_NAME if child else customer.account_name,
                "immediate_parent_crm_account_name": GOLDEN_PARENT_NAME if child else "",
                "is_deleted": "false",
            }
        )
    return rows


def billing_accounts() -> list[dict[str, str]]:
    return [
        {
            "billing_account_number": customer.billing_account_number,
            "billing_account_name": customer.account_name,
            "dim_crm_account_id": customer.crm_id,
            "billing_account_status": "Active",
            "currency": _country(customer)[2],
        }
        for customer in GOLDEN_CUSTOMERS
    ]


def subscriptions() -> list[dict[str, str]]:
    return [
        {
            "subscription_name": customer.subscription_name,
            "is_latest_version": "true",
            "subscription_status": customer.state,
            "subscription_status_latest_version": customer.state,
            "dim_crm_account_id": customer.crm_id,
            "term_type": "TERMED",
            "current_term": "12",
        }
        for customer in GOLDEN_CUSTOMERS
    ]


def installations() -> list[dict[str, str]]:
    rows = []
    for customer in GOLDEN_SELF_MANAGED:
        for uuid, hostname in zip(customer.uuids, customer.hostnames, strict=True):
            rows.append(
                {
                    "uuid": uuid,
                    "hostname": hostname,
                    "dim_installation_id": hashlib.md5(f"{uuid}|{hostname}".encode()).hexdigest(),
                    "latest_main_edition": "EE",
                    "latest_product_tier": customer.tier.title(),
                    "delivery_type": "Self-Managed",
                    "deployment_type": "Self-Managed",
                    "is_internal": "false",
                    "is_staging": _flag(bool(re.search(r"(^|[.-])staging([.-]|$)", hostname))),
                    "latest_is_trial": "false",
                    "latest_subscription_mapping_source": MAPPING_SOURCE.get(customer.mapping, ""),
                }
            )
    return rows


def namespaces() -> list[dict[str, str]]:
    customer = GOLDEN_SAAS
    return [
        {
            "dim_namespace_id": str(customer.namespace_id),
            "namespace_path": customer.namespace_path,
            "namespace_type": "Group",
            "namespace_is_ultimate_parent": "true",
            "gitlab_plan_name": customer.tier,
            "product_tier": customer.tier.title(),
            "gitlab_plan_is_paid": "true",
            "is_trial": "false",
            "seats": str(customer.seats),
            "subscription_name": customer.subscription_name,
        }
    ]


def pump_rows() -> list[dict[str, str]]:
    """Every month's row of each paid golden installation that has its ping (the golden test's
    `where`: a partial last month may have none yet) and of the golden namespace carries these
    values (the expired golden subscription is not paid: it has no pump row)."""
    rows = []
    for customer in GOLDEN_SELF_MANAGED:
        if customer.state == EXPIRED:
            continue
        for index, (uuid, hostname) in enumerate(zip(customer.uuids, customer.hostnames, strict=True)):
            production = index == 0  # then a staging copy (business.py), in Gainsight like every golden one
            rows.append(
                _pump_row(
                    customer,
                    uuid=uuid,
                    hostname=hostname,
                    delivery=("Self-Managed", "Self-Managed"),
                    instance_type="Production" if production else "Non-Production",
                    health=production,
                    mapping=MAPPING_SOURCE.get(customer.mapping, "gainsight"),
                    ping="true",
                    seat_link=_flag(customer.mapping in MAPPING_SOURCE),
                )
            )
    rows.append(
        _pump_row(
            GOLDEN_SAAS,
            namespace_id=str(GOLDEN_SAAS.namespace_id),
            delivery=("SaaS", "GitLab.com"),
            instance_type="Production",
            health=True,
            mapping="namespace_order",
            ping="",
            seat_link="",
        )
    )
    return rows


def _pump_row(customer: GoldenCustomer, *, uuid="", hostname="", namespace_id="", **values) -> dict[str, str]:
    return {
        "subscription_name": customer.subscription_name,
        "uuid": uuid,
        "hostname": hostname,
        "dim_namespace_id": namespace_id,
        "dim_crm_account_id": customer.crm_id,
        "subscription_status": customer.state,
        "delivery_type": values["delivery"][0],
        "deployment_type": values["delivery"][1],
        "instance_type": values["instance_type"],
        "is_included_in_health_measures": _flag(values["health"]),
        "product_tier": customer.tier.title(),
        "subscription_mapping_source": values["mapping"],
        "is_mapped_through_gainsight": _flag(values["mapping"] == "gainsight"),
        "license_user_count": str(customer.seats),
        "license_user_count_source": "Zuora",
        "has_service_ping": values["ping"],
        "has_seat_link": values["seat_link"],
        "is_data_in_subscription_month": "true",
    }


# seed name -> (model it guards, key columns, rows)
GOLDEN_SEEDS = {
    "golden_dim_crm_account": ("dim_crm_account", ("dim_crm_account_id",), crm_accounts),
    "golden_dim_billing_account": ("dim_billing_account", ("billing_account_number",), billing_accounts),
    "golden_dim_subscription": (
        "dim_subscription",
        ("subscription_name", "is_latest_version"),
        subscriptions,
    ),
    "golden_dim_installation": ("dim_installation", ("uuid", "hostname"), installations),
    "golden_dim_namespace": ("dim_namespace", ("dim_namespace_id",), namespaces),
    "golden_pump_gainsight_metrics_monthly_paid": (
        "pump_gainsight_metrics_monthly_paid",
        ("subscription_name", "uuid", "hostname", "dim_namespace_id"),
        pump_rows,
    ),
}


def expected_seeds() -> dict[str, list[dict[str, str]]]:
    return {name: rows() for name, (_, _, rows) in GOLDEN_SEEDS.items()}


def read_seed(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def write_seeds(folder: Path = SEED_DIR) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in expected_seeds().items():
        with (folder / f"{name}.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    write_seeds(Path(sys.argv[1]) if len(sys.argv) > 1 else SEED_DIR)
