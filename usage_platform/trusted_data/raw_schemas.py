"""Pandera schemas of the raw tables: what each source must send for the platform to trust it.

Raw keeps source fields as text (CSV and Parquet as exported, Service Ping payloads and metric
definitions as whole JSON), so the schemas check what the text will become in prep: identifiers
present (and unique per file version where the source system guarantees it), dates, timestamps,
numbers and booleans parseable (prep's `try_cast` would silently null them), values in the sets
the source documents, identifiers shaped as the source makes them.

Severity: plain field checks, nullability and uniqueness are ERROR (they block dbt); checks declared
`raise_warning=True` (`accepted(...)` and `warn=True` patterns) are WARN: the data can flow on, but
someone should look. As a rule, what corrupts identity, joins or dates is ERROR; a value outside a
documented set or a malformed secondary identifier is WARN.

One row per record or per payload envelope, never the flattened fact: Service Ping rows carry the
payload's top-level scalar fields extracted in SQL (`RawSchema.select`), never the payload itself.
`RAW_SCHEMAS` maps each raw table (`sources.yml` identifier) to its schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandera.pandas as pa
from pandera.pandas import DataFrameModel
from pandera.typing import Series

import usage_platform.trusted_data.text_checks  # noqa: F401  (registers timestamp_text, ...)

# -- shapes ----------------------------------------------------------------------------------------
_HEX = "[0-9a-fA-F]"
UUID = rf"^{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}$"
UUID_TYPED_BY_HAND = rf"^\s*{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\s*$"
MD5 = r"^[0-9a-f]{32}$"
SHA256 = r"^[0-9a-f]{64}$"
ZUORA_ID = r"^[0-9a-f]{32}$"
SALESFORCE_ID = r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$"
SALESFORCE_ID_TYPED_BY_HAND = r"^\s*[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?\s*$"
SUBSCRIPTION_NAME = r"^A-S\d+$"
GITLAB_VERSION = r"^\d+\.\d+\.\d+"  # 17.3.2, 16.11.0-ee, 18.0.0-pre, 12.10.0-rc42-ee
MAJOR_MINOR = r"^\d+\.\d+$"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = rf"^\s*{_OCTET}(?:\.{_OCTET}){{3}}\s*$"
IPV4_NETWORK = rf"^\s*{_OCTET}(?:\.{_OCTET}){{3}}/(?:3[0-2]|[12]?\d)\s*$"
COUNTRY_CODE = r"^[A-Z]{2}$"
CURRENCY_CODE = r"^[A-Z]{3}$"
METRIC_KEY_PATH = r"^[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*$"

# -- documented value sets -------------------------------------------------------------------------
ZUORA_SUBSCRIPTION_STATUSES = (
    "Draft",
    "Pending Activation",
    "Pending Acceptance",
    "Active",
    "Cancelled",
    "Suspended",
    "Expired",
)
ZUORA_ACCOUNT_STATUSES = ("Draft", "Active", "Canceled")
ZUORA_TERM_TYPES = ("TERMED", "EVERGREEN")
ZUORA_CHARGE_TYPES = ("Recurring", "OneTime", "Usage")
PING_EDITIONS = ("CE", "EE", "EE Free", "EES", "EEP", "EEU")  # what prep_ping_instance maps to tiers
METRIC_STATUSES = ("active", "removed", "broken", "data_available", "implemented", "not_used", "deprecated")
METRIC_VALUE_TYPES = ("number", "string", "boolean", "object")
METRIC_DATA_SOURCES = ("database", "redis", "redis_hll", "prometheus", "system", "license", "internal_events")
METRIC_TIME_FRAME = r'^(?:7d|28d|all|none|\[(?:"(?:7d|28d|all|none)",?)+\])$'  # a value or a JSON list
GITLAB_VISIBILITY_LEVELS = ("0", "10", "20")  # private, internal, public
GITLAB_ACCESS_LEVELS = ("0", "5", "10", "15", "20", "30", "40", "50", "60")
GITLAB_NAMESPACE_TYPES = ("User", "Group", "Project")
GITLAB_MEMBER_TYPES = ("GroupMember", "ProjectMember")
GITLAB_MEMBER_SOURCES = ("Namespace", "Project")
GITLAB_USER_STATES = (
    "active",
    "blocked",
    "deactivated",
    "blocked_pending_approval",
    "banned",
    "ldap_blocked",
)
GITLAB_MR_STATES = ("1", "2", "3", "4")  # opened, closed, merged, locked
GITLAB_RUNNER_TYPES = ("1", "2", "3")  # instance, group, project
GITLAB_PIPELINE_STATUSES = (
    "created",
    "waiting_for_resource",
    "preparing",
    "waiting_for_callback",
    "pending",
    "running",
    "success",
    "failed",
    "canceling",
    "canceled",
    "skipped",
    "manual",
    "scheduled",
)
GITLAB_EVENT_ACTIONS = tuple(str(n) for n in range(1, 13))  # created .. approved
GAINSIGHT_INSTANCE_TYPES = ("Production", "Non-Production", "Unknown")
CONTINENT_CODES = ("AF", "AN", "AS", "EU", "NA", "OC", "SA")


# -- field helpers ---------------------------------------------------------------------------------
def text(*, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable)


def pattern(regex: str, *, nullable: bool = True, warn: bool = False) -> object:
    return pa.Field(nullable=nullable, str_matches=regex, raise_warning=warn)


def timestamp(*, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, timestamp_text=())


def date(*, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, date_text=())


def integer(*, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, integer_text=())


def decimal(*, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, decimal_text=())


def boolean(*, nullable: bool = True) -> object:
    return pa.Field(nullable=nullable, boolean_text=())


def accepted(column: str, values: Iterable[str], *, warn: bool = True) -> classmethod:
    """An accepted-values check on `column`, WARN unless warn=False; assign it in the model body."""
    allowed = frozenset(values)

    def check(cls, series: Series[str]) -> Series[bool]:
        return series.isin(allowed)

    return pa.check(column, name="accepted_values", raise_warning=warn)(check)


def shape(column: str, regex: str, *, name: str) -> classmethod:
    """A WARN check that `column` matches `regex`, beside the column's own ERROR checks."""

    def check(cls, series: Series[str]) -> Series[bool]:
        return series.str.match(regex)

    return pa.check(column, name=name, raise_warning=True)(check)


