"""Customers with fixed, readable identities whatever the seed, for checks to assert on.

Each self-managed golden customer has one Zuora subscription and one installation per hostname; the
subscription's shape (start, seats, renewals) is fixed relative to the end date, usage values follow
the seed. Golden instances ping every week of the range and get no planted sentinels.
"""

from __future__ import annotations

from dataclasses import dataclass

from usage_platform.synthetic.ids import salesforce_id_from
from usage_platform.synthetic.model import MD5, SHA256, SUBSCRIPTION_ID, UNMAPPED
from usage_platform.synthetic.subscriptions import ACTIVE, EXPIRED, SAAS, SELF_MANAGED


@dataclass(frozen=True)
class GoldenCustomer:
    account_name: str
    crm_id: str  # Salesforce account Id
    billing_account_number: str  # Zuora AccountNumber
    subscription_name: str
    deployment: str
    tier: str
    seats: int
    state: str  # the subscription's Zuora status
    mapping: str | None = None  # self-managed: how pings lead to the subscription
    hostnames: tuple[str, ...] = ()  # one installation per hostname (self-managed)
    uuids: tuple[str, ...] = ()
    namespace_id: int | None = None  # SaaS only
    namespace_path: str | None = None


GOLDEN_ULTIMATE = GoldenCustomer(
    account_name="Golden Ultimate Co",
    crm_id=salesforce_id_from("0014M00000GLD01"),
    billing_account_number="A00099001",
    subscription_name="A-S00099001",
    deployment=SELF_MANAGED,
    tier="ultimate",
    seats=250,
    state=ACTIVE,
    mapping=SHA256,
    hostnames=("gitlab.golden-ultimate.example", "gitlab-staging.golden-ultimate.example"),
    uuids=("601d0000-0000-4000-8000-000000099001", "601d0000-0000-4000-8000-000000099002"),
)
GOLDEN_PREMIUM = GoldenCustomer(
    account_name="Golden Premium Co",
    crm_id=salesforce_id_from("0014M00000GLD02"),
    billing_account_number="A00099002",
    subscription_name="A-S00099002",
    deployment=SELF_MANAGED,
    tier="premium",
    seats=120,
    state=ACTIVE,
    mapping=MD5,
    hostnames=("gitlab.golden-premium.example",),
    uuids=("601d0000-0000-4000-8000-000000099003",),
)
GOLDEN_SUBSCRIPTION_ID = GoldenCustomer(
    account_name="Golden Subscription Co",
    crm_id=salesforce_id_from("0014M00000GLD03"),
    billing_account_number="A00099003",
    subscription_name="A-S00099003",
    deployment=SELF_MANAGED,
    tier="premium",
    seats=60,
    state=ACTIVE,
    mapping=SUBSCRIPTION_ID,
    hostnames=("gitlab.golden-subscription.example",),
    uuids=("601d0000-0000-4000-8000-000000099004",),
)
GOLDEN_UNMAPPED = GoldenCustomer(
    account_name="Golden Unmapped Co",
    crm_id=salesforce_id_from("0014M00000GLD04"),
    billing_account_number="A00099004",
    subscription_name="A-S00099004",
    deployment=SELF_MANAGED,
    tier="ultimate",
    seats=40,
    state=ACTIVE,
    mapping=UNMAPPED,
    hostnames=("gitlab.golden-unmapped.example",),
    uuids=("601d0000-0000-4000-8000-000000099005",),
)
GOLDEN_EXPIRED = GoldenCustomer(
    account_name="Golden Expired Co",
    crm_id=salesforce_id_from("0014M00000GLD05"),
    billing_account_number="A00099005",
    subscription_name="A-S00099005",
    deployment=SELF_MANAGED,
    tier="premium",
    seats=30,
    state=EXPIRED,  # the last term ended on the first day of the month three months before the end date
    mapping=SHA256,
    hostnames=("gitlab.golden-expired.example",),
    uuids=("601d0000-0000-4000-8000-000000099006",),
)
GOLDEN_SAAS = GoldenCustomer(
    account_name="Golden SaaS Co",
    crm_id=salesforce_id_from("0014M00000GLD11"),
    billing_account_number="A00099011",
    subscription_name="A-S00099011",
    deployment=SAAS,
    tier="ultimate",
    seats=80,
    state=ACTIVE,
    namespace_id=9099011,
    namespace_path="golden-saas-group",
)
GOLDEN_SELF_MANAGED = (
    GOLDEN_ULTIMATE,
    GOLDEN_PREMIUM,
    GOLDEN_SUBSCRIPTION_ID,
    GOLDEN_UNMAPPED,
    GOLDEN_EXPIRED,
)
GOLDEN_CUSTOMERS = (*GOLDEN_SELF_MANAGED, GOLDEN_SAAS)
GOLDEN_PARENT_NAME = "Golden Holdings Group"  # the Salesforce parent account of Golden Ultimate Co
