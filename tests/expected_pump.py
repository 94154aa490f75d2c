"""The Gainsight pump as the business rules say it should be, computed from the landing files
alone with the standard library: an independent second implementation for the pump tests.

Rules (DESIGN.md §5, docs/decisions.md and the pump model's documentation):
- a ping is identified by (uuid, hostname, recorded_at); a ping received twice counts once, at
  its first receipt; receipt = the envelope's received_at, else the date folder;
- an installation's ping of a month is its latest by receipt time (GitLab.com's own ping aside);
- its license maps to a subscription version by license md5, then license sha256 (licenses.csv),
  then the payload's license_subscription_id, each only if that version exists in Zuora;
- rows go to the subscription's latest version, and only if that version is Active or Cancelled;
- what a subscription sells: the products (Zuora product rate plans, classified by name as
  GitLab's catalog names them) of its latest version's recurring charges that are in force in
  some month; self-managed = it sells a Self-Managed product, SaaS = a SaaS one;
- a ping no license rule maps to any version maps through Gainsight: instance_info's record of
  its (uuid, hostname), case-insensitive, names a CRM account; the account's Zuora billing
  accounts hold exactly one paid self-managed subscription;
- a Seat Link report names a version too; the subscription's latest report of the month counts;
  a subscription with a report but no mapped ping in a month gets one row for the report's
  installation;
- a paid self-managed subscription with neither, in a month of its term that has any data, gets
  one row without installation;
- active users: the ping's (else the report's); billable and historical-max users: the report's
  (else the ping's); seats: Zuora's = the latest version's recurring charges in force in the
  month (start month <= month < end month) whose product licenses users (not storage, not
  Dedicated administration or storage), else the report's, else the ping's;
- delivery and deployment type of an instance row: Dedicated (SaaS) when the ping says
  gitlab_dedicated, Self-Managed for any other ping; without a ping what the subscription sells
  (Self-Managed before Dedicated), else Self-Managed;
- SaaS rows (GitLab.com): a top-level group's month (from its creation; the SaaS counters as
  tests/saas_usage/saas_landing.py recomputes them from the gitlab_dotcom exports) whose latest
  paid Customers Portal order covering the month's snapshot date names a Zuora version; the row
  goes to that subscription's latest version if it is paid and sells a SaaS product. Active
  users = the active_user_count counter, billable = gitlab_subscriptions.seats_in_use, historical
  max = max_seats_used, seats = Zuora's else gitlab_subscriptions.seats ('gitlabdotcom');
  instance_type from Gainsight's record of the namespace_id (latest modified); the instance
  flags (has_service_ping, has_seat_link, ...) are null.
- match rate: among the month's last pings of customer self-managed installations on a paid tier
  (no trial, not internal), the share that reach the pump by license, and by license or Gainsight.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tests.saas_usage.saas_landing import GitLabDotCom, expected_monthly_values, expected_subscriptions
from usage_platform.settings import DBT_PROJECT_DIR

PAID_STATUSES = {"Active", "Cancelled"}
PAID_TIERS = {"EES": "Starter", "EEP": "Premium", "EEU": "Ultimate"}
PLAN_TIERS = {"starter": "Starter", "premium": "Premium", "ultimate": "Ultimate"}
SENTINELS = {-1, -2, -1000}
SEEDS = DBT_PROJECT_DIR / "seeds"
SAAS_ACTIVE_USERS = "active_user_count"  # the SaaS counter of a namespace's active members


@dataclass(frozen=True)
class PumpRow:
    dim_subscription_id: str
    uuid: str | None
    hostname: str | None
    dim_namespace_id: str | None
    snapshot_month: dt.date
    delivery_type: str
    deployment_type: str
    subscription_mapping_source: str | None
    is_mapped_through_gainsight: bool
    instance_type: str | None
    has_service_ping: bool | None
    has_seat_link: bool | None
    seat_link_report_date: dt.date | None
    active_user_count: int | None
    billable_user_count: int | None
    max_historical_user_count: int | None
    license_user_count: int | None
    license_user_count_source: str | None
    instance_user_count_not_aligned: int | None
    is_data_in_subscription_month: bool
    is_latest_data: bool = False
    metrics: dict[str, float | None] = field(default_factory=dict, compare=False)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _documents(path: Path) -> list:
    """The JSON documents of one ping file; raises ValueError if the file is not readable JSON."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        text = handle.read()
    if ".ndjson" in path.name:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    document = json.loads(text)
    return document if isinstance(document, list) else [document]


