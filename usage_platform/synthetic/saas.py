"""GitLab.com database tables for the SaaS customers' namespaces.

Each top-level group gets members (with a personal `User` namespace each), a few subgroups and
projects, runners, and activity (merge requests, issues, pipelines, events) inside the time range.
Integer enums are GitLab's: `visibility_level` 0/10/20, `access_level` 10-50, merge request `state_id`
1 opened / 2 closed / 3 merged, `runner_type` 1 instance / 2 group / 3 project, `users.user_type` 0 human /
6 project bot, `events.action` 1 created / 3 closed / 5 pushed / 6 commented / 7 merged / 8 joined.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from usage_platform.synthetic.config import GeneratorConfig
from usage_platform.synthetic.model import HOSTED_PLAN_IDS, Business, Namespace


@dataclass
class SaasTables:
    namespaces: list[tuple] = field(default_factory=list)
    members: list[tuple] = field(default_factory=list)
    users: list[tuple] = field(default_factory=list)
    projects: list[tuple] = field(default_factory=list)
    merge_requests: list[tuple] = field(default_factory=list)
    issues: list[tuple] = field(default_factory=list)
    ci_pipelines: list[tuple] = field(default_factory=list)
    ci_runners: list[tuple] = field(default_factory=list)
    gitlab_subscriptions: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)


COLUMNS = {
    "namespaces": (
        "id",
        "name",
        "path",
        "type",
        "parent_id",
        "owner_id",
        "visibility_level",
        "shared_runners_enabled",
        "created_at",
        "updated_at",
    ),
    "members": ("id", "user_id", "source_id", "source_type", "access_level", "type", "created_at"),
    "users": ("id", "state", "user_type", "created_at", "last_activity_on"),
    "projects": ("id", "namespace_id", "creator_id", "visibility_level", "archived", "created_at"),
    "merge_requests": ("id", "target_project_id", "author_id", "state_id", "created_at", "merged_at"),
    "issues": ("id", "project_id", "author_id", "created_at", "closed_at"),
    "ci_pipelines": ("id", "project_id", "user_id", "status", "source", "created_at"),
    "ci_runners": ("id", "runner_type", "active", "created_at", "contacted_at"),
    "gitlab_subscriptions": (
        "id",
        "namespace_id",
        "hosted_plan_id",
        "seats",
        "seats_in_use",
        "max_seats_used",
        "start_date",
        "end_date",
        "trial",
        "trial_ends_on",
        "created_at",
        "updated_at",
    ),
    "events": ("id", "project_id", "author_id", "target_type", "action", "created_at"),
}


class _Sequences:
    """GitLab.com ids: large, increasing, with gaps (other tenants' rows sit in between)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next = {
            "user": 11_000_000,
            "project": 45_000_000,
            "member": 90_000_000,
            "mr": 280_000_000,
            "issue": 140_000_000,
            "pipeline": 1_100_000_000,
            "runner": 30_000_000,
            "event": 4_000_000_000,
            "subscription": 2_000_000,
            "subgroup": 70_000_000,
        }

    def take(self, kind: str) -> int:
        self.next[kind] += self.rng.randint(1, 5000)
        return self.next[kind]


def build_saas_tables(business: Business, config: GeneratorConfig) -> SaasTables:
    tables = SaasTables()
    rng = config.rng("saas")
    ids = _Sequences(rng)
    for namespace in business.namespaces:
        _Group(namespace, tables, ids, config, config.rng("saas", namespace.id)).build()
    _instance_runners(tables, ids, rng, config)
    for name in ("merge_requests", "issues", "ci_pipelines", "events", "members", "users", "projects"):
        getattr(tables, name).sort(key=lambda row: row[0])
    return tables


def _moment(rng: random.Random, start: dt.date, end: dt.date) -> dt.datetime:
    span = max(0, (end - start).days)
    day = start + dt.timedelta(days=rng.randint(0, span))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=rng.randint(6 * 3600, 22 * 3600))


def _instance_runners(
    tables: SaasTables, ids: _Sequences, rng: random.Random, config: GeneratorConfig
) -> None:
    """GitLab.com's shared runners: long-lived, contacted within minutes of the export."""
    for _ in range(6):
        created = _moment(rng, config.start_date - dt.timedelta(days=900), config.start_date)
        contacted = dt.datetime.combine(config.end_date, dt.time(23, rng.randint(0, 59)))
        tables.ci_runners.append((ids.take("runner"), 1, True, created, contacted))


