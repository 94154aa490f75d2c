"""The business model as plain data: who buys what, which instances run which licenses.

Self-managed instances install licenses (Customers Portal) and send Service Ping and Seat Link; how a
ping's license leads back to its subscription is the instance's `mapping`:

- `md5`: the ping's `license_md5` is in licenses.csv (instances older than 16.2 send the md5)
- `sha256`: `license_md5` is null, `license_sha256` is in licenses.csv
- `subscription_id`: neither hash is in licenses.csv; the ping's `license_subscription_id` names it
- `unmapped`: nothing in the ping leads anywhere (Gainsight's `crm_acct_id` may)
- `trial`: a trial license (licenses.csv `trial=true`, no subscription)
- `free`: CE / EE Free, no license at all
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from usage_platform.synthetic.geo import Country
from usage_platform.synthetic.ids import md5_hex, sha256_hex
from usage_platform.synthetic.subscriptions import Product, Subscription

MD5, SHA256, SUBSCRIPTION_ID = "md5", "sha256", "subscription_id"
UNMAPPED, TRIAL, FREE = "unmapped", "trial", "free"
PAID_MAPPINGS = (MD5, SHA256, SUBSCRIPTION_ID)
EDITION_BY_PLAN = {"starter": "EES", "premium": "EEP", "ultimate": "EEU"}
# GitLab.com plans.id values used by gitlab_subscriptions.hosted_plan_id.
HOSTED_PLAN_IDS = {"free": 34, "premium": 100, "ultimate": 101, "ultimate_trial": 102}
# The Customers Portal stores license_sha256 for licenses created from this day on.
SHA256_RECORDED_FROM = dt.date(2022, 7, 5)
MD5_LAST_VERSION = (16, 1)  # 16.2 stopped sending license_md5
OLDEST_VERSION = (15, 2)  # every instance runs at least this (license_sha256 exists from 15.2)


@dataclass(frozen=True)
class SalesforceUser:
    id: str
    name: str
    email: str
    is_active: bool
    title: str
    role_id: str
    created: dt.datetime


@dataclass(frozen=True)
class BillingAccount:
    id: str
    number: str
    name: str
    crm_id: str
    currency: str
    bill_to_id: str
    sold_to_id: str
    batch: str
    created: dt.datetime


@dataclass(frozen=True)
class Customer:
    crm_id: str
    name: str
    slug: str
    country: Country
    industry: str
    type: str  # Customer | Former Customer | Prospect
    owner_id: str
    employees: int
    created: dt.datetime
    contact_name: str
    contact_email: str
    parent_id: str | None = None
    is_deleted: bool = False
    billing: BillingAccount | None = None
    portal_id: int | None = None  # Customers Portal customer id


@dataclass(frozen=True)
class License:
    id: int
    key: str
    plan: str
    trial: bool
    users_count: int
    starts_at: dt.date
    expires_at: dt.date
    created_at: dt.datetime
    company: str
    name: str
    email: str
    subscription_id: str | None  # the Zuora subscription version current when the license was issued
    subscription_name: str | None
    in_customers_db: bool

    @property
    def md5(self) -> str:
        return md5_hex(self.key)

    @property
    def sha256(self) -> str:
        return sha256_hex(self.key)


@dataclass(frozen=True)
class Order:
    id: int
    customer_id: int | None
    product_rate_plan_id: str
    subscription_id: str | None
    subscription_name: str | None
    namespace_id: int | None
    quantity: int
    start_date: dt.date
    end_date: dt.date
    trial: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class UpgradePolicy:
    """How far behind the newest release an instance runs, and how often it upgrades."""

    lag: int  # releases behind the newest at the last upgrade
    cadence_weeks: int
    phase_weeks: int
    floor: tuple[int, int] = OLDEST_VERSION
    cap: tuple[int, int] | None = None


@dataclass(frozen=True)
class Instance:
    uuid: str
    hostnames: tuple[tuple[dt.date, str], ...]  # (from day, hostname), oldest first
    customer: Customer | None
    mapping: str
    licenses: tuple[License, ...]
    subscription_name: str | None
    installation_type: str
    free_edition: str | None  # CE | EE Free for unlicensed instances
    version_suffix: str  # "", "-ee" or "-pre"
    installed_on: dt.date
    first_ping: dt.date
    last_ping: dt.date  # the world's horizon (`config.horizon_date`) for instances that keep pinging
    ping_weekday: int
    ping_second: int  # UTC second of the day the weekly ping starts
    utc_offset_minutes: int  # the instance's Rails time zone, visible in recorded_at
    gap_months: tuple[tuple[int, int], ...]  # (year, month) without pings
    seat_link: bool
    upgrade: UpgradePolicy
    counter_reset_on: dt.date | None
    instance_type: str  # Gainsight: Production | Non-Production | Unknown
    in_gainsight: bool
    gainsight_id: str
    source_ip: str
    over_licensed: bool
    golden: bool = False

    def hostname_on(self, day: dt.date) -> str:
        current = self.hostnames[0][1]
        for start, name in self.hostnames:
            if start <= day:
                current = name
        return current

    def license_on(self, day: dt.date) -> License | None:
        """The license installed on `day`; before the first one starts, the first one (as ordered)."""
        current = None
        for lic in self.licenses:
            if lic.starts_at <= day:
                current = lic
        return current if current else (self.licenses[0] if self.licenses else None)

    def pings_on(self, day: dt.date) -> bool:
        return self.first_ping <= day <= self.last_ping and (day.year, day.month) not in self.gap_months


@dataclass(frozen=True)
class Namespace:
    id: int
    name: str
    path: str
    customer: Customer | None
    plan: str  # free | premium | ultimate
    trial: bool
    subscription: Subscription | None
    seats: int
    created_at: dt.datetime
    trial_starts_on: dt.date | None
    trial_ends_on: dt.date | None
    in_gainsight: bool
    gainsight_id: str
    golden: bool = False


@dataclass(frozen=True)
class Business:
    sales_users: tuple[SalesforceUser, ...]
    customers: tuple[Customer, ...]
    products: tuple[Product, ...]
    subscriptions: tuple[Subscription, ...]
    licenses: tuple[License, ...]
    orders: tuple[Order, ...]
    instances: tuple[Instance, ...]
    namespaces: tuple[Namespace, ...]
