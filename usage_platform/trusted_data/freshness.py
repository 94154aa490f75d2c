"""Freshness policies: how late each raw table, mart and pump may be (DESIGN.md §6).

Written once, as data:

- a source system's cadence is declared in `dbt/models/sources/sources.yml` (`meta.cadence`, read
  by `usage_platform.sources.catalog`): Service Ping and the metrics dictionary weekly, Seat Link
  and the business systems daily, IP-to-geo and releases monthly;
- `CADENCE_WINDOWS` says how late a table of each cadence may be before Dagster warns and fails;
- marts and pumps are built after their sources, so each follows its fastest upstream source (the
  pump, fed by daily business systems, must be rebuilt daily; a mart of Service Ping only weekly),
  with `BUILD_ALLOWANCE` added for the build itself.

`apply_freshness_policies(defs)` gives every asset of those layers its policy, once, at the root
(DESIGN.md §10). The policies are Dagster's current `FreshnessPolicy.time_window`; Dagster's
freshness daemon (part of `dagster dev` and `dagster-daemon run`, on by default) evaluates them
every 30 seconds from each asset's last materialization, and the UI shows the state (Passing,
Warning, Failed; Not evaluated until the daemon's first pass) on the asset's page.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import dagster as dg

from usage_platform.sources.catalog import RAW_SCHEMA, raw_tables

# The layers (= asset groups) whose assets carry a freshness policy.
SOURCE_LAYER = RAW_SCHEMA
BUILT_LAYERS = ("marts", "pumps")
POLICY_LAYERS = (SOURCE_LAYER, *BUILT_LAYERS)
CADENCE_METADATA_KEY = "freshness_cadence"


class FreshnessError(ValueError):
    """An asset that must have a freshness policy cannot get one (unknown cadence, no source)."""


@dataclass(frozen=True)
class FreshnessWindow:
    """Warn when the last materialization is older than `warn`, fail when older than `fail`."""

    warn: dt.timedelta
    fail: dt.timedelta

    def __add__(self, extra: dt.timedelta) -> FreshnessWindow:
        return FreshnessWindow(warn=self.warn + extra, fail=self.fail + extra)

    def policy(self) -> dg.FreshnessPolicy:
        return dg.FreshnessPolicy.time_window(fail_window=self.fail, warn_window=self.warn)


# A delivery may be a few hours late before anyone is warned; a missed delivery fails the
# following period (two days without a daily export, two weeks without the weekly pings).
CADENCE_WINDOWS: Mapping[str, FreshnessWindow] = {
    "daily": FreshnessWindow(warn=dt.timedelta(hours=30), fail=dt.timedelta(hours=48)),
    "weekly": FreshnessWindow(warn=dt.timedelta(days=8), fail=dt.timedelta(days=15)),
    "monthly": FreshnessWindow(warn=dt.timedelta(days=35), fail=dt.timedelta(days=62)),
}
# Ordered fastest first: an asset fed by several cadences must keep up with the fastest.
CADENCE_ORDER = ("daily", "weekly", "monthly")
# A mart or pump is rebuilt after its sources land: the time the build may take on top.
BUILD_ALLOWANCE = dt.timedelta(hours=6)


@dataclass(frozen=True)
class AssetFreshness:
    """The policy one asset gets, and why (the cadence and the raw tables it follows)."""

    key: dg.AssetKey
    cadence: str
    window: FreshnessWindow
    follows: tuple[dg.AssetKey, ...]

    def describe(self) -> str:
        sources = ", ".join(key.to_user_string() for key in self.follows)
        return f"{self.cadence} (follows {sources})"


def window_for(cadence: str) -> FreshnessWindow:
    if cadence not in CADENCE_WINDOWS:
        raise FreshnessError(
            f"cadence {cadence!r} has no freshness window: expected one of {', '.join(CADENCE_WINDOWS)}"
        )
    return CADENCE_WINDOWS[cadence]


def source_cadences() -> dict[dg.AssetKey, str]:
    """Each raw table's cadence, as sources.yml declares it."""
    cadences = {}
    for table in raw_tables():
        key = dg.AssetKey(table.asset_key_path)
        if table.cadence not in CADENCE_WINDOWS:
            raise FreshnessError(
                f"sources.yml: source {table.system} declares cadence {table.cadence!r} for "
                f"{key.to_user_string()}: expected one of {', '.join(CADENCE_WINDOWS)}"
            )
        cadences[key] = table.cadence
    return cadences


