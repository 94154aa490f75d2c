"""Freshness policies: every raw table, mart and pump has one, following its source's cadence as
dbt/models/sources/sources.yml declares it (read here with yaml, not through the catalog)."""

from __future__ import annotations

import datetime as dt
from collections import deque

import dagster as dg
import pytest
import yaml

from tests.conftest import settings_for
from usage_platform.definitions import build_definitions
from usage_platform.settings import DBT_PROJECT_DIR
from usage_platform.trusted_data import freshness
from usage_platform.trusted_data.freshness import (
    BUILD_ALLOWANCE,
    CADENCE_WINDOWS,
    FreshnessError,
    apply_freshness_policies,
    freshness_state,
    plan_freshness,
)

HOUR = 3600.0
DAY = 24 * HOUR
# What each cadence allows, in hours (warn, fail): written out here, not read from the module.
EXPECTED_HOURS = {"daily": (30, 48), "weekly": (8 * 24, 15 * 24), "monthly": (35 * 24, 62 * 24)}
SPEED = ("daily", "weekly", "monthly")


def declared_cadences() -> dict[dg.AssetKey, str]:
    document = yaml.safe_load((DBT_PROJECT_DIR / "models" / "sources" / "sources.yml").read_text())
    cadences = {}
    for source in document["sources"]:
        source_meta = {**source.get("meta", {}), **source.get("config", {}).get("meta", {})}
        for table in source["tables"]:
            meta = {**source_meta, **table.get("meta", {}), **table.get("config", {}).get("meta", {})}
            cadences[dg.AssetKey(["raw", table.get("identifier", table["name"])])] = meta["cadence"]
    return cadences


def hours(window) -> float:
    return window.to_timedelta().total_seconds() / HOUR


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    defs = build_definitions(settings_for(tmp_path_factory.mktemp("freshness") / "data"))
    return defs.resolve_asset_graph()


