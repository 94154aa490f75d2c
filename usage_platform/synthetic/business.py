"""Builds the business behind the landing zone, before any file is written.

Customers (Salesforce accounts) buy subscriptions (Zuora) for self-managed instances or GitLab.com
namespaces (see `model` for how pings map to subscriptions). Golden customers come first with fixed
identities (`golden`); random customers follow, with the planted cases assigned to the first of them
so they exist at any seed and scale.

The world is shaped by the range up to `config.anchor_date` and simulated through `config.horizon_date`
(renewals, amendments, instances that keep pinging); `as_of` then cuts it at `config.end_date`. Nothing
here reads `end_date`, so end dates with the same anchor share one world (see `config`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from usage_platform.synthetic import names
from usage_platform.synthetic.config import GeneratorConfig, add_months
from usage_platform.synthetic.geo import COUNTRY_BY_ISO, ip_in, pick_country
from usage_platform.synthetic.golden import (
    GOLDEN_PARENT_NAME,
    GOLDEN_SAAS,
    GOLDEN_SELF_MANAGED,
    GOLDEN_ULTIMATE,
)
from usage_platform.synthetic.ids import (
    UniqueIds,
    gainsight_id,
    license_key,
    salesforce_id,
    salesforce_id_from,
    uuid4,
    zuora_id,
)
from usage_platform.synthetic.model import (
    FREE,
    MD5,
    MD5_LAST_VERSION,
    OLDEST_VERSION,
    PAID_MAPPINGS,
    SHA256,
    SUBSCRIPTION_ID,
    TRIAL,
    UNMAPPED,
    BillingAccount,
    Business,
    Customer,
    Instance,
    License,
    Namespace,
    Order,
    SalesforceUser,
    UpgradePolicy,
)
from usage_platform.synthetic.releases import Release
from usage_platform.synthetic.subscriptions import (
    ACTIVE,
    CANCELLED,
    DRAFT,
    EXPIRED,
    SAAS,
    SELF_MANAGED,
    Product,
    Subscription,
    SubscriptionFactory,
    SubscriptionPlan,
    build_catalog,
    find_product,
)

_INSTALLATION_NAMES = ("omnibus-gitlab", "helm-charts", "docker", "gitlab-operator", "source")
_INSTALLATION_WEIGHTS = (60, 12, 12, 4, 4)
_RANDOM_KIND_NAMES = (MD5, SHA256, SUBSCRIPTION_ID, UNMAPPED, TRIAL, FREE)
_RANDOM_KIND_WEIGHTS = (20, 20, 20, 6, 10, 14)
# The first random instances take these kinds so every planted case exists at small scale too.
_REQUIRED_KINDS = (TRIAL, FREE, UNMAPPED, SHA256, MD5, SUBSCRIPTION_ID, FREE)
_CURRENCY = {"DE": "EUR", "FR": "EUR", "NL": "EUR", "GB": "GBP", "JP": "JPY", "CH": "CHF"}
_OFFSETS = (60, 120, -300, -420, 330, 540, 600)


class _Builder:
    def __init__(self, config: GeneratorConfig, calendar: tuple[Release, ...]) -> None:
        self.config = config
        self.calendar = calendar
        self.start = config.start_date
        self.end = config.anchor_date  # what the range shapes is placed up to here
        self.horizon = config.horizon_date  # ongoing things (renewals, pings) run through here
        self.rng = config.rng("business")
        self.ids = UniqueIds()
        self.products = build_catalog(config.rng("catalog"), self.ids)
        self.factory = SubscriptionFactory(config.rng("zuora"), self.ids)
        self.sales_users = self._sales_users()
        self.customers: list[Customer] = []
        self.subscriptions: list[Subscription] = []
        self.licenses: list[License] = []
        self.orders: list[Order] = []
        self.instances: list[Instance] = []
        self.namespaces: list[Namespace] = []
        self._subscription_numbers = self.rng.sample(range(10000, 89999), 4 * config.instances + 50)
        self._next_license_id = 20001
        self._next_order_id = 500001
        self._next_portal_id = 70001
        self._next_namespace_id = 4_000_000 + self.rng.randrange(100_000)
        self._planted: list[str] = []  # planted kinds already handed out (see _first_of)

    # --- people and accounts ----------------------------------------------------------------------
    def _sales_users(self) -> tuple[SalesforceUser, ...]:
        rng = self.config.rng("salesforce_users")
        users = []
        for index in range(8):
            name = names.person_name(rng)
            users.append(
                SalesforceUser(
                    id=self.ids.draw(salesforce_id, rng, "005"),
                    name=name,
                    email=names.email(name, "sales-crm"),
                    is_active=index != 7,  # one owner left the company
                    title=names.TITLES[index % len(names.TITLES)],
                    role_id=salesforce_id_from(f"00E4M000000{index:04d}"),
                    created=self._moment(self.start - dt.timedelta(days=rng.randint(400, 2500)), rng),
                )
            )
        return tuple(users)

    def _moment(self, day: dt.date, rng: random.Random | None = None) -> dt.datetime:
        rng = rng or self.rng
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=rng.randint(7 * 3600, 20 * 3600))

    def _customer(
        self,
        since: dt.date,
        *,
        name=None,
        crm_id=None,
        country=None,
        parent_id=None,
        customer_type="Customer",
    ) -> Customer:
        name = name or names.company_name(self.rng)
        slug = names.slug(name)
        contact = names.person_name(self.rng)
        customer = Customer(
            crm_id=self.ids.claim(crm_id) if crm_id else self.ids.draw(salesforce_id, self.rng, "001"),
            name=name,
            slug=slug,
            country=country or pick_country(self.rng),
            industry=self.rng.choice(names.INDUSTRIES),
            type=customer_type,
            owner_id=self.rng.choice(self.sales_users).id,
            employees=self.rng.choice((25, 80, 250, 600, 1500, 4000, 12000)),
            created=self._moment(since - dt.timedelta(days=self.rng.randint(30, 400))),
            contact_name=contact,
            contact_email=names.email(contact, slug),
            parent_id=parent_id,
        )
        self.customers.append(customer)
        return customer

    def _bill(self, customer: Customer, number: str | None = None) -> Customer:
        """Give the customer a Zuora billing account (once) and a Customers Portal id."""
        customer = self._portal(customer)
        if customer.billing:
            return customer
        billing = BillingAccount(
            id=self.ids.draw(zuora_id, self.rng, "2c92a0fa"),
            number=number or f"A{self.rng.randrange(10**7, 9 * 10**7):08d}",
            name=customer.name,
            crm_id=customer.crm_id,
            currency=_CURRENCY.get(customer.country.iso, "USD"),
            bill_to_id=self.ids.draw(zuora_id, self.rng, "2c92a0f7"),
            sold_to_id=self.ids.draw(zuora_id, self.rng, "2c92a0f7"),
            batch=f"Batch{self.rng.randint(1, 20)}",
            created=customer.created + dt.timedelta(days=self.rng.randint(1, 20)),
        )
        return self._update(customer, billing=billing)

    def _portal(self, customer: Customer) -> Customer:
        """Customers Portal account (trial users get one without any Zuora account)."""
        if customer.portal_id:
            return customer
        self._next_portal_id += self.rng.randint(1, 40)
        return self._update(customer, portal_id=self._next_portal_id)

    def _update(self, customer: Customer, **changes) -> Customer:
        index = next(i for i, c in enumerate(self.customers) if c.crm_id == customer.crm_id)
        self.customers[index] = replace(self.customers[index], **changes)
        return self.customers[index]

    # --- subscriptions, orders, licenses ----------------------------------------------------------
    def _subscribe(
        self, customer: Customer, plan_args: dict, name: str | None = None, namespace_id: int | None = None
    ) -> tuple[Customer, Subscription]:
        customer = self._bill(customer)
        name = name or f"A-S000{self._subscription_numbers.pop():05d}"
        plan = SubscriptionPlan(
            name=name, account_id=customer.billing.id, **{"horizon": self.horizon, **plan_args}
        )
        subscription = self.factory.build(plan)
        self.subscriptions.append(subscription)
        if subscription.status != DRAFT:
            for term in subscription.terms():
                self._order(
                    customer,
                    term.product,
                    term.seats,
                    term.term_start,
                    term.term_end,
                    term.created,
                    subscription=(term.id, subscription.name),
                    namespace_id=namespace_id,
                )
        return customer, subscription

    def _order(
        self,
        customer: Customer,
        product: Product,
        quantity: int,
        start: dt.date,
        end: dt.date,
        created: dt.datetime,
        *,
        subscription: tuple[str, str] | None = None,
        namespace_id: int | None = None,
    ) -> Order:
        """A Customers Portal order; `subscription` is (version Id, name), None for trials."""
        order = Order(
            id=self._next_order_id,
            customer_id=customer.portal_id,
            product_rate_plan_id=product.rate_plan_id,
            subscription_id=subscription[0] if subscription else None,
            subscription_name=subscription[1] if subscription else None,
            namespace_id=namespace_id,
            quantity=quantity,
            start_date=start,
            end_date=end,
            trial=subscription is None,
            created_at=created,
        )
        self._next_order_id += self.rng.randint(1, 30)
        self.orders.append(order)
        return order

    def _licenses_for(
        self, customer: Customer, subscription: Subscription, in_db: bool
    ) -> tuple[License, ...]:
        """A license per version that changes the entitlement (new term, seats, tier); not on cancellation."""
        licenses = []
        for version in subscription.versions:
            if version.change == "cancel":
                continue
            renewing = version.change in ("new", "renewal")
            licenses.append(
                self._license(
                    customer,
                    plan=version.product.tier,
                    seats=version.seats,
                    starts=version.term_start if renewing else version.created.date(),
                    expires=version.term_end,
                    created=version.created,
                    subscription=(version.id, subscription.name),
                    in_db=in_db,
                )
            )
        return tuple(licenses)

    def _license(
        self,
        customer: Customer,
        *,
        plan: str,
        seats: int,
        starts: dt.date,
        expires: dt.date,
        created: dt.datetime,
        subscription: tuple[str, str] | None = None,
        in_db: bool = True,
        trial: bool = False,
    ) -> License:
        """`subscription` is (version Id, name) of the version current when the license was issued."""
        lic = License(
            id=self._next_license_id,
            key=license_key(self.rng),
            plan=plan,
            trial=trial,
            users_count=seats,
            starts_at=starts,
            expires_at=expires,
            created_at=created,
            company=customer.name,
            name=customer.contact_name,
            email=customer.contact_email,
            subscription_id=subscription[0] if subscription else None,
            subscription_name=subscription[1] if subscription else None,
            in_customers_db=in_db,
        )
        self._next_license_id += self.rng.randint(1, 25)
        self.licenses.append(lic)
        return lic

    # --- self-managed instances -------------------------------------------------------------------
    def _policy(self, mapping: str, rng: random.Random) -> UpgradePolicy:
        cadence = rng.choices((4, 13, 26, 520), weights=(40, 35, 15, 10))[0]
        phase = rng.randrange(cadence)
        if mapping == MD5:  # only versions before 16.2 send license_md5
            cap = rng.choice([r.key for r in self.calendar if OLDEST_VERSION <= r.key <= MD5_LAST_VERSION])
            return UpgradePolicy(rng.randint(30, 45), cadence, phase, OLDEST_VERSION, cap)
        floor = (16, 2) if mapping == SHA256 else OLDEST_VERSION
        lag = rng.choice((0, 0, 1, 1, 2, 3, 5, 8, 12, 20, 30))
        return UpgradePolicy(lag, cadence, phase, floor)

    def _instance(
        self,
        uuid: str,
        *,
        hostname: str,
        customer: Customer | None,
        mapping: str,
        first_ping: dt.date,
        last_ping: dt.date,
        licenses: tuple[License, ...] = (),
        subscription_name: str | None = None,
        golden: bool = False,
        **overrides,
    ) -> Instance:
        rng = self.config.rng("instance", uuid)
        installation = rng.choices(_INSTALLATION_NAMES, _INSTALLATION_WEIGHTS)[0]
        if mapping == FREE and (self._first_of("gdk") or rng.random() < 0.25):
            installation = "gitlab-development-kit"  # the first free instance is a developer's GDK
        suffix = "-pre" if installation == "gitlab-development-kit" else ""
        if mapping != FREE and rng.random() < 0.8:
            suffix = "-ee"  # EE packages report e.g. 17.3.1-ee
        paid = mapping in PAID_MAPPINGS
        values = dict(
            uuid=uuid,
            hostnames=((self.start, hostname),),
            customer=customer,
            mapping=mapping,
            licenses=licenses,
            subscription_name=subscription_name,
            installation_type=installation,
            free_edition=rng.choice(("CE", "CE", "EE Free")) if mapping == FREE else None,
            version_suffix=suffix,
            installed_on=first_ping - dt.timedelta(days=rng.randint(0, 1500)),
            first_ping=first_ping,
            last_ping=last_ping,
            ping_weekday=rng.randrange(7),
            # golden instances ping in the UTC working day, so each payload lands the day it is recorded
            ping_second=rng.randrange(3600, 20 * 3600) if golden else rng.randrange(86400),
            utc_offset_minutes=0 if golden or rng.random() < 0.85 else rng.choice(_OFFSETS),
            gap_months=(),
            seat_link=paid,
            upgrade=self._policy(mapping, rng),
            counter_reset_on=None,
            instance_type="Unknown" if rng.random() < 0.1 else "Production",
            in_gainsight=golden or (paid and rng.random() < 0.85),
            gainsight_id=gainsight_id(rng),
            source_ip=ip_in(rng, customer.country if customer else pick_country(rng)),
            over_licensed=not golden and paid and rng.random() < 0.12,
            golden=golden,
        )
        values.update(overrides)
        instance = Instance(**values)
        self.instances.append(instance)
        return instance

    def _first_of(self, kind: str) -> bool:
        """True the first time a planted kind is asked for, so it exists at any seed."""
        if kind in self._planted:
            return False
        self._planted.append(kind)
        return True

    def _range_day(self, first: int, margin: int) -> dt.date:
        """A day in the range, `first` days after its start at the earliest, `margin` days before its end."""
        span = (self.end - self.start).days
        return self.start + dt.timedelta(days=self.rng.randint(first, max(first + 1, span - margin)))

    def _first_ping(self, licenses) -> dt.date:
        return max(self.start, licenses[0].starts_at) if licenses else self.start

    def golden_self_managed(self) -> None:
        parent = self._customer(
            add_months(self.start, -40),
            name=GOLDEN_PARENT_NAME,
            country=COUNTRY_BY_ISO["US"],
            customer_type="Customer",
        )
        for golden in GOLDEN_SELF_MANAGED:
            customer = self._customer(
                add_months(self.start, -30),
                name=golden.account_name,
                crm_id=golden.crm_id,
                country=COUNTRY_BY_ISO["US"],
                parent_id=parent.crm_id if golden is GOLDEN_ULTIMATE else None,
            )
            customer = self._bill(customer, golden.billing_account_number)
            product = find_product(self.products, SELF_MANAGED, golden.tier)
            if golden.state == EXPIRED:  # the last term ended three months before the end date
                stop = add_months(self.end.replace(day=1), -3)
                plan = dict(
                    product=product,
                    seats=golden.seats,
                    start=add_months(stop, -24),
                    state=EXPIRED,
                    stop=stop,
                    amend=False,
                )
            else:
                plan = dict(
                    product=product,
                    seats=golden.seats,
                    start=add_months(self.start, -20),
                    state=ACTIVE,
                    amend=False,
                )
            customer, subscription = self._subscribe(customer, plan, name=golden.subscription_name)
            licenses = self._licenses_for(customer, subscription, in_db=golden.mapping in (MD5, SHA256))
            for index, (uuid, hostname) in enumerate(zip(golden.uuids, golden.hostnames, strict=True)):
                self._instance(
                    self.ids.claim(uuid),
                    hostname=hostname,
                    customer=customer,
                    mapping=golden.mapping,
                    first_ping=self._first_ping(licenses),
                    last_ping=self.horizon,
                    licenses=licenses,
                    subscription_name=subscription.name,
                    golden=True,
                    instance_type="Production" if index == 0 else "Non-Production",  # then a staging copy
                    seat_link=golden.mapping != UNMAPPED,
                )

    def random_self_managed(self) -> None:
        count = self.config.instances - sum(len(g.uuids) for g in GOLDEN_SELF_MANAGED)
        kinds = list(_REQUIRED_KINDS[:count])
        kinds += self.rng.choices(_RANDOM_KIND_NAMES, _RANDOM_KIND_WEIGHTS, k=count - len(kinds))
        for kind in kinds:
            if kind in (TRIAL, FREE):
                self._unpaid_instance(kind)
            else:
                self._paid_instance(kind, self._paid_state(kind))
        self._plant_traits()

    def _paid_state(self, mapping: str) -> str:
        """One cancelled subscription, about one in ten expired, the rest active."""
        if mapping not in PAID_MAPPINGS:
            return ACTIVE
        if self._first_of("cancelled"):
            return CANCELLED
        return EXPIRED if self.rng.random() < 0.1 else ACTIVE

    def _paid_instance(self, mapping: str, state: str) -> None:
        tier = self.rng.choices(("starter", "premium", "ultimate"), (10, 60, 30))[0]
        seats = self.rng.choice((10, 25, 50, 75, 100, 150, 200, 300, 500, 1000))
        if state == ACTIVE and self.rng.random() < 0.12:  # a new customer installs during the range
            start = self._range_day(10, (self.end - self.start).days // 2)
        else:
            start = self.start - dt.timedelta(days=self.rng.randint(30, 1400))
        stop = None
        if state == CANCELLED:
            stop = self._range_day(30, 20)
        elif state == EXPIRED:  # the last term ends inside the range; the instance keeps pinging
            stop = self._range_day(10, 30)
            start = add_months(stop, -12 * self.rng.randint(1, 3))
        upgrades = tier == "premium" and self.rng.random() < 0.25
        customer, subscription = self._subscribe(
            self._customer(start),
            dict(
                product=find_product(self.products, SELF_MANAGED, tier),
                seats=seats,
                start=start,
                state=state,
                stop=stop,
                upgrade_to=find_product(self.products, SELF_MANAGED, "ultimate") if upgrades else None,
                discount=self.rng.choice((0.0, 0.0, 0.1, 0.2, 0.3)),
            ),
        )
        licenses = self._licenses_for(customer, subscription, in_db=mapping in (MD5, SHA256))
        overrides = {"in_gainsight": True} if mapping == UNMAPPED and self._first_of("unmapped") else {}
        self._instance(
            self.ids.draw(uuid4, self.rng),
            hostname=names.hostname(customer.slug, self.rng),
            customer=customer,
            mapping=mapping,
            first_ping=self._first_ping(licenses),
            last_ping=self.horizon,
            licenses=licenses,
            subscription_name=subscription.name,
            **overrides,  # the first unmapped instance is reachable through Gainsight
        )

    def _unpaid_instance(self, kind: str) -> None:
        uuid = self.ids.draw(uuid4, self.rng)
        if kind == FREE:
            hostname = names.hostname(names.slug(names.company_name(self.rng)), self.rng)
            first = self.start if self.rng.random() < 0.7 else self._range_day(5, 60)
            self._instance(
                uuid, hostname=hostname, customer=None, mapping=FREE, first_ping=first, last_ping=self.horizon
            )
            return
        trial_start = self._range_day(0, 40)
        customer = self._customer(trial_start, customer_type="Prospect")
        lic = self._license(
            customer,
            plan="ultimate",
            seats=self.rng.choice((50, 100)),
            starts=trial_start,
            expires=trial_start + dt.timedelta(days=30),
            created=self._moment(trial_start),
            trial=True,
        )
        self._instance(
            uuid,
            hostname=names.hostname(customer.slug, self.rng),
            customer=customer,
            mapping=TRIAL,
            first_ping=trial_start,
            last_ping=min(self.horizon, trial_start + dt.timedelta(days=self.rng.randint(40, 120))),
            licenses=(lic,),
        )

    def _plant_traits(self) -> None:
        """Hostname change, counter reset, air gap, months without pings, a decommissioned instance, more
        active users than seats, a non-UTC clock: each on its own paid instance, so they exist at any seed."""
        paid = [
            i
            for i, inst in enumerate(self.instances)
            if not inst.golden
            and inst.mapping in PAID_MAPPINGS
            and inst.first_ping <= self.start + dt.timedelta(days=14)
        ]
        self.rng.shuffle(paid)
        mid = self.start + (self.end - self.start) / 2
        months = _months_between(add_months(self.start, 1), add_months(self.end, -1))
        traits = [
            lambda inst: {
                "hostnames": ((self.start, "legacy-" + inst.hostnames[0][1]), (mid, inst.hostnames[0][1]))
            },
            lambda inst: {"counter_reset_on": mid + dt.timedelta(days=10)},
            lambda inst: {"seat_link": False},
            lambda inst: {"gap_months": (self.rng.choice(months),) if months else ()},
            lambda inst: {"seat_link": False},
            lambda inst: {"gap_months": (self.rng.choice(months),) if months else ()},
            lambda inst: {"last_ping": self.end - dt.timedelta(days=self.rng.randint(20, 60))},
            lambda inst: {"over_licensed": True},
            lambda inst: {"utc_offset_minutes": 120},
        ]
        for index, trait in zip(paid, traits, strict=False):
            self.instances[index] = replace(self.instances[index], **trait(self.instances[index]))

    # --- SaaS namespaces --------------------------------------------------------------------------
    def _namespace_id(self) -> int:
        self._next_namespace_id += self.rng.randint(50, 40000)
        if self._next_namespace_id == GOLDEN_SAAS.namespace_id:
            self._next_namespace_id += 1
        return self._next_namespace_id

    def golden_saas(self) -> None:
        golden = GOLDEN_SAAS
        customer = self._customer(
            add_months(self.start, -26),
            name=golden.account_name,
            crm_id=golden.crm_id,
            country=COUNTRY_BY_ISO["DE"],
        )
        customer = self._bill(customer, golden.billing_account_number)
        plan = dict(
            product=find_product(self.products, SAAS, golden.tier),
            seats=golden.seats,
            start=add_months(self.start, -14),
            state=ACTIVE,
            amend=False,
        )
        customer, subscription = self._subscribe(
            customer, plan, golden.subscription_name, golden.namespace_id
        )
        self._add_namespace(
            golden.namespace_id,
            "Golden SaaS Group",
            golden.namespace_path,
            customer,
            golden.tier,
            subscription,
            golden=True,
        )

    def random_saas(self) -> None:
        kinds = ["paid", "trial", "free"]
        count = self.config.namespaces - 1
        kinds = kinds[:count] + self.rng.choices(("paid", "trial", "free"), (55, 20, 25), k=max(0, count - 3))
        for kind in kinds:
            namespace_id = self._namespace_id()
            if kind == "free":
                name = names.company_name(self.rng).split(" ")[0] + " Community"
                self._add_namespace(namespace_id, name, names.slug(name), None, "free", None)
                continue
            if kind == "trial":
                customer = self._customer(self.start, customer_type="Prospect")
                self._add_namespace(
                    namespace_id, customer.name, customer.slug, customer, "ultimate", None, trial=True
                )
                continue
            tier = self.rng.choice(("premium", "premium", "ultimate"))
            start = self.start - dt.timedelta(days=self.rng.randint(30, 900))
            customer = self._customer(start)
            plan = dict(
                product=find_product(self.products, SAAS, tier),
                seats=self.rng.choice((5, 10, 20, 40, 80)),
                start=start,
                state=ACTIVE,
            )
            customer, subscription = self._subscribe(customer, plan, namespace_id=namespace_id)
            self._add_namespace(namespace_id, customer.name, customer.slug, customer, tier, subscription)

    def _add_namespace(
        self, namespace_id, name, path, customer, plan, subscription, *, trial=False, golden=False
    ) -> None:
        rng = self.config.rng("namespace", namespace_id)
        trial_start = trial_end = None
        if trial:
            trial_start = self.start + dt.timedelta(
                days=rng.randint(0, max(1, (self.end - self.start).days - 31))
            )
            trial_end = trial_start + dt.timedelta(days=30)
            customer = self._portal(customer)
            product = find_product(self.products, SAAS, "ultimate")
            created = self._moment(trial_start, rng)
            self._order(customer, product, 0, trial_start, trial_end, created, namespace_id=namespace_id)
        seats = subscription.latest.seats if subscription else 0
        created = self._moment(
            subscription.start if subscription else self.start - dt.timedelta(days=rng.randint(30, 900)), rng
        )
        self.namespaces.append(
            Namespace(
                id=namespace_id,
                name=name,
                path=path,
                customer=customer,
                plan=plan,
                trial=trial,
                subscription=subscription,
                seats=seats,
                created_at=created - dt.timedelta(days=rng.randint(0, 60)),
                trial_starts_on=trial_start,
                trial_ends_on=trial_end,
                in_gainsight=subscription is not None,
                gainsight_id=gainsight_id(rng),
                golden=golden,
            )
        )

    # --- the rest of the CRM ----------------------------------------------------------------------
    def extras(self) -> None:
        """A draft upsell, a deleted account, prospects without any subscription, trial licenses' rows."""
        paid = [c for c in self.customers if c.billing and c.type == "Customer"]
        if paid:
            customer = self.rng.choice(paid)
            plan = dict(
                product=find_product(self.products, SAAS, "premium"),
                seats=15,
                start=self.end + dt.timedelta(days=14),
                state=DRAFT,
                horizon=self.end,  # quoted three days before the anchor, so every cut sees it
            )
            self._subscribe(customer, plan)
        self._update(self._customer(self.start), is_deleted=True, type="Prospect")
        for _ in range(3):
            self._customer(self.start, customer_type="Prospect")
        for instance in self.instances:
            if instance.mapping == TRIAL:
                lic, customer = instance.licenses[0], self._portal(instance.customer)
                product = find_product(self.products, SELF_MANAGED, "ultimate")
                self._order(customer, product, lic.users_count, lic.starts_at, lic.expires_at, lic.created_at)

    def finish(self) -> Business:
        self._settle_customer_types()
        customers = {c.crm_id: c for c in self.customers}
        instances = tuple(
            replace(i, customer=customers[i.customer.crm_id] if i.customer else None) for i in self.instances
        )
        namespaces = tuple(
            replace(n, customer=customers[n.customer.crm_id] if n.customer else None) for n in self.namespaces
        )
        return Business(
            self.sales_users,
            tuple(self.customers),
            self.products,
            tuple(self.subscriptions),
            tuple(self.licenses),
            tuple(self.orders),
            instances,
            namespaces,
        )

    def _settle_customer_types(self) -> None:
        """CRM type follows billing: Customer with a live subscription, Former Customer without one."""
        live = {s.account_id for s in self.subscriptions if s.status in (ACTIVE, DRAFT)}
        billed = {s.account_id for s in self.subscriptions}
        for index, customer in enumerate(self.customers):
            if customer.billing and customer.billing.id in billed and customer.type != "Prospect":
                kind = "Customer" if customer.billing.id in live else "Former Customer"
                self.customers[index] = replace(customer, type=kind)


