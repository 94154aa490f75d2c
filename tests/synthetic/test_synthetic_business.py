"""Business invariants and planted messiness, checked from the files alone (as a loader would see them)."""

import datetime as dt
from collections import Counter, defaultdict

import pytest

from usage_platform.synthetic.business import build_business
from usage_platform.synthetic.config import GeneratorConfig
from usage_platform.synthetic.golden import GOLDEN_CUSTOMERS, GOLDEN_SAAS, GOLDEN_ULTIMATE, GOLDEN_UNMAPPED
from usage_platform.synthetic.metrics import METRIC_DEFINITIONS, PUMP_METRIC_KEY_PATHS
from usage_platform.synthetic.releases import release_calendar

END = dt.date(2026, 10, 31)


def recorded(record) -> dt.datetime:
    return dt.datetime.fromisoformat(record.payload["recorded_at"])


def lookup(payload: dict, dotted: str):
    node = payload
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return KeyError
        node = node[part]
    return node


class Mapper:
    """The documented cascade: license_md5, then license_sha256, then license_subscription_id."""

    def __init__(self, landing):
        self.licenses = landing.csv("customers_db/licenses.csv")
        self.by_md5 = {r["license_md5"]: r for r in self.licenses}
        self.by_sha = {r["license_sha256"]: r for r in self.licenses if r["license_sha256"]}
        self.versions = landing.csv("zuora/subscription.csv")
        self.version_by_id = {r["Id"]: r for r in self.versions}

    def path(self, payload) -> str:
        if payload["license_md5"] in self.by_md5:
            return "md5"
        if payload["license_sha256"] in self.by_sha:
            return "sha256"
        if payload["license_subscription_id"] in self.version_by_id:
            return "subscription_id"
        return "unmapped" if payload["license_sha256"] else "none"

    def subscription_name(self, payload) -> str | None:
        path = self.path(payload)
        if path == "md5":
            return self.by_md5[payload["license_md5"]]["zuora_subscription_name"] or None
        if path == "sha256":
            return self.by_sha[payload["license_sha256"]]["zuora_subscription_name"] or None
        if path == "subscription_id":
            return self.version_by_id[payload["license_subscription_id"]]["Name"]
        return None

    def latest_versions(self) -> dict[str, dict]:
        latest = {}
        for row in self.versions:
            if row["Name"] not in latest or int(row["Version"]) > int(latest[row["Name"]]["Version"]):
                latest[row["Name"]] = row
        return latest


@pytest.fixture(scope="module")
def mapper(landing):
    return Mapper(landing)


@pytest.fixture(scope="module")
def paths_by_uuid(landing, mapper):
    paths = defaultdict(set)
    for record in landing.pings:
        paths[record.payload["uuid"]].add(mapper.path(record.payload))
    return paths


def test_three_mapping_paths_in_similar_shares(paths_by_uuid):
    counts = Counter(path for paths in paths_by_uuid.values() for path in paths)
    paid = counts["md5"] + counts["sha256"] + counts["subscription_id"]
    for path in ("md5", "sha256", "subscription_id"):
        assert counts[path] >= 0.15 * paid, counts
    assert counts["unmapped"] >= 2 and counts["none"] >= 1, counts


def test_sha256_path_pings_carry_a_null_md5_key(landing, mapper):
    sha_path = [r.payload for r in landing.pings if mapper.path(r.payload) == "sha256"]
    assert sha_path and all("license_md5" in p and p["license_md5"] is None for p in sha_path)
    md5_path = [r.payload for r in landing.pings if mapper.path(r.payload) == "md5"]
    assert md5_path and all(tuple(map(int, p["version"].split(".")[:2])) < (16, 2) for p in md5_path)


def test_trial_instances_use_trial_licenses_without_subscription(landing, mapper):
    trials = [r.payload for r in landing.pings if r.payload["license_trial"]]
    assert trials
    for payload in trials:
        row = mapper.by_md5.get(payload["license_md5"]) or mapper.by_sha.get(payload["license_sha256"])
        assert row and row["trial"] == "true" and row["zuora_subscription_id"] == ""


def test_free_instances_send_null_license_fields(landing):
    free = [r.payload for r in landing.pings if r.payload["edition"] in ("CE", "EE Free")]
    assert free
    for payload in free:
        assert (
            payload["license_md5"] is None and payload["license_plan"] is None and payload["licensee"] is None
        )


def test_subscription_states_and_expired_instances_keep_pinging(landing, mapper):
    latest = mapper.latest_versions()
    statuses = Counter(row["Status"] for row in latest.values())
    assert statuses["Active"] and statuses["Cancelled"] and statuses["Expired"] and statuses["Draft"], (
        statuses
    )
    expired = {
        name
        for name, row in latest.items()
        if row["Status"] == "Expired" and dt.date.fromisoformat(row["TermEndDate"]) < END
    }
    after_expiry = [
        r
        for r in landing.pings
        if mapper.subscription_name(r.payload) in expired
        and recorded(r).date()
        >= dt.date.fromisoformat(latest[mapper.subscription_name(r.payload)]["TermEndDate"])
    ]
    assert after_expiry


