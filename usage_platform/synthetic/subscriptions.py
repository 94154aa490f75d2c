"""Zuora's side of the business: the product catalog and subscriptions with their versions.

Zuora keeps every amendment as a new subscription version (its own `Id`, `Version` n, `OriginalId` =
version 1's Id, `PreviousSubscriptionId`). Older versions keep the status they had; the latest carries
the business state (Active, Cancelled, Expired, Draft). Each version lists its rate plans, and each
recurring per-seat charge lists its segments (a new segment per quantity change or renewal term).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from usage_platform.synthetic.config import add_months
from usage_platform.synthetic.ids import UniqueIds, zuora_id

ACTIVE, CANCELLED, EXPIRED, DRAFT = "Active", "Cancelled", "Expired", "Draft"
SELF_MANAGED, SAAS = "self_managed", "saas"


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    sku: str
    category: str
    tier: str | None  # starter | premium | ultimate; None for add-ons and retired plans
    deployment: str | None
    rate_plan_id: str
    rate_plan_name: str
    charge_id: str  # the product rate plan charge subscriptions instantiate
    annual_price: float
    effective_start: dt.date
    effective_end: dt.date


_CATALOG = (
    # name, sku, category, tier, deployment, annual price per seat, effective start, effective end
    (
        "Self-Managed - Starter",
        "SKU-00000003",
        "Base Products",
        "starter",
        SELF_MANAGED,
        48.0,
        (2017, 1, 1),
        (2099, 12, 31),
    ),
    (
        "Self-Managed - Premium",
        "SKU-00000004",
        "Base Products",
        "premium",
        SELF_MANAGED,
        348.0,
        (2017, 1, 1),
        (2099, 12, 31),
    ),
    (
        "Self-Managed - Ultimate",
        "SKU-00000005",
        "Base Products",
        "ultimate",
        SELF_MANAGED,
        1188.0,
        (2017, 1, 1),
        (2099, 12, 31),
    ),
    ("SaaS - Premium", "SKU-00000104", "Base Products", "premium", SAAS, 348.0, (2018, 1, 1), (2099, 12, 31)),
    (
        "SaaS - Ultimate",
        "SKU-00000105",
        "Base Products",
        "ultimate",
        SAAS,
        1188.0,
        (2018, 1, 1),
        (2099, 12, 31),
    ),
    ("SaaS - Bronze", "SKU-00000102", "Base Products", None, SAAS, 48.0, (2018, 1, 1), (2021, 1, 26)),
    ("Storage - 10GB", "SKU-00000201", "Add-on Services", None, None, 60.0, (2020, 6, 1), (2099, 12, 31)),
)


def build_catalog(rng: random.Random, ids: UniqueIds) -> tuple[Product, ...]:
    products = []
    for name, sku, category, tier, deployment, price, start, end in _CATALOG:
        products.append(
            Product(
                id=ids.draw(zuora_id, rng, "2c92a0ff"),
                name=name,
                sku=sku,
                category=category,
                tier=tier,
                deployment=deployment,
                rate_plan_id=ids.draw(zuora_id, rng, "2c92a0fc"),
                rate_plan_name=f"{name} - 1 Year",
                charge_id=ids.draw(zuora_id, rng, "2c92a0fb"),
                annual_price=price,
                effective_start=dt.date(*start),
                effective_end=dt.date(*end),
            )
        )
    return tuple(products)


def find_product(catalog: tuple[Product, ...], deployment: str, tier: str) -> Product:
    return next(p for p in catalog if p.deployment == deployment and p.tier == tier)


@dataclass(frozen=True)
class Charge:
    id: str
    name: str
    quantity: int
    mrr: float
    tcv: float
    start: dt.date
    end: dt.date
    segment: int
    is_last_segment: bool
    product_rate_plan_charge_id: str


@dataclass(frozen=True)
class RatePlan:
    id: str
    product: Product
    amendment_type: str | None  # None on version 1, else NewProduct | UpdateProduct | RemoveProduct
    created: dt.datetime
    charges: tuple[Charge, ...]


@dataclass(frozen=True)
class SubscriptionVersion:
    id: str
    version: int
    status: str
    term_start: dt.date
    term_end: dt.date
    subscription_end: dt.date
    created: dt.datetime
    rate_plans: tuple[RatePlan, ...]
    change: str  # new | renewal | seats | upgrade | cancel (why the version exists)

    @property
    def seats(self) -> int:
        """Seats of the base product in force at the version's latest segment."""
        live = [plan for plan in self.rate_plans if plan.amendment_type != "RemoveProduct"]
        return live[-1].charges[-1].quantity

    @property
    def product(self) -> Product:
        return [plan for plan in self.rate_plans if plan.amendment_type != "RemoveProduct"][-1].product