def _months_between(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    months = []
    day = start.replace(day=1)
    while day <= end:
        months.append((day.year, day.month))
        day = add_months(day, 1)
    return months


def build_business(config: GeneratorConfig, calendar: tuple[Release, ...]) -> Business:
    builder = _Builder(config, calendar)
    builder.golden_self_managed()
    builder.random_self_managed()
    builder.golden_saas()
    builder.random_saas()
    builder.extras()
    return builder.finish()


def as_of(business: Business, cutoff: dt.date) -> Business:
    """The world as the source systems know it on `cutoff`: subscription versions, licenses and orders
    created later do not exist yet. A license never starts before it is created, so no ping or Seat Link
    report on or before `cutoff` needs one that is cut."""

    def known(moment: dt.datetime) -> bool:
        return moment.date() <= cutoff

    subscriptions = {}
    for subscription in business.subscriptions:
        versions = tuple(v for v in subscription.versions if known(v.created))
        if not versions:
            raise ValueError(f"subscription {subscription.name} has no version by {cutoff}")
        subscriptions[subscription.name] = replace(subscription, versions=versions)
    licenses = tuple(lic for lic in business.licenses if known(lic.created_at))
    kept = {lic.id for lic in licenses}
    return replace(
        business,
        subscriptions=tuple(subscriptions.values()),
        licenses=licenses,
        orders=tuple(order for order in business.orders if known(order.created_at)),
        instances=tuple(
            replace(instance, licenses=tuple(lic for lic in instance.licenses if lic.id in kept))
            for instance in business.instances
        ),
        namespaces=tuple(
            replace(n, subscription=subscriptions[n.subscription.name] if n.subscription else None)
            for n in business.namespaces
        ),
    )