def test_subscription_versions_chain(mapper):
    by_name = defaultdict(list)
    for row in mapper.versions:
        by_name[row["Name"]].append(row)
    assert any(len(rows) >= 3 for rows in by_name.values())
    for rows in by_name.values():
        rows.sort(key=lambda r: int(r["Version"]))
        assert [int(r["Version"]) for r in rows] == list(range(1, len(rows) + 1))
        assert all(r["OriginalId"] == rows[0]["Id"] for r in rows)
        assert rows[0]["PreviousSubscriptionId"] == ""
        assert all(rows[i]["PreviousSubscriptionId"] == rows[i - 1]["Id"] for i in range(1, len(rows)))


def test_some_licenses_point_at_an_older_subscription_version(mapper):
    latest = mapper.latest_versions()
    older = [
        r
        for r in mapper.licenses
        if r["zuora_subscription_id"]
        and r["zuora_subscription_id"] != latest[r["zuora_subscription_name"]]["Id"]
    ]
    assert older


# Point-in-time totals although their definitions say time_frame all: they may fall.
GAUGES = {
    "counts.ci_runners",
    "counts.ci_runners_instance_type_active",
    "counts.ci_runners_group_type_active",
    "counts.ci_runners_project_type_active",
    "counts.geo_nodes",
}


def test_all_time_counters_only_fall_on_the_restored_instance(landing, seed):
    all_time = [
        p
        for d in METRIC_DEFINITIONS
        if d.time_frame == "all" and d.value_type == "number" and d.key_path not in GAUGES
        for p in d.payload_key_paths()
    ]
    by_uuid = defaultdict(dict)
    for record in landing.pings:
        by_uuid[record.payload["uuid"]][record.payload["recorded_at"]] = record.payload
    falling = set()
    for uuid, payloads in by_uuid.items():
        last: dict[str, int] = {}
        for stamp in sorted(payloads, key=dt.datetime.fromisoformat):
            for path in all_time:
                value = lookup(payloads[stamp], path)
                if not isinstance(value, int) or value < 0:
                    continue  # absent, null or a sentinel
                if value < last.get(path, 0):
                    falling.add(uuid)
                last[path] = value
    config = GeneratorConfig(seed=seed)
    business = build_business(config, release_calendar(config.end_date))
    restored = {i.uuid for i in business.instances if i.counter_reset_on}
    assert len(restored) == 1
    assert falling == restored


def test_seat_link_instances_are_ping_uuids_and_gaps_exist(landing, mapper, paths_by_uuid):
    seat_links = landing.csv("customers_db/license_seat_links.csv")
    linked = {row["instance_identifier"] for row in seat_links}
    assert linked <= set(paths_by_uuid)
    paid = {u for u, paths in paths_by_uuid.items() if paths & {"md5", "sha256", "subscription_id"}}
    assert paid - linked, "an air-gapped paid instance sends no Seat Link"
    ping_months = {(r.payload["uuid"], r.payload["recorded_at"][:7]) for r in landing.pings}
    link_months = {(row["instance_identifier"], row["report_date"][:7]) for row in seat_links}
    assert link_months - ping_months, "Seat Link continues through months without pings"
    per_day = Counter((row["instance_identifier"], row["report_date"]) for row in seat_links)
    assert max(per_day.values()) == 1
    for row in seat_links[:200]:
        assert row["report_timestamp"].startswith(row["report_date"])


def test_installations_share_subscriptions_and_uuids_change_hostname(landing, mapper):
    installations = defaultdict(set)
    hostnames = defaultdict(set)
    for record in landing.pings:
        payload = record.payload
        hostnames[payload["uuid"]].add(payload["hostname"])
        name = mapper.subscription_name(payload)
        if name:
            installations[name].add((payload["uuid"], payload["hostname"]))
    assert any(len({uuid for uuid, _ in pairs}) >= 2 for pairs in installations.values())
    assert any(len(names) >= 2 for names in hostnames.values())


def test_active_users_mostly_within_the_license(landing):
    licensed = [r.payload for r in landing.pings if r.payload["license_user_count"]]
    over = [p for p in licensed if p["active_user_count"] > p["license_user_count"]]
    assert over and len(over) < 0.3 * len(licensed)


def test_sentinels_nulls_duplicates_and_late_files(landing):
    values = Counter()
    for record in landing.pings:
        for name in ("counts", "counts_monthly", "redis_hll_counters", "usage_activity_by_stage_monthly"):
            stack = [record.payload[name]]
            while stack:
                node = stack.pop()
                for value in node.values():
                    if isinstance(value, dict):
                        if value == {"-1": -1}:
                            values["histogram"] += 1
                        stack.append(value)
                    elif value in (-1, -2, -1000) or value is None:
                        values[value] += 1
    assert values[-1] and values[-2] and values[-1000] and values[None] and values["histogram"], values
    raw = Counter(record.raw for record in landing.pings)
    assert any(count > 1 for count in raw.values()), "some payloads are delivered twice"
    late = [r for r in landing.pings if (r.folder_date - recorded(r).astimezone(dt.UTC).date()).days >= 7]
    assert late
    assert any(not r.payload["recorded_at"].endswith("+00:00") for r in landing.pings)