class RawRows(DataFrameModel):
    """Load metadata every raw row carries."""

    source_file: Series[str] = pa.Field(alias="_source_file", nullable=False)
    file_sha256: Series[str] = pa.Field(alias="_file_sha256", nullable=False, str_matches=SHA256)

    class Config:
        strict = False  # the table may hold more columns than a schema checks
        coerce = False  # raw is text: check it as it is


def unique_per_file(*columns: str) -> list[str]:
    """Config.unique for "unique within one version of one landing file"."""
    return ["_source_file", "_file_sha256", *columns]


# -- Service Ping and metric definitions -----------------------------------------------------------
class ServicePingPayloads(RawRows):
    """One row per received payload: the envelope and the payload's top-level scalars.

    uuid, hostname and recorded_at are the ping's identity (prep hashes them into
    dim_ping_instance_id), so they must be there and recorded_at must parse."""

    uuid: Series[str] = pa.Field(nullable=False)
    _uuid_shape = shape("uuid", UUID, name="uuid_shape")
    hostname: Series[str] = text(nullable=False)
    recorded_at: Series[str] = timestamp(nullable=False)
    version: Series[str] = pattern(GITLAB_VERSION, warn=True)
    edition: Series[str] = text()
    _edition = accepted("edition", PING_EDITIONS)
    installation_type: Series[str] = text()
    active_user_count: Series[str] = pa.Field(nullable=True, integer_text=(), raise_warning=True)
    license_md5: Series[str] = pattern(MD5, warn=True)
    license_sha256: Series[str] = pattern(SHA256, warn=True)
    license_subscription_id: Series[str] = pattern(ZUORA_ID, warn=True)
    license_user_count: Series[str] = pa.Field(nullable=True, integer_text=(), raise_warning=True)
    license_trial: Series[str] = pa.Field(nullable=True, boolean_text=(), raise_warning=True)
    received_at: Series[str] = timestamp()
    source_ip: Series[str] = pattern(IPV4, warn=True)
    receipt_date: Series[str] = pa.Field(alias="_receipt_date", nullable=False, date_text=())

    class Config:
        name = "raw.service_ping_payloads"


