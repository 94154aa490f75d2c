"""GitLab.com database tables for the SaaS customers' namespaces.

Each top-level group gets members (with a personal `User` namespace each), a few subgroups and
projects, runners, and activity (merge requests, issues, pipelines, events) inside the time range.
Integer enums are GitLab's: `visibility_level` 0/10/20, `access_level` 10-50, merge request `state_id`
1 opened / 2 closed / 3 merged, `runner_type` 1 instance / 2 group / 3 project, `users.user_type` 0 human /
6 project bot, `events.action` 1 created / 3 closed / 5 pushed / 6 commented / 7 merged / 8 joined.

- `ci_runners.sharding_key_id` (GitLab 17.x) names a runner's owner: empty for instance runners, the
  group's or one of its subgroups' namespace id for group runners, one of its project ids for project runners.
- Users who act but must not count as active humans: a group's last user is a project bot (user_type 6;
  always in the golden group) that triggers many of the api/trigger/schedule pipelines; about 7% of users
  are blocked or deactivated, with `last_activity_on` inside the range and activity only up to that day
  (the golden group's second user always is, and authors an issue before).
- Activity is simulated through `config.horizon_date` and cut at `config.end_date` (rows created later
  are dropped; merges and closes after it are not there yet), so a later end date with the same anchor
  only adds rows and completes merges and closes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
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
    "ci_runners": ("id", "runner_type", "active", "created_at", "contacted_at", "sharding_key_id"),
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


# A user's personal namespace: its id is the user's plus this offset.
PERSONAL_NAMESPACE_OFFSET = 100_000_000


class _Sequences:
    """GitLab.com ids: large, increasing, with gaps (other tenants' rows sit in between).

    Namespace ids must be unique across groups (the business's, `namespace_ids`), subgroups and
    personal namespaces (user id + PERSONAL_NAMESPACE_OFFSET). Their ranges overlap once there
    are a few thousand groups (10,000 instances gave a subgroup the id of a group), so a subgroup
    or user id whose namespace id is taken is skipped; below that scale nothing changes."""

    def __init__(self, rng: random.Random, namespace_ids: Iterable[int] = ()) -> None:
        self.rng = rng
        self.namespace_ids = set(namespace_ids)
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
        offset = {"subgroup": 0, "user": PERSONAL_NAMESPACE_OFFSET}.get(kind)
        self.next[kind] += self.rng.randint(1, 5000)
        while offset is not None and self.next[kind] + offset in self.namespace_ids:
            self.next[kind] += self.rng.randint(1, 5000)
        if offset is not None:
            self.namespace_ids.add(self.next[kind] + offset)
        return self.next[kind]


BOT, HUMAN = 6, 0
_GONE = ("blocked", "deactivated")


def build_saas_tables(business: Business, config: GeneratorConfig) -> SaasTables:
    tables = SaasTables()
    rng = config.rng("saas")
    ids = _Sequences(rng, (namespace.id for namespace in business.namespaces))
    for namespace in business.namespaces:
        _Group(namespace, tables, ids, config, config.rng("saas", namespace.id)).build()
    _instance_runners(tables, ids, rng, config)
    _cut(tables, dt.datetime.combine(config.end_date, dt.time(23, 59, 59)))
    for name in ("merge_requests", "issues", "ci_pipelines", "events", "members", "users", "projects"):
        getattr(tables, name).sort(key=lambda row: row[0])
    return tables


def _cut(tables: SaasTables, cutoff: dt.datetime) -> None:
    """What the database holds at `cutoff`: later rows are not there, later merges and closes not yet."""
    tables.merge_requests[:] = [
        (*row[:3], 1, row[4], None) if row[5] and row[5] > cutoff else row
        for row in tables.merge_requests
        if row[4] <= cutoff
    ]
    tables.issues[:] = [
        (*row[:4], None) if row[4] and row[4] > cutoff else row for row in tables.issues if row[3] <= cutoff
    ]
    tables.ci_pipelines[:] = [row for row in tables.ci_pipelines if row[5] <= cutoff]
    tables.events[:] = [row for row in tables.events if row[5] <= cutoff]


def _moment(rng: random.Random, start: dt.date, end: dt.date) -> dt.datetime:
    span = max(0, (end - start).days)
    day = start + dt.timedelta(days=rng.randint(0, span))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=rng.randint(6 * 3600, 22 * 3600))


def _instance_runners(
    tables: SaasTables, ids: _Sequences, rng: random.Random, config: GeneratorConfig
) -> None:
    """GitLab.com's shared runners: long-lived, owned by no namespace, contacted minutes before the export."""
    for _ in range(6):
        created = _moment(rng, config.start_date - dt.timedelta(days=900), config.start_date)
        contacted = dt.datetime.combine(config.end_date, dt.time(23, rng.randint(0, 59)))
        tables.ci_runners.append((ids.take("runner"), 1, True, created, contacted, None))


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
        self.start = config.start_date
        self.end = config.anchor_date  # what the range shapes (creations, blocks) is placed up to here
        self.horizon = config.horizon_date  # activity runs through here, then `_cut` at the export day
        self.export = config.end_date
        self.bot: int | None = None
        self.owner = 0  # the first user, set by _users
        self.gone: dict[int, dt.date] = {}  # blocked or deactivated user -> last day of activity

    def build(self) -> None:
        users = self._users()
        self._namespaces(users)
        projects, project_ids = self._projects(users)
        self._runners(project_ids)
        self._subscription(len(users))
        humans = [user for user, _ in users if user != self.bot]
        active = humans[: max(1, int(len(humans) * self.rng.uniform(0.4, 0.9)))]
        for project in projects:
            self._activity(project, active)
        if self.ns.golden and projects:
            self._plant_golden(projects[0], users)

    def _users(self) -> list[tuple[int, dt.datetime]]:
        count = max(2, min(self.ns.seats or 8, 60) + self.rng.randint(-2, 4))
        span = (self.end - self.start).days
        users = []
        for index in range(count):
            user_id = self.ids.take("user")
            created = self.ns.created_at + dt.timedelta(days=self.rng.randint(0, 400))
            created = min(created, dt.datetime.combine(self.end, dt.time(12)))
            bot = index == count - 1 and (self.ns.golden or self.rng.random() < 0.5)
            state = "active" if bot or self.rng.random() < 0.93 else self.rng.choice(_GONE)
            if self.ns.golden and index == 1 and not bot:
                state = "blocked"
            if state == "active":
                last = self.export - dt.timedelta(days=self.rng.randint(0, 40))
            else:  # active once, in the first half of the range, then blocked or deactivated
                since = max(self.start, created.date())
                last = min(self.end, since + dt.timedelta(days=self.rng.randint(7, max(7, span // 2))))
                self.gone[user_id] = max(last, created.date())
            last = max(last, created.date())
            self.tables.users.append((user_id, state, BOT if bot else HUMAN, created, last))
            if bot:
                self.bot = user_id
            users.append((user_id, created))
        self.owner = users[0][0]
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
                    user_id + PERSONAL_NAMESPACE_OFFSET,
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

    def _projects(self, users) -> tuple[list[tuple[int, dt.datetime]], list[int]]:
        """(live projects with their creation time, every project id including archived ones)."""
        projects, project_ids = [], []
        homes = [self.ns.id, *self.subgroups]
        for _ in range(self.rng.randint(2, 6)):
            project_id = self.ids.take("project")
            creator, created = self.rng.choice(users)
            archived = self.rng.random() < 0.08
            self.tables.projects.append(
                (project_id, self.rng.choice(homes), creator, self.rng.choice((0, 10, 20)), archived, created)
            )
            project_ids.append(project_id)
            if not archived:
                projects.append((project_id, created))
        return projects, project_ids

    def _runners(self, project_ids: list[int]) -> None:
        """Group runners belong to the group or a subgroup, project runners to a project (sharding_key_id).
        The golden group has one of each, its group runner on a subgroup when it has one."""
        groups = [self.ns.id, *self.subgroups]
        planted = [2, 3] if self.ns.golden else []
        for number in range(max(len(planted), self.rng.randint(0, 3))):
            created = _moment(self.rng, self.ns.created_at.date(), self.end)
            active = self.rng.random() < 0.85
            contacted = (
                None
                if self.rng.random() < 0.1
                else max(created, _moment(self.rng, self.export - dt.timedelta(days=30), self.export))
            )
            runner_type = planted[number] if number < len(planted) else self.rng.choice((2, 3))
            owner = self.rng.choice(groups if runner_type == 2 else project_ids)
            if number == 0 and planted:
                owner = groups[-1]  # a subgroup when there is one: owners need the ultimate-parent walk
            self.tables.ci_runners.append(
                (self.ids.take("runner"), runner_type, active, created, contacted, owner)
            )

    def _subscription(self, member_count: int) -> None:
        ns = self.ns
        created = ns.created_at
        if ns.subscription:
            term = ns.subscription.term_on(self.export) or ns.subscription.latest
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
        updated = self.export - dt.timedelta(days=self.rng.randint(0, 20))
        updated = dt.datetime.combine(updated, dt.time(3, 15))
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
        if first > self.horizon:
            return
        weeks = max(1, (self.horizon - first).days // 7)
        for _ in range(self.rng.randint(weeks // 6, weeks // 3 + 1)):
            at = _moment(self.rng, first, self.horizon)
            self._merge_request(project_id, self._author(authors, at), at)
        for _ in range(self.rng.randint(weeks // 6, weeks // 3 + 1)):
            at = _moment(self.rng, first, self.horizon)
            self._issue(project_id, self._author(authors, at), at)
        for _ in range(self.rng.randint(weeks // 3, weeks // 2 + 1)):
            at = _moment(self.rng, first, self.horizon)
            status = self.rng.choices(
                ("success", "failed", "canceled", "skipped", "manual", "running"), (70, 15, 5, 4, 4, 2)
            )[0]
            source = self.rng.choice(
                ("push", "push", "merge_request_event", "schedule", "web", "api", "trigger")
            )
            user = self._author(authors, at)
            if self.bot and source in ("schedule", "api", "trigger") and self.rng.random() < 0.6:
                user = self.bot  # automation runs as the project bot
            self.tables.ci_pipelines.append((self.ids.take("pipeline"), project_id, user, status, source, at))
            if source == "push":
                self._event(project_id, self._author(authors, at), None, 5, at - dt.timedelta(seconds=30))

    def _acts_on(self, user: int, at: dt.datetime) -> bool:
        return user not in self.gone or at.date() <= self.gone[user]

    def _author(self, authors: list[int], at: dt.datetime) -> int:
        """An author for activity at `at`: a blocked or deactivated user only up to their last active day."""
        author = self.rng.choice(authors)
        if not self._acts_on(author, at):
            still = [user for user in authors if user not in self.gone]
            author = self.rng.choice(still) if still else author
        return author

    def _plant_golden(self, project: tuple[int, dt.datetime], users) -> None:
        """The golden group always shows both: a bot pipeline and a blocked user's issue, on or before
        the anchor date (so every end date with that anchor has them)."""
        project_id, created = project
        first = max(self.start, created.date())
        if self.bot and first <= self.end:
            at = _moment(self.rng, first, self.end)
            self.tables.ci_pipelines.append(
                (self.ids.take("pipeline"), project_id, self.bot, "success", "schedule", at)
            )
        blocked, _ = users[1]
        if blocked in self.gone and first <= self.gone[blocked]:
            self._issue(project_id, blocked, _moment(self.rng, first, self.gone[blocked]))

    def _merge_request(self, project_id: int, author: int, at: dt.datetime) -> None:
        state = self.rng.choices((1, 2, 3), (25, 10, 65))[0]
        merged = at + dt.timedelta(hours=self.rng.randint(1, 240)) if state == 3 else None
        horizon = dt.datetime.combine(self.horizon, dt.time(23, 59))
        if merged and merged > horizon:
            state, merged = 1, None  # still open at the horizon (`_cut` reopens later merges)
        self.tables.merge_requests.append((self.ids.take("mr"), project_id, author, state, at, merged))
        self._event(project_id, author, "MergeRequest", 1, at)
        if merged:
            self._event(project_id, author, "MergeRequest", 7, merged)

    def _issue(self, project_id: int, author: int, at: dt.datetime) -> None:
        closed = at + dt.timedelta(days=self.rng.randint(1, 60)) if self.rng.random() < 0.55 else None
        if closed and closed.date() > self.horizon:
            closed = None
        self.tables.issues.append((self.ids.take("issue"), project_id, author, at, closed))
        self._event(project_id, author, "Issue", 1, at)
        if closed:
            self._event(project_id, author, "Issue", 3, closed)
        if self.rng.random() < 0.4:
            self._event(project_id, author, "Note", 6, at + dt.timedelta(hours=self.rng.randint(1, 72)))

    def _event(self, project_id: int, author: int, target: str | None, action: int, at: dt.datetime) -> None:
        """A merge, close or comment after its author was blocked is the group owner's (or nobody's)."""
        at = min(at, dt.datetime.combine(self.horizon, dt.time(23, 59, 59)))
        if not self._acts_on(author, at):
            if not self._acts_on(self.owner, at):
                return
            author = self.owner
        self.tables.events.append((self.ids.take("event"), project_id, author, target, action, at))