def plan_freshness(
    groups: Mapping[dg.AssetKey, str | None],
    parents: Mapping[dg.AssetKey, Iterable[dg.AssetKey]],
    cadences: Mapping[dg.AssetKey, str],
) -> dict[dg.AssetKey, AssetFreshness]:
    """The policy of every asset in POLICY_LAYERS, from the asset graph (each asset's group and
    parents) and the raw tables' cadences. A pure function: tested without Dagster definitions."""
    upstream_sources: dict[dg.AssetKey, frozenset[dg.AssetKey]] = {}

    def sources_of(key: dg.AssetKey) -> frozenset[dg.AssetKey]:
        if key in cadences:
            return frozenset({key})
        if key not in upstream_sources:
            upstream_sources[key] = frozenset()  # a cycle guard; the asset graph has none
            found: set[dg.AssetKey] = set()
            for parent in parents.get(key, ()):
                found |= sources_of(parent)
            upstream_sources[key] = frozenset(found)
        return upstream_sources[key]

    plan = {}
    for key, group in groups.items():
        if group == SOURCE_LAYER:
            if key not in cadences:
                raise FreshnessError(
                    f"{key.to_user_string()} is in the raw group but not in sources.yml: "
                    "its cadence is unknown"
                )
            plan[key] = AssetFreshness(key, cadences[key], window_for(cadences[key]), (key,))
        elif group in BUILT_LAYERS:
            sources = sources_of(key)
            if not sources:
                raise FreshnessError(
                    f"{key.to_user_string()} (group {group}) reads no raw table: it has no source "
                    "cadence to follow"
                )
            cadence = min((cadences[source] for source in sources), key=CADENCE_ORDER.index)
            follows = tuple(sorted((s for s in sources if cadences[s] == cadence), key=lambda k: k.path))
            plan[key] = AssetFreshness(key, cadence, window_for(cadence) + BUILD_ALLOWANCE, follows)
    return plan


def freshness_plan(defs: dg.Definitions) -> dict[dg.AssetKey, AssetFreshness]:
    """The policy of every asset of `defs` in POLICY_LAYERS."""
    graph = defs.resolve_asset_graph()
    groups = {}
    parents = {}
    for node in graph.asset_nodes:
        groups[node.key] = node.group_name
        parents[node.key] = node.parent_keys
    return plan_freshness(groups, parents, source_cadences())


def apply_freshness_policies(defs: dg.Definitions) -> dg.Definitions:
    """`defs` with a freshness policy on every raw, mart and pump asset (call once, at the root).

    Each such asset also gets `freshness_cadence` metadata saying which cadence it follows and why.
    An asset that already declares its own policy keeps it."""
    plan = freshness_plan(defs)

    def with_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
        entry = plan.get(spec.key)
        if entry is None or spec.freshness_policy is not None:
            return spec
        return spec.replace_attributes(freshness_policy=entry.window.policy()).merge_attributes(
            metadata={CADENCE_METADATA_KEY: entry.describe()}
        )

    with warnings.catch_warnings():
        # Definitions.map_asset_specs is Dagster's "apply a policy at the root" API, marked preview.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return defs.map_asset_specs(func=with_policy)


# Dagster's freshness states, as its time-window evaluator names them.
PASS, WARN, FAIL, UNKNOWN, NOT_APPLICABLE = "PASS", "WARN", "FAIL", "UNKNOWN", "NOT_APPLICABLE"


def freshness_state(policy: dg.FreshnessPolicy | None, last_materialized: float | None, now: float) -> str:
    """The state Dagster's freshness daemon gives a time-window policy (same rule): FAIL when the
    last materialization is at least the fail window old, WARN when at least the warn window,
    else PASS; UNKNOWN without a materialization, NOT_APPLICABLE without a policy."""
    if policy is None:
        return NOT_APPLICABLE
    fail_window = getattr(policy, "fail_window", None)
    if fail_window is None:
        return UNKNOWN  # a cron policy: left to Dagster's own evaluator
    if last_materialized is None:
        return UNKNOWN
    age = now - last_materialized
    warn_window = getattr(policy, "warn_window", None)
    if age >= fail_window.to_timedelta().total_seconds():
        return FAIL
    if warn_window is not None and age >= warn_window.to_timedelta().total_seconds():
        return WARN
    return PASS