# Top-level payload fields read in SQL (one json_extract_string per payload), never the payload.
_PING_FIELDS = (
    "uuid",
    "hostname",
    "recorded_at",
    "version",
    "edition",
    "installation_type",
    "active_user_count",
    "license_md5",
    "license_sha256",
    "license_subscription_id",
    "license_user_count",
    "license_trial",
)
SERVICE_PING_SELECT = (
    "select "
    + ", ".join(f"fields[{i + 1}] as {name}" for i, name in enumerate(_PING_FIELDS))
    + ", received_at, source_ip, _receipt_date, _source_file, _file_sha256 from (select "
    + "json_extract_string(payload, ["
    + ", ".join(f"'$.\"{name}\"'" for name in _PING_FIELDS)
    + "]) as fields, received_at, source_ip, cast(_receipt_date as varchar) as _receipt_date, "
    + "_source_file, _file_sha256 from {table} where {scope})"
)


class MetricsDictionary(RawRows):
    """One row per metric definition file: its key_path and the definition's enumerated fields."""

    key_path: Series[str] = pattern(METRIC_KEY_PATH, nullable=False)
    status: Series[str] = text()
    _status = accepted("status", METRIC_STATUSES)
    value_type: Series[str] = text()
    _value_type = accepted("value_type", METRIC_VALUE_TYPES)
    time_frame: Series[str] = pattern(METRIC_TIME_FRAME, warn=True)
    data_source: Series[str] = text()
    _data_source = accepted("data_source", METRIC_DATA_SOURCES)

    class Config:
        name = "raw.metrics_dictionary"
        unique = unique_per_file()


METRICS_DICTIONARY_SELECT = (
    "select key_path, fields[1] as status, fields[2] as value_type, "
    "replace(fields[3], ' ', '') as time_frame, fields[4] as data_source, _source_file, _file_sha256 "
    "from (select key_path, json_extract_string(definition, "
    "['$.status', '$.value_type', '$.time_frame', '$.data_source']) as fields, _source_file, _file_sha256 "
    "from {table} where {scope})"
)


# -- Customers Portal ------------------------------------------------------------------------------
class CustomersDbLicenses(RawRows):
    """Licenses; md5/sha256 and the Zuora subscription map pings to subscriptions."""

    id: Series[str] = integer(nullable=False)
    license_md5: Series[str] = pattern(MD5, warn=True)
    license_sha256: Series[str] = pattern(SHA256, warn=True)
    zuora_subscription_id: Series[str] = pattern(ZUORA_ID, warn=True)
    zuora_subscription_name: Series[str] = pattern(SUBSCRIPTION_NAME, warn=True)
    plan_code: Series[str] = text()
    trial: Series[str] = boolean()
    users_count: Series[str] = integer()
    starts_at: Series[str] = date()
    expires_at: Series[str] = date()
    created_at: Series[str] = timestamp()
    updated_at: Series[str] = timestamp()

    class Config:
        name = "raw.customers_db_licenses"
        unique = unique_per_file("id")