def read_pings(landing: Path) -> tuple[list[dict], set[str]]:
    """(pings with their receipt time, files that cannot be read)."""
    pings, unreadable = [], set()
    for path in sorted((landing / "service_ping").glob("*/*")):
        if not path.is_file():
            continue
        try:
            documents = _documents(path)
        except (ValueError, OSError, EOFError):
            unreadable.add(f"service_ping/{path.parent.name}/{path.name}")
            continue
        folder_date = dt.datetime.fromisoformat(path.parent.name)
        for document in documents:
            if not isinstance(document, dict):
                continue
            is_envelope = isinstance(document.get("payload"), dict) and (
                "received_at" in document or "created_at" in document
            )
            payload = document["payload"] if is_envelope else document
            received = document.get("received_at") or document.get("created_at") if is_envelope else None
            created_at = dt.datetime.fromisoformat(received) if received else folder_date
            pings.append({"payload": payload, "created_at": created_at, "file": str(path)})
    return pings, unreadable


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _int(text: str | None) -> int | None:
    return int(text) if text not in (None, "") else None


def _first(*values):
    return next((v for v in values if v is not None), None)


def _month(day: dt.date | dt.datetime) -> dt.date:
    return dt.date(day.year, day.month, 1)


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


def _true(value) -> bool:
    return value is True or str(value).strip().lower() == "true"


def _lower(text: str | None) -> str | None:
    return text.strip().lower() if isinstance(text, str) else None


def metric_value(payload: dict, key_path: str) -> float | None:
    """The number at `key_path` in the payload; None when absent, not a number, or a sentinel."""
    node = payload
    for part in key_path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, int | float) or node in SENTINELS:
        return None
    return float(node)


def pump_metric_columns() -> list[tuple[str, str]]:
    """(key_path, column) of the seed gainsight_pump_metrics: which metrics the pump publishes."""
    return [(row["key_path"], row["column_name"]) for row in read_csv(SEEDS / "gainsight_pump_metrics.csv")]


def product_types(rate_plan_name: str) -> tuple[str, str, bool]:
    """(delivery type, deployment type, licenses users) of a Zuora product rate plan, from the names
    GitLab's catalog uses ('Self-Managed - Premium - 1 Year', 'SaaS - Ultimate - 1 Year', 'Gold',
    'Dedicated - Ultimate', 'Storage - 10GB', ...)."""
    name = rate_plan_name.strip().lower()
    if name.startswith("dedicated - administration"):
        return "Not Applicable", "Not Applicable", False
    if name.startswith("dedicated - storage"):
        return "SaaS", "GitLab.com", False
    if "saas - " in name or name.startswith(("gold", "silver")) or "bronze" in name:
        return "SaaS", "GitLab.com", True
    if "dedicated - ultimate" in name:
        return "SaaS", "Dedicated", True
    if any(tier in name for tier in ("ultimate", "premium", "starter")) or name.startswith(
        "gitlab enterprise edition"
    ):
        return "Self-Managed", "Self-Managed", True
    if "storage" in name:
        return "SaaS", "GitLab.com", False
    return "Others", "Others", True