def upstream_raw(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen, queue, found = set(), deque([key]), set()
    while queue:
        for parent in graph.get(queue.popleft()).parent_keys:
            if parent in seen or not graph.has(parent):
                continue
            seen.add(parent)
            if parent.path[0] == "raw":
                found.add(parent)
            else:
                queue.append(parent)
    return found


def test_every_raw_table_follows_its_declared_cadence(graph):
    cadences = declared_cadences()
    raw_nodes = [node for node in graph.asset_nodes if node.group_name == "raw"]
    assert {node.key for node in raw_nodes} == set(cadences)
    assert {"daily", "weekly", "monthly"} <= set(cadences.values())
    for node in raw_nodes:
        policy = node.freshness_policy
        assert isinstance(policy, dg.FreshnessPolicy), node.key
        warn, fail = EXPECTED_HOURS[cadences[node.key]]
        assert (hours(policy.warn_window), hours(policy.fail_window)) == (warn, fail), node.key
    # Service Ping is weekly, Seat Link and the business systems daily (DESIGN.md §6).
    assert cadences[dg.AssetKey(["raw", "service_ping_payloads"])] == "weekly"
    assert cadences[dg.AssetKey(["raw", "customers_db_license_seat_links"])] == "daily"
    assert cadences[dg.AssetKey(["raw", "zuora_subscription"])] == "daily"


def test_every_mart_and_pump_follows_its_fastest_upstream_source(graph):
    cadences = declared_cadences()
    built = [node for node in graph.asset_nodes if node.group_name in ("marts", "pumps")]
    assert any(node.group_name == "pumps" for node in built) and any(n.group_name == "marts" for n in built)
    allowance = BUILD_ALLOWANCE.total_seconds() / HOUR
    followed = set()
    for node in built:
        sources = upstream_raw(graph, node.key)
        assert sources, f"{node.key.to_user_string()} reads no raw table"
        cadence = min((cadences[source] for source in sources), key=SPEED.index)
        followed.add(cadence)
        warn, fail = EXPECTED_HOURS[cadence]
        policy = node.freshness_policy
        assert isinstance(policy, dg.FreshnessPolicy), node.key
        actual = (hours(policy.warn_window), hours(policy.fail_window))
        assert actual == (warn + allowance, fail + allowance), node.key
        assert node.metadata["freshness_cadence"].startswith(cadence)
    pump = graph.get(dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid"]))
    assert hours(pump.freshness_policy.fail_window) == 48 + allowance  # rebuilt daily


def test_other_layers_have_no_policy(graph):
    for node in graph.asset_nodes:
        if node.group_name not in ("raw", "marts", "pumps"):
            assert node.freshness_policy is None, node.key


def test_the_windows_are_the_documented_ones():
    assert {
        name: (hours_of(w.warn), hours_of(w.fail)) for name, w in CADENCE_WINDOWS.items()
    } == EXPECTED_HOURS


def hours_of(delta: dt.timedelta) -> float:
    return delta.total_seconds() / HOUR


def key(path: str) -> dg.AssetKey:
    return dg.AssetKey(path.split("/"))


def test_plan_on_a_small_graph():
    groups = {
        key("raw/pings"): "raw",
        key("raw/orders"): "raw",
        key("prep/p"): "prep",
        key("marts/pings_only"): "marts",
        key("pumps/pump"): "pumps",
    }
    parents = {
        key("prep/p"): [key("raw/pings")],
        key("marts/pings_only"): [key("prep/p")],
        key("pumps/pump"): [key("marts/pings_only"), key("raw/orders")],
    }
    cadences = {key("raw/pings"): "weekly", key("raw/orders"): "daily"}
    plan = plan_freshness(groups, parents, cadences)
    assert set(plan) == {key("raw/pings"), key("raw/orders"), key("marts/pings_only"), key("pumps/pump")}
    assert plan[key("marts/pings_only")].cadence == "weekly"
    assert plan[key("marts/pings_only")].follows == (key("raw/pings"),)
    assert plan[key("marts/pings_only")].window.fail == dt.timedelta(days=15) + BUILD_ALLOWANCE
    assert plan[key("pumps/pump")].cadence == "daily"
    assert plan[key("pumps/pump")].follows == (key("raw/orders"),)
    assert plan[key("raw/pings")].window.warn == dt.timedelta(days=8)


def test_plan_refuses_what_it_cannot_follow():
    with pytest.raises(FreshnessError, match="reads no raw table"):
        plan_freshness({key("marts/seed_only"): "marts"}, {}, {})
    with pytest.raises(FreshnessError, match=r"not in sources\.yml"):
        plan_freshness({key("raw/unknown"): "raw"}, {}, {})
    with pytest.raises(FreshnessError, match="hourly"):
        freshness.window_for("hourly")


def test_apply_keeps_a_policy_an_asset_declares(monkeypatch):
    own = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=2))
    monkeypatch.setattr(freshness, "source_cadences", lambda: {key("raw/a"): "daily"})
    defs = dg.Definitions(
        assets=[
            dg.AssetSpec(key("raw/a"), group_name="raw"),
            dg.AssetSpec(key("marts/b"), group_name="marts", deps=[key("raw/a")], freshness_policy=own),
        ]
    )
    specs = {spec.key: spec for spec in apply_freshness_policies(defs).resolve_all_asset_specs()}
    assert specs[key("marts/b")].freshness_policy == own
    assert hours(specs[key("raw/a")].freshness_policy.fail_window) == 48
    assert specs[key("raw/a")].metadata["freshness_cadence"] == "daily (follows raw/a)"


def test_state_follows_dagsters_time_window_rule():
    policy = dg.FreshnessPolicy.time_window(
        fail_window=dt.timedelta(hours=48), warn_window=dt.timedelta(hours=30)
    )
    now = 1_000_000_000.0
    assert freshness_state(policy, now - 29 * HOUR, now) == "PASS"
    assert freshness_state(policy, now - 30 * HOUR, now) == "WARN"
    assert freshness_state(policy, now - 2 * DAY, now) == "FAIL"
    assert freshness_state(policy, None, now) == "UNKNOWN"
    assert freshness_state(None, now, now) == "NOT_APPLICABLE"