def test_versions_never_run_ahead_of_releases(landing):
    releases = sorted(
        (dt.date.fromisoformat(r["release_date"]), tuple(map(int, r["major_minor_version"].split("."))))
        for r in landing.csv("releases/releases.csv")
    )
    versions = set()
    for record in landing.pings:
        day = recorded(record).astimezone(dt.UTC).date()
        version = tuple(map(int, record.payload["version"].split("-")[0].split(".")[:2]))
        newest = max(key for released, key in releases if released <= day)
        assert version <= newest, (record.payload["version"], day)
        versions.add(record.payload["version"])
    assert any(v.endswith("-ee") for v in versions) and any(v.endswith("-pre") for v in versions)


def test_newer_metrics_only_from_newer_versions_and_pump_metrics_always(landing):
    newest_metric = "redis_hll_counters.count_distinct_project_id_from_trigger_merge_request_review_monthly"
    seen_new = seen_old = False
    for record in landing.pings:
        payload = record.payload
        for path in PUMP_METRIC_KEY_PATHS:
            assert lookup(payload, path) is not KeyError, path
        version = tuple(map(int, payload["version"].split("-")[0].split(".")[:2]))
        present = lookup(payload, newest_metric) is not KeyError
        assert present == (version >= (19, 1))
        seen_new |= present
        seen_old |= not present
        if payload["edition"] == "CE":
            assert "epics" not in payload["counts"]
    assert seen_new and seen_old


def test_golden_customers(landing, mapper):
    accounts = {row["Id"]: row for row in landing.csv("salesforce/account.csv")}
    billing = {row["Id"]: row for row in landing.csv("zuora/account.csv")}
    latest = mapper.latest_versions()
    for golden in GOLDEN_CUSTOMERS:
        assert accounts[golden.crm_id]["Name"] == golden.account_name
        subscription = latest[golden.subscription_name]
        assert subscription["Status"] == golden.state
        assert billing[subscription["AccountId"]]["CrmId"] == golden.crm_id
        assert billing[subscription["AccountId"]]["AccountNumber"] == golden.billing_account_number
    weekly = [r for r in landing.pings if r.payload["hostname"] == GOLDEN_ULTIMATE.hostnames[0]]
    assert len({r.payload["recorded_at"] for r in weekly}) >= 26
    assert {mapper.subscription_name(r.payload) for r in weekly} == {GOLDEN_ULTIMATE.subscription_name}
    assert all(r.payload["uuid"] == GOLDEN_ULTIMATE.uuids[0] for r in weekly)
    orders = landing.csv("customers_db/orders.csv")
    assert any(
        o["gl_namespace_id"] == str(GOLDEN_SAAS.namespace_id)
        and o["subscription_name"] == GOLDEN_SAAS.subscription_name
        for o in orders
    )


def test_gainsight_reaches_unmapped_instances(landing, paths_by_uuid):
    rows = landing.csv("gainsight/instance_info.csv")
    unmapped = {u for u, paths in paths_by_uuid.items() if paths == {"unmapped"}}
    reached = [row for row in rows if row["instance_uuid"] in unmapped]
    assert len(reached) >= 2 and all(row["crm_acct_id"] for row in reached)
    assert any(row["instance_uuid"] == GOLDEN_UNMAPPED.uuids[0] for row in reached)
    types = Counter(row["instancetype"] for row in rows)
    assert types["Production"] and types["Non-Production"]
    assert any(row["namespace_id"] and not row["instance_uuid"] for row in rows)


def test_saas_subscriptions_link_through_orders(landing):
    subs = landing.csv("gitlab_dotcom/gitlab_subscriptions.csv")
    orders = landing.csv("customers_db/orders.csv")
    paid = [s for s in subs if s["hosted_plan_id"] in ("100", "101")]
    trials = [s for s in subs if s["trial"] == "true"]
    assert paid and trials
    ordered = {o["gl_namespace_id"] for o in orders if o["subscription_name"]}
    assert all(s["namespace_id"] in ordered for s in paid)


def test_personal_data_is_obviously_fake(landing):
    emails = [r["email"] for r in landing.csv("customers_db/licenses.csv")]
    emails += [r["Email"] for r in landing.csv("salesforce/user.csv")]
    emails += [r.payload["licensee"]["Email"] for r in landing.pings if r.payload["licensee"]]
    assert emails and all(e.endswith((".example.com", "@example.com", "@example.org")) for e in emails)
    assert all(r.payload["hostname"].endswith(".example") for r in landing.pings)