class PumpExpectation:
    """Everything the pump depends on, read once from a landing zone."""

    def __init__(self, landing: Path) -> None:
        self.landing = landing
        self._read_zuora()
        self._read_licenses()
        self._read_gainsight()
        self._read_pings()
        self._read_seat_links()
        self.data_months = {month for (_, _, month) in self.last_of_month} | self.seat_link_months
        internal = read_csv(SEEDS / "gitlab_internal_installations.csv")
        self.internal_hostnames = {_lower(r["hostname"]) for r in internal if r["hostname"]}
        self.internal_uuids = {_lower(r["uuid"]) for r in internal if r["uuid"]}

    # --- Zuora ------------------------------------------------------------------------------------
    def _read_zuora(self) -> None:
        zuora = self.landing / "zuora"
        self.subscriptions = {row["Id"]: row for row in read_csv(zuora / "subscription.csv")}
        self.latest_by_name: dict[str, dict] = {}
        for row in self.subscriptions.values():
            current = self.latest_by_name.get(row["Name"])
            if current is None or int(row["Version"]) > int(current["Version"]):
                self.latest_by_name[row["Name"]] = row
        self.paid = {row["Id"]: row for row in self.latest_by_name.values() if row["Status"] in PAID_STATUSES}
        crm_by_billing = {row["Id"]: row["CrmId"] or None for row in read_csv(zuora / "account.csv")}
        self.crm_of = {sid: crm_by_billing.get(row["AccountId"]) for sid, row in self.paid.items()}
        catalog = {row["Id"]: product_types(row["Name"]) for row in read_csv(zuora / "product_rate_plan.csv")}
        plans = {row["Id"]: row for row in read_csv(zuora / "rate_plan.csv")}
        self.seat_charges: dict[str, list[tuple[Decimal, dt.date | None, dt.date | None]]] = defaultdict(list)
        self.sells: dict[str, set[tuple[str, str]]] = defaultdict(set)  # (delivery, deployment)
        for charge in read_csv(zuora / "rate_plan_charge.csv"):
            plan = plans.get(charge["RatePlanId"])
            if plan is None or plan["SubscriptionId"] not in self.paid or charge["ChargeType"] != "Recurring":
                continue
            product = catalog.get(plan["ProductRatePlanId"])
            if product is None:
                continue
            start, end = _date(charge["EffectiveStartDate"]), _date(charge["EffectiveEndDate"])
            if start is None or (end is not None and _month(end) <= _month(start)):
                continue  # in force in no month
            delivery, deployment, licenses_users = product
            self.sells[plan["SubscriptionId"]].add((delivery, deployment))
            if licenses_users:
                self.seat_charges[plan["SubscriptionId"]].append((Decimal(charge["Quantity"]), start, end))
        deliveries = {sid: {delivery for delivery, _ in sold} for sid, sold in self.sells.items()}
        self.self_managed = {sid for sid, sold in deliveries.items() if "Self-Managed" in sold}
        self.saas = {sid for sid, sold in deliveries.items() if "SaaS" in sold}
        per_account = Counter(self.crm_of[sid] for sid in self.self_managed if self.crm_of[sid])
        self.account_subscription = {
            self.crm_of[sid]: sid for sid in self.self_managed if per_account.get(self.crm_of[sid]) == 1
        }

    def instance_deployment(self, subscription: str) -> str:
        """Deployment of an instance row without ping: what the subscription sells."""
        sold = {deployment for _, deployment in self.sells.get(subscription, ())}
        return next((d for d in ("Self-Managed", "Dedicated") if d in sold), "Self-Managed")

    def paid_latest_id(self, version_id: str | None, name: str | None = None) -> str | None:
        name = self.subscriptions[version_id]["Name"] if version_id in self.subscriptions else name
        latest = self.latest_by_name.get(name) if name else None
        return latest["Id"] if latest and latest["Status"] in PAID_STATUSES else None

    def zuora_seats(self, subscription: str, month: dt.date) -> int | None:
        quantities = [
            quantity
            for quantity, start, end in self.seat_charges.get(subscription, [])
            if _month(start) <= month and (end is None or _month(end) > month)
        ]
        return int(sum(quantities)) if quantities else None

    # --- licenses and Gainsight -------------------------------------------------------------------
    def _read_licenses(self) -> None:
        licenses = read_csv(self.landing / "customers_db" / "licenses.csv")
        self.by_md5 = {r["license_md5"]: r["zuora_subscription_id"] for r in licenses if r["license_md5"]}
        self.by_sha256 = {
            r["license_sha256"]: r["zuora_subscription_id"] for r in licenses if r["license_sha256"]
        }

    def license_mapping(self, payload: dict) -> tuple[str | None, str | None]:
        """(subscription version, rule) of the first rule that names a version Zuora knows."""
        for rule, candidate in (
            ("license_md5", self.by_md5.get(payload.get("license_md5"))),
            ("license_sha256", self.by_sha256.get(payload.get("license_sha256"))),
            ("license_subscription_id", payload.get("license_subscription_id")),
        ):
            if candidate and candidate in self.subscriptions:
                return candidate, rule
        return None, None

    def _read_gainsight(self) -> None:
        latest_record: dict[str, dict] = {}
        for row in read_csv(self.landing / "gainsight" / "instance_info.csv"):
            current = latest_record.get(row["gsid"])
            if current is None or row["modified_date"] > current["modified_date"]:
                latest_record[row["gsid"]] = row
        self.gainsight: dict[tuple, dict] = {}
        self.gainsight_namespaces: dict[str, dict] = {}
        for _, row in sorted(latest_record.items()):  # by gsid: the smallest wins a tie
            namespace = (row.get("namespace_id") or "").strip()
            if namespace.isdigit():
                current = self.gainsight_namespaces.get(str(int(namespace)))
                if current is None or row["modified_date"] > current["modified_date"]:
                    self.gainsight_namespaces[str(int(namespace))] = row
            key = (_lower(row["instance_uuid"]), _lower(row["hostname"]))
            if not all(key):  # a namespace record, or an instance Gainsight names only in part
                continue
            current = self.gainsight.get(key)
            if current is None or row["modified_date"] > current["modified_date"]:
                self.gainsight[key] = row

    def gainsight_record(self, uuid: str | None, hostname: str | None) -> dict | None:
        key = (_lower(uuid), _lower(hostname))
        return self.gainsight.get(key) if all(key) else None

    # --- pings and Seat Link ----------------------------------------------------------------------
    def _read_pings(self) -> None:
        first_receipt: dict[tuple, dict] = {}
        pings, _ = read_pings(self.landing)
        for ping in sorted(pings, key=lambda p: (p["created_at"], p["file"])):
            p = ping["payload"]
            first_receipt.setdefault((p.get("uuid"), p.get("hostname"), p.get("recorded_at")), ping)
        last: dict[tuple, tuple] = {}
        for ping in first_receipt.values():
            p = ping["payload"]
            key = (p.get("uuid"), p.get("hostname"), _month(ping["created_at"]))
            order = (ping["created_at"], dt.datetime.fromisoformat(p["recorded_at"]))
            if key not in last or order > last[key][0]:
                last[key] = (order, ping)
        self.last_of_month = {key: ping for key, (_, ping) in last.items()}

    def _read_seat_links(self) -> None:
        self.seat_links: dict[tuple, dict] = {}
        self.seat_link_months: set[dt.date] = set()
        order_of: dict[tuple, tuple] = {}
        for report in read_csv(self.landing / "customers_db" / "license_seat_links.csv"):
            version, name = report["zuora_subscription_id"], report["zuora_subscription_name"]
            known_name = self.subscriptions[version]["Name"] if version in self.subscriptions else name
            month = _month(dt.date.fromisoformat(report["report_date"]))
            if known_name in self.latest_by_name:
                self.seat_link_months.add(month)
            subscription = self.paid_latest_id(version, name)
            if subscription is None:
                continue
            order = (dt.datetime.fromisoformat(report["report_timestamp"]), int(report["id"]))
            key = (subscription, month)
            if key not in self.seat_links or order > order_of[key]:
                self.seat_links[key], order_of[key] = report, order

    # --- classification of a ping -----------------------------------------------------------------
    def ping_subscription(self, payload: dict) -> tuple[str | None, str | None, bool]:
        """(paid subscription, mapping source, through Gainsight) of a ping; None when unmapped."""
        version, rule = self.license_mapping(payload)
        if version is not None:
            return self.paid_latest_id(version), rule, False
        record = self.gainsight_record(payload.get("uuid"), payload.get("hostname"))
        subscription = self.account_subscription.get(record["crm_acct_id"].strip()) if record else None
        return subscription, "gainsight", True

    def is_match_rate_ping(self, payload: dict) -> bool:
        """A customer's self-managed installation on a paid tier, not on a trial."""
        hostname, uuid = _lower(payload.get("hostname")), _lower(payload.get("uuid"))
        if hostname in self.internal_hostnames or uuid in self.internal_uuids:
            return False
        if (hostname or "").endswith(".gitlab.com"):
            return False
        if payload.get("installation_type") == "gitlab-development-kit":
            return False
        if _true(payload.get("gitlab_dedicated")) or _true(payload.get("license_trial")):
            return False
        edition = payload.get("edition")
        tier = PAID_TIERS.get(edition) or (
            PLAN_TIERS.get(str(payload.get("license_plan")).lower()) if edition == "EE" else None
        )
        return tier is not None