@dataclass(frozen=True)
class Subscription:
    name: str
    account_id: str
    deployment: str
    term_type: str
    auto_renew: bool
    start: dt.date
    versions: tuple[SubscriptionVersion, ...]

    @property
    def latest(self) -> SubscriptionVersion:
        return self.versions[-1]

    @property
    def status(self) -> str:
        return self.latest.status

    def version_on(self, day: dt.date) -> SubscriptionVersion:
        """The newest version created on or before `day` (version 1 before that)."""
        current = self.versions[0]
        for version in self.versions:
            if version.created.date() <= day:
                current = version
        return current

    def terms(self) -> list[SubscriptionVersion]:
        """The first version of every term (version 1 and each renewal)."""
        return [v for v in self.versions if v.change in ("new", "renewal")]

    def term_on(self, day: dt.date) -> SubscriptionVersion | None:
        for version in reversed(self.terms()):
            if version.term_start <= day < version.term_end:
                return version
        return None


@dataclass
class _Segment:
    quantity: int
    start: dt.date
    end: dt.date


@dataclass
class _PlanState:
    product: Product
    segments: list[_Segment]
    amendment_type: str | None
    removed: bool = False


@dataclass(frozen=True)
class SubscriptionPlan:
    """What the business model decided; `build_subscription` turns it into Zuora versions."""

    name: str
    account_id: str
    product: Product
    seats: int
    start: dt.date
    state: str  # Active | Cancelled | Expired | Draft
    horizon: dt.date  # nothing is created after this day (the generator's end date)
    stop: dt.date | None = None  # cancellation date, or the day the last term must end by (Expired)
    upgrade_to: Product | None = None
    discount: float = 0.0
    amend: bool = True  # random mid-term amendments (golden subscriptions keep a fixed shape)