class CustomersDbOrders(RawRows):
    """Orders: link GitLab.com namespaces to Zuora subscriptions."""

    id: Series[str] = integer(nullable=False)
    customer_id: Series[str] = integer()
    product_rate_plan_id: Series[str] = pattern(ZUORA_ID, warn=True)
    subscription_id: Series[str] = pattern(ZUORA_ID, warn=True)
    subscription_name: Series[str] = pattern(SUBSCRIPTION_NAME, warn=True)
    gl_namespace_id: Series[str] = integer()
    quantity: Series[str] = integer()
    start_date: Series[str] = date()
    end_date: Series[str] = date()
    trial: Series[str] = boolean()
    created_at: Series[str] = timestamp()
    updated_at: Series[str] = timestamp()

    class Config:
        name = "raw.customers_db_orders"
        unique = unique_per_file("id")


class CustomersDbLicenseSeatLinks(RawRows):
    """Seat Link reports: the report time decides the latest report of a month."""

    id: Series[str] = integer(nullable=False)
    zuora_subscription_id: Series[str] = pattern(ZUORA_ID, warn=True)
    zuora_subscription_name: Series[str] = pattern(SUBSCRIPTION_NAME, warn=True)
    order_id: Series[str] = integer()
    report_timestamp: Series[str] = timestamp(nullable=False)
    report_date: Series[str] = pa.Field(nullable=True, date_text=(), required=False)  # else the timestamp's
    active_user_count: Series[str] = integer()
    license_user_count: Series[str] = integer()
    max_historical_user_count: Series[str] = integer()
    hostname: Series[str] = text()
    instance_identifier: Series[str] = pattern(UUID, warn=True)
    created_at: Series[str] = timestamp()
    updated_at: Series[str] = timestamp()

    class Config:
        name = "raw.customers_db_license_seat_links"
        unique = unique_per_file("id")


# -- Zuora -----------------------------------------------------------------------------------------
class ZuoraAccount(RawRows):
    """Billing accounts; CrmId links them to Salesforce."""

    Id: Series[str] = pa.Field(nullable=False)
    _id_shape = shape("Id", ZUORA_ID, name="zuora_id_shape")
    AccountNumber: Series[str] = text()
    Name: Series[str] = text()
    CrmId: Series[str] = pattern(SALESFORCE_ID, warn=True)
    Status: Series[str] = text()
    _status = accepted("Status", ZUORA_ACCOUNT_STATUSES)
    Currency: Series[str] = pattern(CURRENCY_CODE, warn=True)
    CreatedDate: Series[str] = timestamp()
    UpdatedDate: Series[str] = timestamp()

    class Config:
        name = "raw.zuora_account"
        unique = unique_per_file("Id")


class ZuoraSubscription(RawRows):
    """Subscription versions: the pump keeps a subscription by its latest version's status, so an
    unknown status would silently drop it (ERROR)."""

    Id: Series[str] = pa.Field(nullable=False)
    _id_shape = shape("Id", ZUORA_ID, name="zuora_id_shape")
    AccountId: Series[str] = text(nullable=False)
    Name: Series[str] = text(nullable=False)
    Status: Series[str] = text(nullable=False)
    _status = accepted("Status", ZUORA_SUBSCRIPTION_STATUSES, warn=False)
    Version: Series[str] = integer(nullable=False)
    OriginalId: Series[str] = text()
    PreviousSubscriptionId: Series[str] = text()
    TermType: Series[str] = text()
    _term_type = accepted("TermType", ZUORA_TERM_TYPES)
    TermStartDate: Series[str] = date()
    TermEndDate: Series[str] = date()
    SubscriptionStartDate: Series[str] = date()
    SubscriptionEndDate: Series[str] = date()
    AutoRenew: Series[str] = boolean()
    CreatedDate: Series[str] = timestamp()
    UpdatedDate: Series[str] = timestamp()

    class Config:
        name = "raw.zuora_subscription"
        unique = unique_per_file("Id")


class ZuoraRatePlan(RawRows):
    """Rate plans of subscription versions."""

    Id: Series[str] = text(nullable=False)
    SubscriptionId: Series[str] = text(nullable=False)
    ProductRatePlanId: Series[str] = text()
    Name: Series[str] = text()
    AmendmentType: Series[str] = text()
    CreatedDate: Series[str] = timestamp()
    UpdatedDate: Series[str] = timestamp()

    class Config:
        name = "raw.zuora_rate_plan"
        unique = unique_per_file("Id")