def expected_pump(landing: Path) -> dict[tuple, PumpRow]:
    """The pump's rows keyed by (subscription, uuid, hostname, namespace, month)."""
    world = PumpExpectation(landing)
    metrics = pump_metric_columns()
    rows: dict[tuple, PumpRow] = {}

    def add(subscription, uuid, hostname, month, payload, source, through_gainsight) -> None:
        p = payload or {}
        report = world.seat_links.get((subscription, month), {})
        zuora = world.zuora_seats(subscription, month)
        record = world.gainsight_record(uuid, hostname)
        ping_active, report_active = _count(p.get("active_user_count")), _int(report.get("active_user_count"))
        seats = [
            ("Zuora", zuora),
            ("Seat Link", _int(report.get("license_user_count"))),
            ("Service Ping", _count(p.get("license_user_count"))),
        ]
        license_source, license_count = next(((s, n) for s, n in seats if n is not None), (None, None))
        if payload is not None:
            deployment = "Dedicated" if _true(p.get("gitlab_dedicated")) else "Self-Managed"
        else:
            deployment = world.instance_deployment(subscription)
        rows[(subscription, uuid, hostname, None, month)] = PumpRow(
            dim_subscription_id=subscription,
            uuid=uuid,
            hostname=hostname,
            dim_namespace_id=None,
            snapshot_month=month,
            delivery_type="SaaS" if deployment == "Dedicated" else "Self-Managed",
            deployment_type=deployment,
            subscription_mapping_source=source,
            is_mapped_through_gainsight=through_gainsight,
            instance_type=(record["instancetype"].strip() or None) if record else None,
            has_service_ping=payload is not None,
            has_seat_link=bool(report),
            seat_link_report_date=_date(report.get("report_date")),
            active_user_count=_first(ping_active, report_active),
            billable_user_count=_first(report_active, _count(p.get("license_billable_users"))),
            max_historical_user_count=_first(
                _int(report.get("max_historical_user_count")), _count(p.get("historical_max_users"))
            ),
            license_user_count=license_count,
            license_user_count_source=license_source,
            instance_user_count_not_aligned=ping_active
            if None not in (ping_active, report_active) and ping_active != report_active
            else None,
            is_data_in_subscription_month=payload is not None or bool(report),
            metrics={column: metric_value(p, path) if payload else None for path, column in metrics},
        )

    for (uuid, hostname, month), ping in world.last_of_month.items():
        if _lower(hostname) == "gitlab.com":  # GitLab.com's usage is its namespaces'
            continue
        subscription, source, through_gainsight = world.ping_subscription(ping["payload"])
        if subscription is not None:
            add(subscription, uuid, hostname, month, ping["payload"], source, through_gainsight)
    with_pings = {(key[0], key[-1]) for key in rows}
    for (subscription, month), report in world.seat_links.items():
        if (subscription, month) not in with_pings:
            uuid, hostname = report["instance_identifier"] or None, report["hostname"] or None
            add(subscription, uuid, hostname, month, None, "seat_link", False)
    with_data = {(key[0], key[-1]) for key in rows}
    for subscription in world.self_managed:
        version = world.paid[subscription]
        first, last = _date(version["SubscriptionStartDate"]), _date(version["SubscriptionEndDate"])
        for month in world.data_months:
            in_term = first is not None and _month(first) <= month and (last is None or month <= _month(last))
            if in_term and (subscription, month) not in with_data:
                add(subscription, None, None, month, None, None, False)
    rows.update(expected_saas_rows(world, metrics))

    latest: dict[tuple, dt.date] = {}
    for key, row in rows.items():
        if row.is_data_in_subscription_month:
            latest[key[:4]] = max(latest.get(key[:4], row.snapshot_month), row.snapshot_month)
    for key, row in rows.items():
        is_latest = row.is_data_in_subscription_month and latest.get(key[:4]) == row.snapshot_month
        rows[key] = PumpRow(**{**row.__dict__, "is_latest_data": is_latest})
    return rows


