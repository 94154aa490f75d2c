"""One writer per source system: business facts -> that system's export files, in its field names."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pyarrow as pa

from usage_platform.synthetic.config import GeneratorConfig, days
from usage_platform.synthetic.geo import CONTINENTS, COUNTRIES, all_blocks
from usage_platform.synthetic.metrics import dictionary_files
from usage_platform.synthetic.model import PAID_MAPPINGS, SHA256_RECORDED_FROM, Business, Instance, Order
from usage_platform.synthetic.releases import Release
from usage_platform.synthetic.saas import COLUMNS, build_saas_tables
from usage_platform.synthetic.service_ping import PayloadBuilder
from usage_platform.synthetic.subscriptions import CANCELLED
from usage_platform.synthetic.usage import UsageSeries
from usage_platform.synthetic.writers import LandingWriter

HEADERS = {
    "salesforce/account.csv": (
        "Id",
        "Name",
        "ParentId",
        "BillingCountry",
        "BillingCountryCode",
        "Industry",
        "Type",
        "OwnerId",
        "NumberOfEmployees",
        "CreatedDate",
        "LastModifiedDate",
        "IsDeleted",
    ),
    "salesforce/user.csv": ("Id", "Name", "Email", "IsActive", "Title", "UserRoleId", "CreatedDate"),
    "zuora/account.csv": (
        "Id",
        "AccountNumber",
        "Name",
        "CrmId",
        "Status",
        "Currency",
        "BillToId",
        "SoldToId",
        "Batch",
        "CreatedDate",
        "UpdatedDate",
    ),
    "zuora/subscription.csv": (
        "Id",
        "AccountId",
        "Name",
        "Status",
        "Version",
        "OriginalId",
        "PreviousSubscriptionId",
        "TermType",
        "TermStartDate",
        "TermEndDate",
        "SubscriptionStartDate",
        "SubscriptionEndDate",
        "AutoRenew",
        "CreatedDate",
        "UpdatedDate",
    ),
    "zuora/rate_plan.csv": (
        "Id",
        "SubscriptionId",
        "ProductRatePlanId",
        "Name",
        "AmendmentType",
        "CreatedDate",
        "UpdatedDate",
    ),
    "zuora/rate_plan_charge.csv": (
        "Id",
        "RatePlanId",
        "ProductRatePlanChargeId",
        "Name",
        "ChargeType",
        "ChargeModel",
        "Quantity",
        "MRR",
        "TCV",
        "EffectiveStartDate",
        "EffectiveEndDate",
        "BillingPeriod",
        "UnitOfMeasure",
        "Segment",
        "Version",
        "IsLastSegment",
    ),
    "zuora/product.csv": ("Id", "Name", "SKU", "Category", "EffectiveStartDate", "EffectiveEndDate"),
    "zuora/product_rate_plan.csv": (
        "Id",
        "ProductId",
        "Name",
        "Description",
        "EffectiveStartDate",
        "EffectiveEndDate",
    ),
    "customers_db/licenses.csv": (
        "id",
        "license_md5",
        "license_sha256",
        "zuora_subscription_id",
        "zuora_subscription_name",
        "plan_code",
        "trial",
        "users_count",
        "starts_at",
        "expires_at",
        "company",
        "email",
        "name",
        "created_at",
        "updated_at",
    ),
    "customers_db/orders.csv": (
        "id",
        "customer_id",
        "product_rate_plan_id",
        "subscription_id",
        "subscription_name",
        "gl_namespace_id",
        "quantity",
        "start_date",
        "end_date",
        "trial",
        "created_at",
        "updated_at",
    ),
    "customers_db/license_seat_links.csv": (
        "id",
        "zuora_subscription_id",
        "zuora_subscription_name",
        "order_id",
        "report_timestamp",
        "report_date",
        "active_user_count",
        "license_user_count",
        "max_historical_user_count",
        "hostname",
        "instance_identifier",
        "created_at",
        "updated_at",
    ),
    "gainsight/instance_info.csv": (
        "gsid",
        "crm_acct_id",
        "instance_uuid",
        "hostname",
        "namespace_id",
        "instancetype",
        "included_in_health_measures",
        "modified_date",
    ),
    "ip_to_geo/blocks_ipv4.csv": (
        "network",
        "geoname_id",
        "registered_country_geoname_id",
        "represented_country_geoname_id",
        "is_anonymous_proxy",
        "is_satellite_provider",
        "is_anycast",
    ),
    "ip_to_geo/locations.csv": (
        "geoname_id",
        "locale_code",
        "continent_code",
        "continent_name",
        "country_iso_code",
        "country_name",
        "is_in_european_union",
    ),
    "releases/releases.csv": ("major_minor_version", "release_date"),
    **{f"gitlab_dotcom/{table}.csv": columns for table, columns in COLUMNS.items() if table != "events"},
}
EVENTS_PARQUET = "gitlab_dotcom/events.parquet"
EVENTS_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("project_id", pa.int64()),
        ("author_id", pa.int64()),
        ("target_type", pa.string()),
        ("action", pa.int16()),
        ("created_at", pa.timestamp("us")),
    ]
)


def _csv(writer: LandingWriter, relative: str, rows) -> None:
    writer.write_csv(relative, HEADERS[relative], rows)


def _end_of(config: GeneratorConfig) -> dt.datetime:
    return dt.datetime.combine(config.end_date, dt.time(18))


def write_salesforce(writer: LandingWriter, business: Business, config: GeneratorConfig) -> None:
    rng = config.rng("salesforce_rows")
    last_edit = dt.datetime.combine(config.anchor_date, dt.time(18))  # a fact of the world, not of the export
    rows = []
    for c in business.customers:
        modified = min(
            last_edit, c.created + dt.timedelta(days=rng.randint(10, 1500), minutes=rng.randint(0, 600))
        )
        rows.append(
            (
                c.crm_id,
                c.name,
                c.parent_id,
                c.country.name,
                c.country.iso,
                c.industry,
                c.type,
                c.owner_id,
                c.employees,
                c.created,
                modified,
                c.is_deleted,
            )
        )
    _csv(writer, "salesforce/account.csv", rows)
    _csv(
        writer,
        "salesforce/user.csv",
        [(u.id, u.name, u.email, u.is_active, u.title, u.role_id, u.created) for u in business.sales_users],
    )


def write_zuora(writer: LandingWriter, business: Business, config: GeneratorConfig) -> None:
    last_change: dict[str, dt.datetime] = {}
    for subscription in business.subscriptions:
        moment = subscription.latest.created
        last_change[subscription.account_id] = max(moment, last_change.get(subscription.account_id, moment))
    accounts = []
    for c in business.customers:
        if c.billing:
            b = c.billing
            accounts.append(
                (
                    b.id,
                    b.number,
                    b.name,
                    b.crm_id,
                    "Active",
                    b.currency,
                    b.bill_to_id,
                    b.sold_to_id,
                    b.batch,
                    b.created,
                    last_change.get(b.id, b.created),
                )
            )
    _csv(writer, "zuora/account.csv", accounts)
    subscriptions, rate_plans, charges = [], [], []
    for s in business.subscriptions:
        original = s.versions[0].id
        for index, v in enumerate(s.versions):
            previous = s.versions[index - 1].id if index else None
            updated = s.versions[index + 1].created if index + 1 < len(s.versions) else v.created
            subscriptions.append(
                (
                    v.id,
                    s.account_id,
                    s.name,
                    v.status,
                    v.version,
                    original,
                    previous,
                    s.term_type,
                    v.term_start,
                    v.term_end,
                    s.start,
                    v.subscription_end,
                    s.auto_renew,
                    v.created,
                    updated,
                )
            )
            for plan in v.rate_plans:
                rate_plans.append(
                    (
                        plan.id,
                        v.id,
                        plan.product.rate_plan_id,
                        plan.product.rate_plan_name,
                        plan.amendment_type,
                        plan.created,
                        updated,
                    )
                )
                charges.extend(
                    (
                        ch.id,
                        plan.id,
                        ch.product_rate_plan_charge_id,
                        ch.name,
                        "Recurring",
                        "Per Unit Pricing",
                        ch.quantity,
                        ch.mrr,
                        ch.tcv,
                        ch.start,
                        ch.end,
                        "Annual",
                        "Seats",
                        ch.segment,
                        ch.segment,
                        ch.is_last_segment,
                    )
                    for ch in plan.charges
                )
    _csv(writer, "zuora/subscription.csv", subscriptions)
    _csv(writer, "zuora/rate_plan.csv", rate_plans)
    _csv(writer, "zuora/rate_plan_charge.csv", charges)
    _csv(
        writer,
        "zuora/product.csv",
        [(p.id, p.name, p.sku, p.category, p.effective_start, p.effective_end) for p in business.products],
    )
    _csv(
        writer,
        "zuora/product_rate_plan.csv",
        [
            (
                p.rate_plan_id,
                p.id,
                p.rate_plan_name,
                f"Annual per-seat subscription to {p.name}",
                p.effective_start,
                p.effective_end,
            )
            for p in business.products
        ],
    )


def write_customers_db(
    writer: LandingWriter, business: Business, builder: PayloadBuilder, config: GeneratorConfig
) -> None:
    licenses = []
    for lic in sorted(business.licenses, key=lambda lic: lic.id):
        if not lic.in_customers_db:
            continue
        sha256 = lic.sha256 if lic.created_at.date() >= SHA256_RECORDED_FROM else None
        updated = min(_end_of(config), lic.created_at + dt.timedelta(minutes=7))
        licenses.append(
            (
                lic.id,
                lic.md5,
                sha256,
                lic.subscription_id,
                lic.subscription_name,
                lic.plan,
                lic.trial,
                lic.users_count,
                lic.starts_at,
                lic.expires_at,
                lic.company,
                lic.email,
                lic.name,
                lic.created_at,
                updated,
            )
        )
    _csv(writer, "customers_db/licenses.csv", licenses)
    _csv(
        writer,
        "customers_db/orders.csv",
        [
            (
                o.id,
                o.customer_id,
                o.product_rate_plan_id,
                o.subscription_id,
                o.subscription_name,
                o.namespace_id,
                o.quantity,
                o.start_date,
                o.end_date,
                o.trial,
                o.created_at,
                o.created_at + dt.timedelta(minutes=2),
            )
            for o in sorted(business.orders, key=lambda o: o.id)
        ],
    )
    _csv(writer, "customers_db/license_seat_links.csv", seat_link_rows(business, builder, config))


def seat_link_rows(business: Business, builder: PayloadBuilder, config: GeneratorConfig) -> list[tuple]:
    """One Seat Link report per day per licensed, connected, paid instance; ids follow arrival order."""
    orders: dict[str, list[Order]] = defaultdict(list)
    for order in business.orders:
        if order.subscription_name:
            orders[order.subscription_name].append(order)
    cancelled = {s.name: s.latest.subscription_end for s in business.subscriptions if s.status == CANCELLED}
    reports = []
    for index, instance in enumerate(business.instances):
        if instance.seat_link and instance.mapping in PAID_MAPPINGS:
            reports.extend(_seat_links(instance, builder.usage_of(index), orders, cancelled, config))
    reports.sort(key=lambda row: (row[3], row[9]))  # by report time, then instance
    return [(number, *row) for number, row in enumerate(reports, start=310001)]


def _seat_links(instance: Instance, series: UsageSeries, orders, cancelled, config: GeneratorConfig):
    rng = config.rng("seat_link", instance.uuid)
    hour = rng.randrange(24)
    for day in days(max(config.start_date, instance.first_ping), min(instance.last_ping, config.end_date)):
        lic = instance.license_on(day)
        if lic is None or not lic.starts_at <= day < lic.expires_at:
            continue
        if lic.subscription_name in cancelled and day >= cancelled[lic.subscription_name]:
            continue
        order = next((o for o in orders[lic.subscription_name] if o.start_date <= day < o.end_date), None)
        stamp = dt.datetime.combine(day, dt.time(hour)) + dt.timedelta(seconds=rng.randrange(3600))
        created = stamp + dt.timedelta(seconds=rng.randint(1, 90))
        yield (
            lic.subscription_id,
            lic.subscription_name,
            order.id if order else None,
            stamp,
            day,
            series.active_on(day),
            lic.users_count,
            series.max_active_on(day),
            instance.hostname_on(day),
            instance.uuid,
            created,
            created,
        )


def write_gitlab_dotcom(writer: LandingWriter, business: Business, config: GeneratorConfig) -> None:
    tables = build_saas_tables(business, config)
    for table in COLUMNS:
        if table != "events":
            _csv(writer, f"gitlab_dotcom/{table}.csv", getattr(tables, table))
    writer.write_parquet(EVENTS_PARQUET, EVENTS_SCHEMA, sorted(tables.events))


def write_gainsight(writer: LandingWriter, business: Business, config: GeneratorConfig) -> None:
    rng = config.rng("gainsight_rows")
    edited = dt.datetime.combine(config.anchor_date, dt.time(18))  # a fact of the world, not of the export
    rows = []
    for instance in business.instances:
        if instance.in_gainsight and instance.customer:
            modified = edited - dt.timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 900))
            rows.append(
                (
                    instance.gainsight_id,
                    instance.customer.crm_id,
                    instance.uuid,
                    instance.hostname_on(config.end_date),
                    None,
                    instance.instance_type,
                    instance.instance_type == "Production",
                    modified,
                )
            )
    for ns in business.namespaces:
        if ns.in_gainsight and ns.customer:
            modified = edited - dt.timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 900))
            rows.append(
                (ns.gainsight_id, ns.customer.crm_id, None, None, ns.id, "Production", True, modified)
            )
    _csv(writer, "gainsight/instance_info.csv", rows)


def write_ip_to_geo(writer: LandingWriter) -> None:
    _csv(
        writer,
        "ip_to_geo/blocks_ipv4.csv",
        [
            (
                str(b.network),
                b.geoname_id,
                b.registered_country_geoname_id,
                b.represented_country_geoname_id,
                int(b.is_anonymous_proxy),
                int(b.is_satellite_provider),
                int(b.is_anycast),
            )
            for b in all_blocks()
        ],
    )
    locations = [
        (geoname_id, "en", code, name, None, None, 0) for code, (name, geoname_id) in CONTINENTS.items()
    ]
    locations += [
        (c.geoname_id, "en", c.continent_code, CONTINENTS[c.continent_code][0], c.iso, c.name, int(c.in_eu))
        for c in COUNTRIES
    ]
    _csv(writer, "ip_to_geo/locations.csv", sorted(locations))


def write_releases(writer: LandingWriter, calendar: tuple[Release, ...]) -> None:
    _csv(writer, "releases/releases.csv", [(r.label, r.date) for r in reversed(calendar)])


def write_metrics_dictionary(writer: LandingWriter) -> None:
    for relative, text in dictionary_files():
        writer.write_text(f"metrics_dictionary/{relative}", text)