class ZuoraRatePlanCharge(RawRows):
    """Charges of rate plans: recurring seat charges carry the seat quantity."""

    Id: Series[str] = text(nullable=False)
    RatePlanId: Series[str] = text(nullable=False)
    ProductRatePlanChargeId: Series[str] = text()
    Name: Series[str] = text()
    ChargeType: Series[str] = text()
    _charge_type = accepted("ChargeType", ZUORA_CHARGE_TYPES)
    ChargeModel: Series[str] = text()
    Quantity: Series[str] = decimal()
    MRR: Series[str] = decimal()
    TCV: Series[str] = decimal()
    EffectiveStartDate: Series[str] = date()
    EffectiveEndDate: Series[str] = date()
    Segment: Series[str] = integer()
    Version: Series[str] = integer()
    IsLastSegment: Series[str] = boolean()

    class Config:
        name = "raw.zuora_rate_plan_charge"
        unique = unique_per_file("Id")


class ZuoraProduct(RawRows):
    """Product catalog."""

    Id: Series[str] = text(nullable=False)
    Name: Series[str] = text()
    SKU: Series[str] = text()
    Category: Series[str] = text()
    EffectiveStartDate: Series[str] = date()
    EffectiveEndDate: Series[str] = date()

    class Config:
        name = "raw.zuora_product"
        unique = unique_per_file("Id")


class ZuoraProductRatePlan(RawRows):
    """Product rate plans."""

    Id: Series[str] = text(nullable=False)
    ProductId: Series[str] = text(nullable=False)
    Name: Series[str] = text()
    EffectiveStartDate: Series[str] = date()
    EffectiveEndDate: Series[str] = date()

    class Config:
        name = "raw.zuora_product_rate_plan"
        unique = unique_per_file("Id")


# -- Salesforce ------------------------------------------------------------------------------------
class SalesforceAccount(RawRows):
    """CRM accounts; IsDeleted decides whether an account still counts."""

    Id: Series[str] = pa.Field(nullable=False)
    _id_shape = shape("Id", SALESFORCE_ID, name="salesforce_id_shape")
    Name: Series[str] = text(nullable=False)
    ParentId: Series[str] = pattern(SALESFORCE_ID, warn=True)
    BillingCountryCode: Series[str] = pattern(COUNTRY_CODE, warn=True)
    OwnerId: Series[str] = pattern(SALESFORCE_ID, warn=True)
    NumberOfEmployees: Series[str] = integer()
    CreatedDate: Series[str] = timestamp()
    LastModifiedDate: Series[str] = timestamp()
    IsDeleted: Series[str] = boolean()

    class Config:
        name = "raw.salesforce_account"
        unique = unique_per_file("Id")


class SalesforceUser(RawRows):
    """CRM users (account owners)."""

    Id: Series[str] = pa.Field(nullable=False)
    _id_shape = shape("Id", SALESFORCE_ID, name="salesforce_id_shape")
    Name: Series[str] = text()
    IsActive: Series[str] = boolean()
    CreatedDate: Series[str] = timestamp()

    class Config:
        name = "raw.salesforce_user"
        unique = unique_per_file("Id")


# -- GitLab.com ------------------------------------------------------------------------------------
class GitlabDotcomNamespaces(RawRows):
    """Namespaces (users' and groups')."""

    id: Series[str] = integer(nullable=False)
    name: Series[str] = text()
    path: Series[str] = text()
    type: Series[str] = text()
    _type = accepted("type", GITLAB_NAMESPACE_TYPES)
    parent_id: Series[str] = integer()
    owner_id: Series[str] = integer()
    visibility_level: Series[str] = integer()
    _visibility = accepted("visibility_level", GITLAB_VISIBILITY_LEVELS)
    shared_runners_enabled: Series[str] = boolean()
    created_at: Series[str] = timestamp()
    updated_at: Series[str] = timestamp()

    class Config:
        name = "raw.gitlab_dotcom_namespaces"
        unique = unique_per_file("id")