def expected_saas_rows(world: PumpExpectation, metrics: list[tuple[str, str]]) -> dict[tuple, PumpRow]:
    """The GitLab.com rows: paid SaaS subscription x top-level group x month (see the module doc)."""
    tables = GitLabDotCom(world.landing / "gitlab_dotcom")
    values = expected_monthly_values(tables)  # (group, month, key path) -> counter value
    rows = {}
    for (namespace, month), version in expected_subscriptions(world.landing, tables).items():
        subscription = world.paid_latest_id(version) if version else None
        if subscription not in world.saas or (namespace, month, SAAS_ACTIVE_USERS) not in values:
            continue
        plan = tables.gitlab_subscriptions.get(namespace, {})
        zuora, seats = world.zuora_seats(subscription, month), _int(plan.get("seats"))
        source = "Zuora" if zuora is not None else "gitlabdotcom" if seats is not None else None
        record = world.gainsight_namespaces.get(str(namespace))
        rows[(subscription, None, None, str(namespace), month)] = PumpRow(
            dim_subscription_id=subscription,
            uuid=None,
            hostname=None,
            dim_namespace_id=str(namespace),
            snapshot_month=month,
            delivery_type="SaaS",
            deployment_type="GitLab.com",
            subscription_mapping_source="namespace_order",
            is_mapped_through_gainsight=False,
            instance_type=(record["instancetype"].strip() or None) if record else None,
            has_service_ping=None,
            has_seat_link=None,
            seat_link_report_date=None,
            active_user_count=values[(namespace, month, SAAS_ACTIVE_USERS)],
            billable_user_count=_int(plan.get("seats_in_use")),
            max_historical_user_count=_int(plan.get("max_seats_used")),
            license_user_count=_first(zuora, seats),
            license_user_count_source=source,
            instance_user_count_not_aligned=None,
            is_data_in_subscription_month=True,
            metrics={column: values.get((namespace, month, path)) for path, column in metrics},
        )
    return rows