class SubscriptionFactory:
    def __init__(self, rng: random.Random, ids: UniqueIds) -> None:
        self.rng = rng
        self.ids = ids

    def build(self, plan: SubscriptionPlan) -> Subscription:
        term_end = add_months(plan.start, 12)
        states = [_PlanState(plan.product, [_Segment(plan.seats, plan.start, term_end)], None)]
        created = min(plan.start, plan.horizon - dt.timedelta(days=3))  # drafts are quoted before they start
        events = [("new", self._at(created), plan.start, term_end, term_end)]
        if plan.state == DRAFT:
            versions = self._versions(plan, events, [states], DRAFT)
            return self._subscription(plan, versions)
        snapshots = [self._copy(states)]
        term_start = plan.start
        upgraded = False
        while True:
            for change, day in self._amendments(plan, term_start, term_end, upgraded):
                if change == "upgrade":
                    self._upgrade(states, plan.upgrade_to, day, term_end)
                    upgraded = True
                else:
                    self._add_seats(states, day, term_end)
                events.append((change, self._at(day), term_start, term_end, term_end))
                snapshots.append(self._copy(states))
            if plan.state == CANCELLED and plan.stop and plan.stop < term_end:
                self._cut(states, plan.stop)
                events.append(("cancel", self._at(plan.stop), term_start, term_end, plan.stop))
                snapshots.append(self._copy(states))
                break
            renewal_created = term_end - dt.timedelta(days=self.rng.randint(5, 40))
            must_expire = (
                plan.state == EXPIRED and plan.stop is not None and add_months(term_end, 12) > plan.stop
            )
            if must_expire or renewal_created > plan.horizon:
                break
            term_start, term_end = term_end, add_months(term_end, 12)
            self._renew(states, term_start, term_end)
            events.append(("renewal", self._at(renewal_created), term_start, term_end, term_end))
            snapshots.append(self._copy(states))
        versions = self._versions(plan, events, snapshots, plan.state)
        return self._subscription(plan, versions)

    # --- amendments -------------------------------------------------------------------------------
    def _amendments(self, plan, term_start, term_end, upgraded):
        """Mid-term changes: seat true-ups, and one tier upgrade if planned."""
        changes = []
        last_day = min(term_end - dt.timedelta(days=45), plan.horizon)
        if plan.stop:
            last_day = min(last_day, plan.stop - dt.timedelta(days=10))
        span = (last_day - term_start).days
        if span < 30 or not plan.amend:
            return changes
        if self.rng.random() < 0.45:
            changes.append(("seats", term_start + dt.timedelta(days=self.rng.randint(20, span))))
        if plan.upgrade_to and not upgraded and self.rng.random() < 0.6:
            day = term_start + dt.timedelta(days=self.rng.randint(20, span))
            if any(day == other for _, other in changes):
                day += dt.timedelta(days=1)  # one amendment per day keeps segments non-empty
            changes.append(("upgrade", day))
        return sorted(changes, key=lambda change: change[1])

    def _add_seats(self, states, day, term_end):
        live = self._live(states)
        current = live.segments[-1]
        current.end = day
        extra = max(1, round(current.quantity * self.rng.uniform(0.05, 0.3)))
        live.segments.append(_Segment(current.quantity + extra, day, term_end))
        live.amendment_type = "UpdateProduct"

    def _upgrade(self, states, product, day, term_end):
        live = self._live(states)
        live.segments[-1].end = day
        live.amendment_type, live.removed = "RemoveProduct", True
        states.append(
            _PlanState(product, [_Segment(live.segments[-1].quantity, day, term_end)], "NewProduct")
        )

    def _renew(self, states, term_start, term_end):
        states[:] = [state for state in states if not state.removed]  # removed plans end with their term
        live = self._live(states)
        live.segments.append(_Segment(live.segments[-1].quantity, term_start, term_end))

    def _cut(self, states, day):
        live = self._live(states)
        live.segments[-1].end = day
        live.amendment_type = "UpdateProduct"

    @staticmethod
    def _live(states) -> _PlanState:
        return next(state for state in reversed(states) if not state.removed)

    @staticmethod
    def _copy(states) -> list[_PlanState]:
        return [
            _PlanState(
                s.product,
                [_Segment(g.quantity, g.start, g.end) for g in s.segments],
                s.amendment_type,
                s.removed,
            )
            for s in states
        ]

    # --- materialising versions -------------------------------------------------------------------
    def _at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(
            seconds=self.rng.randint(8 * 3600, 19 * 3600)
        )

    def _versions(self, plan, events, snapshots, final_state):
        versions = []
        for number, ((change, created, term_start, term_end, sub_end), states) in enumerate(
            zip(events, snapshots, strict=True), start=1
        ):
            status = final_state if number == len(events) else ACTIVE
            rate_plans = tuple(self._rate_plan(plan, state, created, number) for state in states)
            versions.append(
                SubscriptionVersion(
                    id=self.ids.draw(zuora_id, self.rng, "2c92a0fd"),
                    version=number,
                    status=status,
                    term_start=term_start,
                    term_end=term_end,
                    subscription_end=sub_end if change == "cancel" else term_end,
                    created=created,
                    rate_plans=rate_plans,
                    change=change,
                )
            )
        return tuple(versions)

    def _rate_plan(self, plan, state: _PlanState, created, number) -> RatePlan:
        price = state.product.annual_price * (1 - plan.discount)
        charges = []
        for index, segment in enumerate(state.segments, start=1):
            months = max(1, round((segment.end - segment.start).days / 30.44))
            charges.append(
                Charge(
                    id=self.ids.draw(zuora_id, self.rng, "2c92a0f9"),
                    name=f"{state.product.name} - Seats",
                    quantity=segment.quantity,
                    mrr=round(segment.quantity * price / 12, 2),
                    tcv=round(segment.quantity * price * months / 12, 2),
                    start=segment.start,
                    end=segment.end,
                    segment=index,
                    is_last_segment=index == len(state.segments),
                    product_rate_plan_charge_id=state.product.charge_id,
                )
            )
        return RatePlan(
            id=self.ids.draw(zuora_id, self.rng, "2c92a0fe"),
            product=state.product,
            amendment_type=None if number == 1 else state.amendment_type,
            created=created,
            charges=tuple(charges),
        )

    def _subscription(self, plan, versions) -> Subscription:
        return Subscription(
            name=plan.name,
            account_id=plan.account_id,
            deployment=plan.product.deployment,
            term_type="TERMED",
            auto_renew=plan.state == ACTIVE and self.rng.random() < 0.7,
            start=plan.start,
            versions=versions,
        )