class GitlabDotcomMembers(RawRows):
    """Memberships of users in groups and projects."""

    id: Series[str] = integer(nullable=False)
    user_id: Series[str] = integer()  # null for a pending invitation
    source_id: Series[str] = integer(nullable=False)
    source_type: Series[str] = text()
    _source_type = accepted("source_type", GITLAB_MEMBER_SOURCES)
    access_level: Series[str] = integer()
    _access_level = accepted("access_level", GITLAB_ACCESS_LEVELS)
    type: Series[str] = text()
    _type = accepted("type", GITLAB_MEMBER_TYPES)
    created_at: Series[str] = timestamp()

    class Config:
        name = "raw.gitlab_dotcom_members"
        unique = unique_per_file("id")


class GitlabDotcomUsers(RawRows):
    """GitLab.com users."""

    id: Series[str] = integer(nullable=False)
    state: Series[str] = text()
    _state = accepted("state", GITLAB_USER_STATES)
    user_type: Series[str] = integer()
    created_at: Series[str] = timestamp()
    last_activity_on: Series[str] = date()

    class Config:
        name = "raw.gitlab_dotcom_users"
        unique = unique_per_file("id")


class GitlabDotcomProjects(RawRows):
    """Projects."""

    id: Series[str] = integer(nullable=False)
    namespace_id: Series[str] = integer(nullable=False)
    creator_id: Series[str] = integer()
    visibility_level: Series[str] = integer()
    _visibility = accepted("visibility_level", GITLAB_VISIBILITY_LEVELS)
    archived: Series[str] = boolean()
    created_at: Series[str] = timestamp()

    class Config:
        name = "raw.gitlab_dotcom_projects"
        unique = unique_per_file("id")


class GitlabDotcomMergeRequests(RawRows):
    """Merge requests."""

    id: Series[str] = integer(nullable=False)
    target_project_id: Series[str] = integer(nullable=False)
    author_id: Series[str] = integer()
    state_id: Series[str] = integer()
    _state = accepted("state_id", GITLAB_MR_STATES)
    created_at: Series[str] = timestamp()
    merged_at: Series[str] = timestamp()

    class Config:
        name = "raw.gitlab_dotcom_merge_requests"
        unique = unique_per_file("id")


class GitlabDotcomIssues(RawRows):
    """Issues."""

    id: Series[str] = integer(nullable=False)
    project_id: Series[str] = integer(nullable=False)
    author_id: Series[str] = integer()
    created_at: Series[str] = timestamp()
    closed_at: Series[str] = timestamp()

    class Config:
        name = "raw.gitlab_dotcom_issues"
        unique = unique_per_file("id")


class GitlabDotcomCiPipelines(RawRows):
    """CI pipelines."""

    id: Series[str] = integer(nullable=False)
    project_id: Series[str] = integer(nullable=False)
    user_id: Series[str] = integer()
    status: Series[str] = text()
    _status = accepted("status", GITLAB_PIPELINE_STATUSES)
    source: Series[str] = text()
    created_at: Series[str] = timestamp()

    class Config:
        name = "raw.gitlab_dotcom_ci_pipelines"
        unique = unique_per_file("id")


class GitlabDotcomCiRunners(RawRows):
    """CI runners."""

    id: Series[str] = integer(nullable=False)
    runner_type: Series[str] = integer()
    _runner_type = accepted("runner_type", GITLAB_RUNNER_TYPES)
    active: Series[str] = boolean()
    created_at: Series[str] = timestamp()
    contacted_at: Series[str] = timestamp()

    class Config:
        name = "raw.gitlab_dotcom_ci_runners"
        unique = unique_per_file("id")