def expected_match_rates(landing: Path) -> dict[dt.date, tuple[int, int, int]]:
    """month -> (eligible last pings, mapped by license, mapped by license or through Gainsight)."""
    world = PumpExpectation(landing)
    counts: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_, hostname, month), ping in world.last_of_month.items():
        payload = ping["payload"]
        if _lower(hostname) == "gitlab.com" or not world.is_match_rate_ping(payload):
            continue
        subscription, _, through_gainsight = world.ping_subscription(payload)
        counts[month][0] += 1
        if subscription is not None:
            counts[month][2] += 1
            counts[month][1] += not through_gainsight
    return {month: tuple(values) for month, values in counts.items()}


PUMP_FIELDS = tuple(name for name in PumpRow.__dataclass_fields__ if name != "metrics")


def pump_differences(actual_rows: list[dict], expected: dict[tuple, PumpRow]) -> dict[str, object]:
    """What differs between the pump's rows (dicts with PUMP_FIELDS and the metric columns) and
    the expectation: keys only on one side, and per shared key the fields that disagree."""
    actual = {
        (r["dim_subscription_id"], r["uuid"], r["hostname"], r["dim_namespace_id"], r["snapshot_month"]): r
        for r in actual_rows
    }
    mismatches = {}
    for key in actual.keys() & expected.keys():
        want = {**{name: getattr(expected[key], name) for name in PUMP_FIELDS}, **expected[key].metrics}
        got = actual[key]
        wrong = {name: (got[name], value) for name, value in want.items() if got[name] != value}
        if wrong:
            mismatches[key] = wrong
    return {
        "missing": sorted(map(str, expected.keys() - actual.keys())),
        "unexpected": sorted(map(str, actual.keys() - expected.keys())),
        "mismatches": mismatches,
    }


def pump_select_list() -> str:
    """The pump columns pump_differences compares, as a select list."""
    return ", ".join([*PUMP_FIELDS, *(column for _, column in pump_metric_columns())])