class _Group:
    def __init__(
        self,
        namespace: Namespace,
        tables: SaasTables,
        ids: _Sequences,
        config: GeneratorConfig,
        rng: random.Random,
    ) -> None:
        self.ns = namespace
        self.tables = tables
        self.ids = ids
        self.config = config
        self.rng = rng
        self.start, self.end = config.start_date, config.end_date

    def build(self) -> None:
        users = self._users()
        self._namespaces(users)
        projects = self._projects(users)
        self._runners()
        self._subscription(len(users))
        active = [user for user, _ in users[: max(1, int(len(users) * self.rng.uniform(0.4, 0.9)))]]
        for project in projects:
            self._activity(project, active)

    def _users(self) -> list[tuple[int, dt.datetime]]:
        count = max(2, min(self.ns.seats or 8, 60) + self.rng.randint(-2, 4))
        users = []
        for index in range(count):
            user_id = self.ids.take("user")
            created = self.ns.created_at + dt.timedelta(days=self.rng.randint(0, 400))
            created = min(created, dt.datetime.combine(self.end, dt.time(12)))
            bot = index == count - 1 and self.rng.random() < 0.5
            state = "active" if self.rng.random() < 0.93 else self.rng.choice(("blocked", "deactivated"))
            last = self.end - dt.timedelta(days=self.rng.randint(0, 40 if state == "active" else 200))
            self.tables.users.append((user_id, state, 6 if bot else 0, created, max(last, created.date())))
            users.append((user_id, created))
        return users

    def _namespaces(self, users) -> None:
        owner = users[0][0]
        updated = min(
            self.ns.created_at + dt.timedelta(days=self.rng.randint(1, 700)),
            dt.datetime.combine(self.end, dt.time(18)),
        )
        visibility = self.rng.choice((0, 0, 10, 20))
        self.tables.namespaces.append(
            (
                self.ns.id,
                self.ns.name,
                self.ns.path,
                "Group",
                None,
                owner,
                visibility,
                True,
                self.ns.created_at,
                updated,
            )
        )
        self.subgroups = []
        for index in range(self.rng.randint(0, 3)):
            sub_id = self.ids.take("subgroup")
            self.subgroups.append(sub_id)
            name = self.rng.choice(("platform", "backend", "frontend", "infra", "mobile", "data", "security"))
            self.tables.namespaces.append(
                (
                    sub_id,
                    name.title(),
                    f"{name}-{index}",
                    "Group",
                    self.ns.id,
                    owner,
                    visibility,
                    self.rng.random() < 0.8,
                    self.ns.created_at,
                    updated,
                )
            )
        for rank, (user_id, created) in enumerate(users):
            self.tables.namespaces.append(
                (
                    user_id + 100_000_000,
                    f"user{user_id}",
                    f"user{user_id}",
                    "User",
                    None,
                    user_id,
                    20,
                    True,
                    created,
                    created,
                )
            )
            access = 50 if rank == 0 else self.rng.choice((10, 20, 30, 30, 30, 40))
            self.tables.members.append(
                (self.ids.take("member"), user_id, self.ns.id, "Namespace", access, "GroupMember", created)
            )

    def _projects(self, users) -> list[tuple[int, dt.datetime]]:
        projects = []
        homes = [self.ns.id, *self.subgroups]
        for _ in range(self.rng.randint(2, 6)):
            project_id = self.ids.take("project")
            creator, created = self.rng.choice(users)
            archived = self.rng.random() < 0.08
            self.tables.projects.append(
                (project_id, self.rng.choice(homes), creator, self.rng.choice((0, 10, 20)), archived, created)
            )
            if not archived:
                projects.append((project_id, created))
        return projects

    def _runners(self) -> None:
        for _ in range(self.rng.randint(0, 3)):
            created = _moment(self.rng, self.ns.created_at.date(), self.end)
            active = self.rng.random() < 0.85
            contacted = (
                None
                if self.rng.random() < 0.1
                else max(created, _moment(self.rng, self.end - dt.timedelta(days=30), self.end))
            )
            self.tables.ci_runners.append(
                (self.ids.take("runner"), self.rng.choice((2, 3)), active, created, contacted)
            )

    def _subscription(self, member_count: int) -> None:
        ns = self.ns
        created = ns.created_at
        if ns.subscription:
            term = ns.subscription.term_on(self.end) or ns.subscription.latest
            plan_id, start, end = HOSTED_PLAN_IDS[ns.plan], term.term_start, term.term_end
            seats, trial, trial_ends = ns.seats, False, None
        elif ns.trial:
            plan_id, start, end = HOSTED_PLAN_IDS["ultimate_trial"], ns.trial_starts_on, ns.trial_ends_on
            seats, trial, trial_ends = 0, True, ns.trial_ends_on
        else:
            plan_id, start, end, seats, trial, trial_ends = (
                HOSTED_PLAN_IDS["free"],
                created.date(),
                None,
                0,
                False,
                None,
            )
        in_use = member_count
        updated = dt.datetime.combine(self.end - dt.timedelta(days=self.rng.randint(0, 20)), dt.time(3, 15))
        self.tables.gitlab_subscriptions.append(
            (
                self.ids.take("subscription"),
                ns.id,
                plan_id,
                seats,
                in_use,
                in_use + self.rng.randint(0, 3),
                start,
                end,
                trial,
                trial_ends,
                created,
                updated,
            )
        )

    def _activity(self, project: tuple[int, dt.datetime], authors: list[int]) -> None:
        project_id, created = project
        first = max(self.start, created.date())
        if first > self.end:
            return
        weeks = max(1, (self.end - first).days // 7)
        for _ in range(self.rng.randint(weeks // 6, weeks // 3 + 1)):
            self._merge_request(project_id, self.rng.choice(authors), _moment(self.rng, first, self.end))
        for _ in range(self.rng.randint(weeks // 6, weeks // 3 + 1)):
            self._issue(project_id, self.rng.choice(authors), _moment(self.rng, first, self.end))
        for _ in range(self.rng.randint(weeks // 3, weeks // 2 + 1)):
            at = _moment(self.rng, first, self.end)
            status = self.rng.choices(
                ("success", "failed", "canceled", "skipped", "manual", "running"), (70, 15, 5, 4, 4, 2)
            )[0]
            source = self.rng.choice(
                ("push", "push", "merge_request_event", "schedule", "web", "api", "trigger")
            )
            self.tables.ci_pipelines.append(
                (self.ids.take("pipeline"), project_id, self.rng.choice(authors), status, source, at)
            )
            if source == "push":
                self._event(project_id, self.rng.choice(authors), None, 5, at - dt.timedelta(seconds=30))

    def _merge_request(self, project_id: int, author: int, at: dt.datetime) -> None:
        state = self.rng.choices((1, 2, 3), (25, 10, 65))[0]
        merged = at + dt.timedelta(hours=self.rng.randint(1, 240)) if state == 3 else None
        horizon = dt.datetime.combine(self.end, dt.time(23, 59))
        if merged and merged > horizon:
            state, merged = 1, None  # still open at export time
        self.tables.merge_requests.append((self.ids.take("mr"), project_id, author, state, at, merged))
        self._event(project_id, author, "MergeRequest", 1, at)
        if merged:
            self._event(project_id, author, "MergeRequest", 7, merged)

    def _issue(self, project_id: int, author: int, at: dt.datetime) -> None:
        closed = at + dt.timedelta(days=self.rng.randint(1, 60)) if self.rng.random() < 0.55 else None
        if closed and closed.date() > self.end:
            closed = None
        self.tables.issues.append((self.ids.take("issue"), project_id, author, at, closed))
        self._event(project_id, author, "Issue", 1, at)
        if closed:
            self._event(project_id, author, "Issue", 3, closed)
        if self.rng.random() < 0.4:
            self._event(project_id, author, "Note", 6, at + dt.timedelta(hours=self.rng.randint(1, 72)))

    def _event(self, project_id: int, author: int, target: str | None, action: int, at: dt.datetime) -> None:
        at = min(at, dt.datetime.combine(self.end, dt.time(23, 59, 59)))
        self.tables.events.append((self.ids.take("event"), project_id, author, target, action, at))