class GitlabDotcomEvents(RawRows):
    """User activity events (the largest GitLab.com table: validated chunk by chunk)."""

    id: Series[str] = integer(nullable=False)
    project_id: Series[str] = integer()  # null for group-level events
    author_id: Series[str] = integer()
    target_type: Series[str] = text()
    action: Series[str] = integer()
    _action = accepted("action", GITLAB_EVENT_ACTIONS)
    created_at: Series[str] = timestamp(nullable=False)

    class Config:
        name = "raw.gitlab_dotcom_events"
        unique = unique_per_file("id")


class GitlabDotcomGitlabSubscriptions(RawRows):
    """SaaS plan subscriptions of namespaces."""

    id: Series[str] = integer(nullable=False)
    namespace_id: Series[str] = integer(nullable=False)
    hosted_plan_id: Series[str] = integer()
    seats: Series[str] = integer()
    seats_in_use: Series[str] = integer()
    max_seats_used: Series[str] = integer()
    start_date: Series[str] = date()
    end_date: Series[str] = date()
    trial: Series[str] = boolean()
    trial_ends_on: Series[str] = date()
    created_at: Series[str] = timestamp()
    updated_at: Series[str] = timestamp()

    class Config:
        name = "raw.gitlab_dotcom_gitlab_subscriptions"
        unique = unique_per_file("id")


# -- Gainsight, IP-to-geo, releases ----------------------------------------------------------------
class GainsightInstanceInfo(RawRows):
    """Gainsight's instance records. Uuids and hostnames are typed by hand in Gainsight (case and
    spaces vary; prep normalises them), so their shape is only a warning. prep keeps the latest
    record per gsid by modified_date, so that must parse."""

    gsid: Series[str] = text(nullable=False)
    crm_acct_id: Series[str] = pa.Field(nullable=False)
    _crm_shape = shape("crm_acct_id", SALESFORCE_ID_TYPED_BY_HAND, name="salesforce_id_shape")
    instance_uuid: Series[str] = pattern(UUID_TYPED_BY_HAND, warn=True)
    hostname: Series[str] = text()
    namespace_id: Series[str] = pa.Field(nullable=True, str_matches=r"^\s*\d+\s*$")
    instancetype: Series[str] = text()
    _instance_type = accepted("instancetype", GAINSIGHT_INSTANCE_TYPES)
    included_in_health_measures: Series[str] = boolean()
    modified_date: Series[str] = timestamp()

    @pa.dataframe_check(name="names_an_instance_or_a_namespace", raise_warning=True)
    def _instance_or_namespace(cls, frame):
        columns = [frame[c] for c in ("instance_uuid", "namespace_id") if c in frame]
        return columns[0].notna() | columns[-1].notna() if columns else True

    class Config:
        name = "raw.gainsight_instance_info"


class IpToGeoBlocksIpv4(RawRows):
    """IPv4 networks: prep turns each CIDR into an address range, a bad one into no range."""

    network: Series[str] = pattern(IPV4_NETWORK, nullable=False)
    geoname_id: Series[str] = integer()
    registered_country_geoname_id: Series[str] = integer()
    represented_country_geoname_id: Series[str] = integer()
    is_anonymous_proxy: Series[str] = boolean()
    is_satellite_provider: Series[str] = boolean()
    is_anycast: Series[str] = pa.Field(nullable=True, boolean_text=(), required=False)  # newer files only

    class Config:
        name = "raw.ip_to_geo_blocks_ipv4"
        unique = unique_per_file("network")


class IpToGeoLocations(RawRows):
    """Geonames of the networks: one row per geoname and locale."""

    geoname_id: Series[str] = integer(nullable=False)
    locale_code: Series[str] = text()
    continent_code: Series[str] = text()
    _continent = accepted("continent_code", CONTINENT_CODES)
    country_iso_code: Series[str] = pattern(COUNTRY_CODE, warn=True)
    is_in_european_union: Series[str] = boolean()

    class Config:
        name = "raw.ip_to_geo_locations"
        unique = unique_per_file("geoname_id", "locale_code")


