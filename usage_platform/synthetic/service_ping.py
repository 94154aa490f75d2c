"""Service Ping payloads, as self-managed instances POST them once a week.

A payload is a pure function of (instance, recorded day), so duplicates re-serialise byte-identically
and files can be written in any order. Content, beyond the business facts:

- identity and license keys at the top level (`REQUIRED_TOP_LEVEL_KEYS`; license fields are JSON null on
  unlicensed instances; `license_md5` is null from version 16.2 on, as GitLab stopped sending it);
- every dictionary metric the instance's version sends, nested along its dotted key path (metrics
  newer than the version are missing, removed ones disappear from `milestone_removed` on, EE-only ones
  are missing on CE); the five pump metrics are in every payload;
- `extra_keys` undocumented counters under `counts`, `counts_monthly`, `counts_weekly`,
  `redis_hll_counters.<category>`, `usage_activity_by_stage[_monthly].<stage>` (some appear only from
  a recent version; every 100th, from the 8th on, is deprecated and always `-1000`);
- sentinels on non-golden instances: now and then `-1` (timeout), `-2` (counter error), a JSON `null`,
  and `{"-1": -1}` for the failed alert-integration histogram; `settings.user_cap_feature_enabled` is
  null whenever the user cap is off;
- all-time counters never fall, except on the one instance restored from a backup (see `usage`);
  28d/7d values follow recent activity; `active_user_count` may exceed `license_user_count`;
- point-in-time totals although their definitions say `time_frame: all` (`GAUGE_KEY_PATHS`): the runner
  fleet (`counts.ci_runners` = all runners, each `counts.ci_runners_<type>_type_active` <= that type's
  runners, so their sum <= `counts.ci_runners`; it follows active users) and `counts.geo_nodes` (Geo
  sites: 0 without Geo, else 1 primary + its secondaries, as `geo_enabled` says); without Geo,
  `counts.geo_event_log_max_id` is 0;
- architecture (`topology.nodes`, `gitaly.servers`/`clusters`, `geo_enabled`) that changes once on some
  instances: the first non-golden instances with room for it (a ping two weeks before and after) get one
  planted change each - nodes added, Gitaly servers added, Geo enabled, nodes removed, Gitaly servers
  removed - and about one in ten others a random one; the change day lies between the range's start and
  its anchor date (`config`), so every end date with that anchor sees it;
- `recorded_at` is ISO 8601 with milliseconds and the instance's UTC offset (a few are not +00:00).
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass

from usage_platform.synthetic.config import GeneratorConfig
from usage_platform.synthetic.metrics import METRIC_DEFINITIONS, PUMP_METRIC_KEY_PATHS, MetricDefinition
from usage_platform.synthetic.model import (
    EDITION_BY_PLAN,
    FREE,
    MD5_LAST_VERSION,
    SHA256,
    SUBSCRIPTION_ID,
    Business,
    Instance,
)
from usage_platform.synthetic.releases import Release, latest_release_rank, release_calendar
from usage_platform.synthetic.usage import UsageSeries, simulate

# License fields, in the order instances send them (JSON null on unlicensed instances).
LICENSE_FIELDS = (
    "license_md5",
    "license_sha256",
    "license_id",
    "historical_max_users",
    "licensee",
    "license_user_count",
    "license_billable_users",
    "license_starts_at",
    "license_expires_at",
    "license_plan",
    "license_add_ons",
    "license_trial",
    "license_subscription_id",
    "license_trial_ends_on",
)
REQUIRED_TOP_LEVEL_KEYS = (
    "uuid",
    "hostname",
    "version",
    "installation_type",
    "active_user_count",
    "recorded_at",
    "edition",
    *LICENSE_FIELDS,
    "counts",
    "counts_weekly",
    "counts_monthly",
    "geo_enabled",
    "git",
    "gitaly",
    "database",
    "usage_activity_by_stage",
    "usage_activity_by_stage_monthly",
    "redis_hll_counters",
    "settings",
    "topology",
)
_CONTAINERS = (
    "counts",
    "counts_weekly",
    "counts_monthly",
    "usage_activity_by_stage",
    "usage_activity_by_stage_monthly",
    "redis_hll_counters",
    "settings",
)
# Dictionary key paths whose values come from the instance itself rather than a counter.
_CORE_KEY_PATHS = frozenset(
    (*REQUIRED_TOP_LEVEL_KEYS, "gitaly.version", "database.adapter", "database.version")
)
_VERSION_ANCHOR = dt.date(2020, 1, 6)  # a Monday; upgrade checkpoints count weeks from here
_SENTINEL_EXEMPT = frozenset(PUMP_METRIC_KEY_PATHS[:3])  # keep 28d pump metrics clean; -1 hits counts.*
_HISTOGRAM_KEY = "counts.projects_with_enabled_alert_integrations_histogram"
_RUNNER_KEYS = (
    "counts.ci_runners_instance_type_active",
    "counts.ci_runners_group_type_active",
    "counts.ci_runners_project_type_active",
)
GAUGE_KEY_PATHS = ("counts.ci_runners", *_RUNNER_KEYS, "counts.geo_nodes")
# (component, change): planted in this order on the first instances that can show them.
PLANTED_CHANGES = (("nodes", "up"), ("gitaly", "up"), ("geo", "on"), ("nodes", "down"), ("gitaly", "down"))
_CHANGE_MARGIN = dt.timedelta(days=14)  # pings before and after a change


@dataclass(frozen=True)
class ExtraKey:
    path: tuple[str, ...]
    frame: str  # all | 28d | 7d
    unit: str  # events | users
    deprecated: bool
    since: tuple[int, int]


@dataclass(frozen=True)
class Ping:
    instance_index: int
    recorded_utc: dt.datetime  # naive UTC


# --- undocumented keys -------------------------------------------------------------------------------
_SUBJECTS = (
    "projects",
    "groups",
    "issues",
    "merge_requests",
    "ci",
    "packages",
    "pages",
    "snippets",
    "wiki",
    "epics",
    "boards",
    "users",
    "deploy_keys",
    "clusters",
    "alerts",
    "incidents",
    "runners",
    "jobs",
    "artifacts",
    "releases",
    "notes",
    "todos",
    "labels",
    "milestones",
)
_VERBS = (
    "with",
    "using",
    "created",
    "imported",
    "enabled",
    "active",
    "failed",
    "synced",
    "archived",
    "mirrored",
    "viewed",
    "exported",
)
_OBJECTS = (
    "jira",
    "slack",
    "webhooks",
    "lfs",
    "terraform",
    "helm",
    "maven",
    "npm",
    "pypi",
    "conan",
    "sso",
    "ldap",
    "saml",
    "scim",
    "approvals",
    "protected_tags",
    "service_desk",
    "templates",
    "variables",
    "triggers",
    "schedules",
    "environments",
    "feature_flags",
    "error_tracking",
    "dependency_proxy",
    "secrets",
    "cache",
    "mirrors",
    "bridges",
    "timelogs",
)
_HLL_CATEGORIES = (
    "source_code",
    "testing",
    "manage",
    "incident_management",
    "epics_usage",
    "kubernetes_agent",
    "importer",
    "deploy_token_packages",
    "secure",
    "ecosystem",
    "compliance",
    "work_items",
)
_STAGES = ("create", "plan", "verify", "release", "secure", "package", "manage", "monitor", "configure")
# (root, frame, unit, share): where undocumented keys live and how often.
_EXTRA_ROOTS = (
    ("counts", "all", "events", 35),
    ("counts_monthly", "28d", "events", 15),
    ("counts_weekly", "7d", "events", 5),
    ("redis_hll_counters", "28d", "users", 20),
    ("redis_hll_counters", "7d", "users", 10),
    ("usage_activity_by_stage", "all", "users", 7),
    ("usage_activity_by_stage_monthly", "28d", "users", 8),
)


def extra_keys(config: GeneratorConfig, calendar: tuple[Release, ...]) -> tuple[ExtraKey, ...]:
    rng = config.rng("extra_keys")
    taken = {path for d in METRIC_DEFINITIONS for path in d.payload_key_paths()}
    recent = [release.key for release in calendar[-18:]]
    keys = []
    while len(keys) < config.extra_keys:
        root, frame, unit, _ = rng.choices(_EXTRA_ROOTS, [share for *_, share in _EXTRA_ROOTS])[0]
        leaf = f"{rng.choice(_SUBJECTS)}_{rng.choice(_VERBS)}_{rng.choice(_OBJECTS)}"
        if root == "redis_hll_counters":
            path = (
                root,
                rng.choice(_HLL_CATEGORIES),
                f"{rng.choice('igpo')}_{leaf}" + ("_monthly" if frame == "28d" else "_weekly"),
            )
        elif root.startswith("usage_activity"):
            path = (root, rng.choice(_STAGES), leaf)
        else:
            path = (root, leaf)
        dotted = ".".join(path)
        if dotted in taken:
            if len(taken) > 200_000:  # vocabulary exhausted: number the leaf
                path = (*path[:-1], f"{path[-1]}_{len(keys)}")
                dotted = ".".join(path)
            else:
                continue
        taken.add(dotted)
        since = (0, 0) if rng.random() < 0.85 else rng.choice(recent)
        deprecated = len(keys) % 100 == 7  # one in a hundred, deterministically
        keys.append(ExtraKey(path, frame, unit, deprecated, since))
    return tuple(keys)


# --- versions ------------------------------------------------------------------------------------------
class Versions:
    """Which GitLab version an instance runs on a day: `lag` releases behind the newest release at its
    last upgrade checkpoint, within its floor and cap. Never newer than the newest release that day."""

    def __init__(self, calendar: tuple[Release, ...]) -> None:
        self.calendar = calendar
        self._rank_by_key = {release.key: index for index, release in enumerate(calendar)}
        self._rank_by_day: dict[dt.date, int] = {}

    def _latest_rank(self, day: dt.date) -> int:
        if day not in self._rank_by_day:
            self._rank_by_day[day] = latest_release_rank(self.calendar, day)
        return self._rank_by_day[day]

    def release_on(self, instance: Instance, day: dt.date) -> Release:
        policy = instance.upgrade
        weeks = (day - _VERSION_ANCHOR).days // 7
        checkpoint_week = (weeks - policy.phase_weeks) // policy.cadence_weeks * policy.cadence_weeks
        checkpoint = _VERSION_ANCHOR + dt.timedelta(weeks=checkpoint_week + policy.phase_weeks)
        rank = self._latest_rank(min(checkpoint, day)) - policy.lag
        rank = max(rank, self._rank_by_key[policy.floor])
        if policy.cap:
            rank = min(rank, self._rank_by_key[policy.cap])
        return self.calendar[min(rank, self._latest_rank(day))]

    def version_string(self, instance: Instance, day: dt.date) -> tuple[Release, str]:
        release = self.release_on(instance, day)
        if instance.version_suffix == "-pre":
            return release, f"{release.label}.0-pre"
        wanted = zlib.crc32(f"{instance.uuid}{release.label}".encode()) % 7
        patch = min(wanted, max(0, (day - release.date).days // 9))  # patches ship every week or two
        return release, f"{release.label}.{patch}{instance.version_suffix}"


# --- per-instance stable traits --------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """A value that changes at most once: `before` until the day before `on`, `after` from `on` on."""

    before: object
    after: object = None
    on: dt.date | None = None

    def at(self, day: dt.date):
        return self.after if self.on is not None and day >= self.on else self.before


@dataclass(frozen=True)
class _Profile:
    weights: dict[str, float]  # per dictionary key path
    extra_weights: tuple[float, ...]
    pg_system_id: int
    pg_flavor: str
    gitaly_servers: Step  # of int
    filesystem: str
    nodes: Step  # of tuple[dict, ...]
    add_on: bool
    bots: int
    user_cap: int | None
    geo_secondaries: Step  # of int; 0 = no Geo
    runners_per_user: float
    runner_shares: tuple[float, float, float]  # instance, group, project
    runner_active: tuple[float, float, float]  # share of each type's runners that is active


def architecture_changes(business: Business, config: GeneratorConfig) -> dict[int, tuple]:
    """Instance index -> ((first, last) days a change may fall on, {component: change}): the planted
    changes first, each on the eligible instance with the fewest so far, then about one in ten others."""
    windows = {}
    for index, instance in enumerate(business.instances):
        first = max(config.start_date, instance.first_ping) + _CHANGE_MARGIN
        last = min(config.anchor_date, instance.last_ping) - _CHANGE_MARGIN
        if not instance.golden and first <= last:
            windows[index] = (first, last)

    def allowed(index: int, component: str) -> bool:  # Geo needs a license
        return component != "geo" or business.instances[index].mapping != FREE

    changes: dict[int, dict[str, str]] = {index: {} for index in windows}
    for component, change in PLANTED_CHANGES:
        candidates = [i for i in windows if component not in changes[i] and allowed(i, component)]
        if candidates:
            changes[min(candidates, key=lambda index: len(changes[index]))][component] = change
    for index in windows:
        rng = config.rng("architecture", business.instances[index].uuid)
        component, change = rng.choice(PLANTED_CHANGES)
        if rng.random() < 0.1 and not changes[index] and allowed(index, component):
            changes[index][component] = change
    return {index: (windows[index], planned) for index, planned in changes.items() if planned}


def _changed(instance: Instance, config: GeneratorConfig, component: str, change: str, window, base):
    """The Step of one component: `base` before or after the change, the other side changed."""
    rng = config.rng("architecture", instance.uuid, component)
    first, last = window
    on = first + dt.timedelta(days=rng.randint(0, (last - first).days))
    if component == "nodes":
        extra = tuple(_node(rng, True) for _ in range(rng.randint(1, 3)))
        return Step(base, base + extra, on) if change == "up" else Step(base + extra, base, on)
    if component == "gitaly":
        if change == "up":
            return Step(base, base + 2 if base == 1 else base * 2, on)
        before = max(base, 3)
        return Step(before, before // 2 if before > 3 else 1, on)
    return Step(0, rng.randint(1, 2), on)  # Geo enabled with one or two secondaries


def _profile(
    instance: Instance, extras: tuple[ExtraKey, ...], config: GeneratorConfig, changes=None
) -> _Profile:
    """Stable traits of an instance; `changes` is its entry of `architecture_changes` (or None)."""
    rng = config.rng("profile", instance.uuid)
    weights = {}
    for definition in METRIC_DEFINITIONS:
        if definition.unit == "users":
            weights[definition.key_path] = rng.uniform(0.05, 0.8)
        else:
            weights[definition.key_path] = (
                10 ** rng.uniform(-3, 0.3) if definition.value_type == "number" else rng.random()
            )
    # Most undocumented counters are zero on any one instance; deprecated ones always say -1000.
    extra_weights = tuple(
        1.0 if extra.deprecated else 0.0 if rng.random() < 0.7 else 10 ** rng.uniform(-3, 0)
        for extra in extras
    )
    large = instance.installation_type in ("helm-charts", "gitlab-operator") or rng.random() < 0.15
    pg_system_id = rng.randrange(6 * 10**18, 7 * 10**18)
    pg_flavor = rng.choice(
        (
            "PostgreSQL",
            "PostgreSQL",
            "Amazon Aurora PostgreSQL",
            "Cloud SQL for PostgreSQL",
            "Azure Database for PostgreSQL",
        )
    )
    base = {"gitaly": rng.choice((1, 1, 1, 3, 3, 6))}
    filesystem = rng.choice(("EXT_4", "EXT_4", "XFS", "NFS"))
    base["nodes"] = tuple(_node(rng, large) for _ in range(rng.randint(3, 6) if large else 1))
    add_on, bots = rng.random() < 0.2, rng.randint(0, 4)
    user_cap = rng.choice((None, None, None, 100, 500))
    geo = instance.mapping != FREE and rng.random() < 0.1
    base["geo"] = rng.randint(1, 2) if geo else 0
    shares = [rng.uniform(0.2, 1.0) for _ in range(3)]
    steps = {component: Step(value) for component, value in base.items()}
    window, planned = changes or (None, {})
    for component, change in planned.items():
        steps[component] = _changed(instance, config, component, change, window, base[component])
    return _Profile(
        weights=weights,
        extra_weights=extra_weights,
        pg_system_id=pg_system_id,
        pg_flavor=pg_flavor,
        gitaly_servers=steps["gitaly"],
        filesystem=filesystem,
        nodes=steps["nodes"],
        add_on=add_on,
        bots=bots,
        user_cap=user_cap,
        geo_secondaries=steps["geo"],
        runners_per_user=rng.uniform(0.02, 0.12),
        runner_shares=tuple(share / sum(shares) for share in shares),
        runner_active=tuple(rng.uniform(0.5, 1.0) for _ in range(3)),
    )


def _instance_state(profile: _Profile, active_users: int, day: dt.date) -> dict[tuple[str, ...], int]:
    """Values the instance's state sets rather than its usage, by payload path: the runner fleet, the Geo
    sites, and no Geo replication events without Geo."""
    runners = max(1, round(active_users * profile.runners_per_user))
    instance = max(1, round(runners * profile.runner_shares[0]))
    group = min(runners - instance, round(runners * profile.runner_shares[1]))
    by_type = (instance, group, runners - instance - group)
    secondaries = profile.geo_secondaries.at(day)
    values = {"counts.ci_runners": runners, "counts.geo_nodes": 1 + secondaries if secondaries else 0}
    if not secondaries:
        values["counts.geo_event_log_max_id"] = 0
    for key, total, share in zip(_RUNNER_KEYS, by_type, profile.runner_active, strict=True):
        values[key] = int(total * share)
    return {tuple(key.split(".")): value for key, value in values.items()}


def _node(rng: random.Random, large: bool) -> dict:
    cpus = rng.choice((8, 16, 32)) if large else rng.choice((4, 8, 16))
    memory = cpus * rng.choice((2, 4)) * 2**30
    services = [
        {"name": "web", "process_count": max(2, cpus // 2), "server": "puma"},
        {"name": "sidekiq", "process_count": rng.randint(1, 4)},
        {"name": "gitaly", "process_count": 1},
        {"name": "postgres", "process_count": rng.randint(8, 40)},
        {"name": "redis", "process_count": 1},
    ]
    for service in services:
        rss = rng.randrange(150, 1500) * 2**20
        service.update(
            process_memory_pss=int(rss * 0.6), process_memory_rss=rss, process_memory_uss=int(rss * 0.5)
        )
    return {
        "node_memory_total_bytes": memory,
        "node_memory_utilization": round(rng.uniform(0.3, 0.8), 2),
        "node_cpus": cpus,
        "node_cpu_utilization": round(rng.uniform(0.05, 0.7), 2),
        "node_uname_info": {
            "machine": "x86_64",
            "sysname": "Linux",
            "release": rng.choice(
                (
                    "5.15.0-105-generic",
                    "6.8.0-45-generic",
                    "4.18.0-553.el8_10.x86_64",
                    "5.14.0-427.el9.x86_64",
                )
            ),
        },
        "node_services": services,
    }


# --- payloads ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    active: int
    max_active: int
    cumulative: float
    window28: float
    window7: float


class PayloadBuilder:
    def __init__(self, config: GeneratorConfig, calendar: tuple[Release, ...], business: Business) -> None:
        self.config = config
        self.business = business
        self.versions = Versions(calendar)
        # Keys new in a release after the anchor date would differ between end dates: the anchor's calendar.
        self.extras = extra_keys(config, release_calendar(config.anchor_date))
        self._extra_modes = tuple(_extra_mode(extra) for extra in self.extras)
        self.usage: list[UsageSeries] = [simulate(instance, config) for instance in business.instances]
        self.architecture_changes = architecture_changes(business, config)
        self._profiles: dict[int, _Profile] = {}
        self._sent_cache: dict[tuple, tuple] = {}

    def usage_of(self, instance_index: int) -> UsageSeries:
        return self.usage[instance_index]

    def pings(self) -> list[Ping]:
        """One ping per instance per week on its weekday, while it exists and outside its gap months."""
        pings = []
        monday = self.config.start_date - dt.timedelta(days=self.config.start_date.weekday())
        for index, instance in enumerate(self.business.instances):
            day = monday + dt.timedelta(days=instance.ping_weekday)
            while day <= self.config.end_date:
                if day >= self.config.start_date and instance.pings_on(day):
                    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=instance.ping_second)
                    pings.append(Ping(index, moment))
                day += dt.timedelta(days=7)
        return pings

    def _profile(self, index: int) -> _Profile:
        if index not in self._profiles:
            self._profiles[index] = _profile(
                self.business.instances[index],
                self.extras,
                self.config,
                self.architecture_changes.get(index),
            )
        return self._profiles[index]

    def _sent(self, version: tuple[int, int], is_ee: bool) -> tuple[tuple, tuple]:
        """What a version sends: (definitions with their payload paths and frames,
        extra keys grouped by parent path as (parent, ((leaf, index), ...)))."""
        key = (version, is_ee)
        if key not in self._sent_cache:
            definitions = []
            for definition in METRIC_DEFINITIONS:
                if definition.key_path in _CORE_KEY_PATHS or not definition.is_sent_by(version, is_ee):
                    continue
                for path, frame in zip(definition.payload_key_paths(), definition.time_frames, strict=True):
                    definitions.append((tuple(path.split(".")), definition, frame))
            groups: dict[tuple[str, ...], list[tuple[str, int]]] = {}
            for index, extra in enumerate(self.extras):
                if extra.since <= version:
                    groups.setdefault(extra.path[:-1], []).append((extra.path[-1], index))
            extras = tuple((parent, tuple(members)) for parent, members in groups.items())
            self._sent_cache[key] = (tuple(definitions), extras)
        return self._sent_cache[key]

    def build(self, ping: Ping) -> dict:
        instance = self.business.instances[ping.instance_index]
        profile = self._profile(ping.instance_index)
        series = self.usage[ping.instance_index]
        day = ping.recorded_utc.date()
        rng = self.config.rng("ping", instance.uuid, day.isoformat())
        release, version = self.versions.version_string(instance, day)
        context = _Context(
            series.active_on(day),
            series.max_active_on(day),
            series.cumulative_on(day),
            series.window(day, 28),
            series.window(day, 7),
        )
        payload = self._core(instance, profile, ping, release, version, context, rng)
        is_ee = instance.free_edition != "CE"
        definitions, extras = self._sent(release.key, is_ee)
        state = _instance_state(profile, context.active, day)
        metrics = []
        for path, definition, frame in definitions:
            value = _value(definition, frame, profile.weights[definition.key_path], context, profile, rng)
            metrics.append((path, state.get(path, value)))
        if not instance.golden:
            _plant_sentinels(metrics, rng)
        for path, value in metrics:
            _put(payload, path, value)
        self._put_extras(payload, extras, profile.extra_weights, context)
        return payload

    def _put_extras(
        self, payload: dict, groups: tuple, weights: tuple[float, ...], context: _Context
    ) -> None:
        """The hot loop at benchmark scale: one multiplication per key, one lookup per parent."""
        bases = {
            "all": context.cumulative,
            "28d": context.window28,
            "7d": context.window7,
            "users_all": context.max_active,
            "users": context.active,
            "deprecated": -1000,
        }
        modes = self._extra_modes
        for parent, members in groups:
            node = payload
            for part in parent:
                node = node.setdefault(part, {})
            for leaf, index in members:
                node[leaf] = int(bases[modes[index]] * weights[index])

    def _core(self, instance, profile, ping, release, version, context, rng) -> dict:
        day = ping.recorded_utc.date()
        lic = instance.license_on(day) if instance.mapping != FREE else None
        payload = {
            "uuid": instance.uuid,
            "hostname": instance.hostname_on(day),
            "version": version,
            "installation_type": instance.installation_type,
            "active_user_count": context.active,
            "recorded_at": _recorded_at(ping.recorded_utc, instance.utc_offset_minutes, rng),
            "edition": EDITION_BY_PLAN[lic.plan] if lic else instance.free_edition,
        }
        payload.update(_license_fields(instance, lic, release, context, profile))
        payload.update({name: {} for name in _CONTAINERS[:3]})
        payload["counts_monthly"]["aggregated_metrics"] = {}
        payload["geo_enabled"] = profile.geo_secondaries.at(day) > 0
        servers = profile.gitaly_servers.at(day)
        payload["git"] = {
            "version": {
                "major": 2,
                "minor": 38 + release.major - 15 + release.minor // 4,
                "patch": release.minor % 3,
            }
        }
        payload["gitaly"] = {
            "version": version.removesuffix("-ee"),
            "servers": servers,
            "clusters": int(servers > 1),
            "filesystems": [profile.filesystem],
        }
        payload["database"] = {
            "adapter": "postgresql",
            "version": _postgres_version(release),
            "pg_system_id": profile.pg_system_id,
            "flavor": profile.pg_flavor,
        }
        payload.update({name: {} for name in _CONTAINERS[3:]})
        payload["topology"] = _topology(profile.nodes.at(day), context, rng)
        return payload


def _license_fields(instance: Instance, lic, release: Release, context: _Context, profile: _Profile) -> dict:
    if lic is None:
        return dict.fromkeys(LICENSE_FIELDS) | {"historical_max_users": context.max_active}
    return {
        "license_md5": lic.md5 if release.key <= MD5_LAST_VERSION else None,
        "license_sha256": lic.sha256,
        "license_id": lic.id if lic.in_customers_db else None,
        "historical_max_users": context.max_active,
        "licensee": {"Name": lic.name, "Email": lic.email, "Company": lic.company},
        "license_user_count": lic.users_count,
        "license_billable_users": max(0, context.active - profile.bots),
        "license_starts_at": lic.starts_at.isoformat(),
        "license_expires_at": lic.expires_at.isoformat(),
        "license_plan": lic.plan,
        "license_add_ons": {"GitLab_DuoPro": max(1, lic.users_count // 5)} if profile.add_on else {},
        "license_trial": lic.trial,
        "license_subscription_id": lic.subscription_id
        if instance.mapping in (SHA256, SUBSCRIPTION_ID)
        else None,
        "license_trial_ends_on": lic.expires_at.isoformat() if lic.trial else None,
    }


def _recorded_at(utc: dt.datetime, offset_minutes: int, rng: random.Random) -> str:
    local = utc + dt.timedelta(minutes=offset_minutes)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{local:%Y-%m-%dT%H:%M:%S}.{rng.randrange(1000):03d}{sign}{hours:02d}:{minutes:02d}"


def _postgres_version(release: Release) -> str:
    if release.key >= (18, 0):
        return "16.8"
    if release.key >= (17, 0):
        return "14.17"
    return "13.14"


def _topology(nodes: tuple[dict, ...], context: _Context, rng: random.Random) -> dict:
    topology = {
        "duration_s": round(rng.uniform(0.05, 2.5), 6),
        "application_requests_per_hour": int(context.active * rng.uniform(20, 90)),
        "query_apdex_weekly_average": round(rng.uniform(0.95, 0.999), 3),
        "failures": [],
        "nodes": [dict(node) for node in nodes],
    }
    if rng.random() < 0.02:  # Prometheus unreachable: topology reports the failure, no nodes
        topology["failures"] = [{"name": "topology_node_data", "error": "timeout"}]
        topology["nodes"] = []
    return topology


def _value(
    definition: MetricDefinition,
    frame: str,
    weight: float,
    context: _Context,
    profile: _Profile,
    rng: random.Random,
):
    kind = definition.value_type
    if kind == "boolean":
        return weight < 0.5
    if kind == "string":
        options = definition.options or ("postgresql",)
        return options[int(weight * len(options)) % len(options)]
    if kind == "object":
        return {str(bucket): int(weight * 10 * bucket) + 1 for bucket in (1, 2, 5)}
    if definition.unit == "setting":
        if definition.key_path == "settings.user_cap_feature_enabled":
            return profile.user_cap
        return round(0.95 + weight * 0.05, 4)
    noise = rng.uniform(0.85, 1.15)
    if definition.unit == "users":
        if frame == "all":
            return int(context.max_active * weight)
        share = weight if frame == "28d" else weight * 0.6
        return min(context.active, round(context.active * share * noise))
    if frame == "all":
        return int(context.cumulative * weight)
    return int((context.window28 if frame == "28d" else context.window7) * weight * noise)


def _extra_mode(extra: ExtraKey) -> str:
    """Which basis an undocumented key scales (weights <= 1 keep user counts within active users)."""
    if extra.deprecated:
        return "deprecated"
    if extra.unit == "users":
        return "users_all" if extra.frame == "all" else "users"
    return extra.frame


def _plant_sentinels(metrics: list[tuple[tuple[str, ...], object]], rng: random.Random) -> None:
    """Now and then a counter times out (-1), errors (-2), comes back null, or a histogram fails."""
    numeric = [
        i
        for i, (path, value) in enumerate(metrics)
        if isinstance(value, int) and not isinstance(value, bool) and ".".join(path) not in _SENTINEL_EXEMPT
    ]
    if not numeric:
        return
    if rng.random() < 0.10:
        for index in rng.sample(numeric, min(len(numeric), rng.randint(1, 3))):
            metrics[index] = (metrics[index][0], -1)
    if rng.random() < 0.03:
        index = rng.choice(numeric)
        metrics[index] = (metrics[index][0], -2)
    if rng.random() < 0.05:
        index = rng.choice(numeric)
        metrics[index] = (metrics[index][0], None)
    if rng.random() < 0.05:
        for index, (path, _) in enumerate(metrics):
            if ".".join(path) == _HISTOGRAM_KEY:
                metrics[index] = (path, {"-1": -1})


def _put(payload: dict, path: tuple[str, ...], value) -> None:
    node = payload
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node.setdefault(path[-1], value)