class ReleasesReleases(RawRows):
    """GitLab's releases: major.minor and date rank versions (a version listed twice is tolerated,
    prep keeps its first date)."""

    major_minor_version: Series[str] = pattern(MAJOR_MINOR, nullable=False)
    release_date: Series[str] = date(nullable=False)

    class Config:
        name = "raw.releases_releases"


# -- the registry ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawSchema:
    model: type[DataFrameModel]
    row_key: tuple[str, ...]  # identifies a failing row in the failure cases (with its file)
    # SQL that reads the validated rows; `{table}` and `{scope}` (a where condition) are filled in.
    # None: the model's columns as they are in the table.
    select: str | None = None


RAW_SCHEMAS: dict[str, RawSchema] = {
    "service_ping_payloads": RawSchema(
        ServicePingPayloads, ("uuid", "hostname", "recorded_at", "_source_file"), SERVICE_PING_SELECT
    ),
    "metrics_dictionary": RawSchema(
        MetricsDictionary, ("key_path", "_source_file"), METRICS_DICTIONARY_SELECT
    ),
    "customers_db_licenses": RawSchema(CustomersDbLicenses, ("id", "_source_file")),
    "customers_db_orders": RawSchema(CustomersDbOrders, ("id", "_source_file")),
    "customers_db_license_seat_links": RawSchema(CustomersDbLicenseSeatLinks, ("id", "_source_file")),
    "zuora_account": RawSchema(ZuoraAccount, ("Id", "_source_file")),
    "zuora_subscription": RawSchema(ZuoraSubscription, ("Id", "_source_file")),
    "zuora_rate_plan": RawSchema(ZuoraRatePlan, ("Id", "_source_file")),
    "zuora_rate_plan_charge": RawSchema(ZuoraRatePlanCharge, ("Id", "_source_file")),
    "zuora_product": RawSchema(ZuoraProduct, ("Id", "_source_file")),
    "zuora_product_rate_plan": RawSchema(ZuoraProductRatePlan, ("Id", "_source_file")),
    "salesforce_account": RawSchema(SalesforceAccount, ("Id", "_source_file")),
    "salesforce_user": RawSchema(SalesforceUser, ("Id", "_source_file")),
    "gitlab_dotcom_namespaces": RawSchema(GitlabDotcomNamespaces, ("id", "_source_file")),
    "gitlab_dotcom_members": RawSchema(GitlabDotcomMembers, ("id", "_source_file")),
    "gitlab_dotcom_users": RawSchema(GitlabDotcomUsers, ("id", "_source_file")),
    "gitlab_dotcom_projects": RawSchema(GitlabDotcomProjects, ("id", "_source_file")),
    "gitlab_dotcom_merge_requests": RawSchema(GitlabDotcomMergeRequests, ("id", "_source_file")),
    "gitlab_dotcom_issues": RawSchema(GitlabDotcomIssues, ("id", "_source_file")),
    "gitlab_dotcom_ci_pipelines": RawSchema(GitlabDotcomCiPipelines, ("id", "_source_file")),
    "gitlab_dotcom_ci_runners": RawSchema(GitlabDotcomCiRunners, ("id", "_source_file")),
    "gitlab_dotcom_events": RawSchema(GitlabDotcomEvents, ("id", "_source_file")),
    "gitlab_dotcom_gitlab_subscriptions": RawSchema(GitlabDotcomGitlabSubscriptions, ("id", "_source_file")),
    "gainsight_instance_info": RawSchema(GainsightInstanceInfo, ("gsid", "_source_file")),
    "ip_to_geo_blocks_ipv4": RawSchema(IpToGeoBlocksIpv4, ("network", "_source_file")),
    "ip_to_geo_locations": RawSchema(IpToGeoLocations, ("geoname_id", "_source_file")),
    "releases_releases": RawSchema(ReleasesReleases, ("major_minor_version", "_source_file")),
}
