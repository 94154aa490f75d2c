"""A synthetic GitLab.com landing zone for the SaaS usage tests, and what the usage counters must be,
recomputed here from the landing files with Python's csv module (pyarrow only reads the events
Parquet file). Nothing here reads the warehouse.

Two things are planted into the generated exports before they are loaded:
- runner owners: the generator's `ci_runners.csv` has no `sharding_key_id` yet, so group runners are
  given groups (subgroups first, to exercise the ultimate-parent walk) and project runners projects;
- a bot and a blocked user: the two busiest human authors of the golden namespace's last 28 days
  become a project bot (user_type 6) and a blocked user, so their activity must stop counting.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from usage_platform.synthetic import generate
from usage_platform.synthetic.golden import GOLDEN_SAAS

GOLDEN_NAMESPACE_ID = GOLDEN_SAAS.namespace_id
END_DATE = dt.date(2026, 10, 31)  # the generator's default end date: the data's last day
BOT_USER_TYPE = "6"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]], fieldnames: list[str]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def day(timestamp: str) -> dt.date:
    return dt.date.fromisoformat(timestamp[:10])


@dataclass(frozen=True)
class Planted:
    bot_user_id: int
    blocked_user_id: int


def generate_landing(landing: Path) -> Planted:
    generate(landing, instances=10, months=2, seed=11, end_date=END_DATE)
    plant_runner_owners(landing / "gitlab_dotcom")
    return plant_bot_and_blocked_user(landing / "gitlab_dotcom")


def plant_runner_owners(folder: Path) -> None:
    path = folder / "ci_runners.csv"
    rows = read_csv(path)
    fieldnames = list(rows[0])
    if "sharding_key_id" in fieldnames:
        return  # the generator exports runner owners itself
    namespaces = read_csv(folder / "namespaces.csv")
    groups = [int(n["id"]) for n in namespaces if n["type"] == "Group"]
    subgroups = [int(n["id"]) for n in namespaces if n["type"] == "Group" and n["parent_id"]]
    group_owners = [*subgroups, GOLDEN_NAMESPACE_ID, *sorted(set(groups) - set(subgroups))]
    projects = read_csv(folder / "projects.csv")
    golden_projects = [int(p["id"]) for p in projects if int(p["namespace_id"]) == GOLDEN_NAMESPACE_ID]
    project_owners = golden_projects[:1] + [int(p["id"]) for p in projects]
    next_group = next_project = 0
    for row in rows:
        row["sharding_key_id"] = ""
        if row["runner_type"] == "2":
            row["sharding_key_id"] = str(group_owners[next_group % len(group_owners)])
            next_group += 1
        elif row["runner_type"] == "3":
            row["sharding_key_id"] = str(project_owners[next_project % len(project_owners)])
            next_project += 1
    write_csv(path, rows, [*fieldnames, "sharding_key_id"])


def plant_bot_and_blocked_user(folder: Path) -> Planted:
    tables = GitLabDotCom(folder)
    window = (END_DATE - dt.timedelta(days=27), END_DATE)
    activity: dict[int, int] = defaultdict(int)
    for name in ("merge_request_creation", "ci_pipeline_creation", "action"):
        for row in tables.activity[name]:
            in_window = row.namespace == GOLDEN_NAMESPACE_ID and window[0] <= row.day <= window[1]
            if in_window and row.user and tables.is_active_human(row.user):
                activity[row.user] += 1
    busiest = sorted(activity, key=lambda user: (-activity[user], user))
    bot, blocked = busiest[0], busiest[1]
    path = folder / "users.csv"
    rows = read_csv(path)
    for row in rows:
        if int(row["id"]) == bot:
            row["user_type"] = BOT_USER_TYPE
        if int(row["id"]) == blocked:
            row["state"] = "blocked"
    write_csv(path, rows, list(rows[0]))
    return Planted(bot_user_id=bot, blocked_user_id=blocked)


@dataclass(frozen=True)
class Activity:
    id: int
    namespace: int  # ultimate parent namespace
    user: int | None
    day: dt.date


class GitLabDotCom:
    """The gitlab_dotcom exports of a landing folder, read into plain Python."""

    def __init__(self, folder: Path) -> None:
        self.namespaces = {int(n["id"]): n for n in read_csv(folder / "namespaces.csv")}
        self.users = {int(u["id"]): u for u in read_csv(folder / "users.csv")}
        self.projects = {int(p["id"]): p for p in read_csv(folder / "projects.csv")}
        self.runners = read_csv(folder / "ci_runners.csv")
        self.gitlab_subscriptions = {
            int(s["namespace_id"]): s for s in read_csv(folder / "gitlab_subscriptions.csv")
        }
        self.activity = self._activity(folder)

    def ultimate_parent(self, namespace_id: int) -> int:
        seen = set()
        while self.namespaces[namespace_id]["parent_id"]:
            seen.add(namespace_id)
            namespace_id = int(self.namespaces[namespace_id]["parent_id"])
            assert namespace_id not in seen, "namespace cycle"
        return namespace_id

    def project_root(self, project_id: int) -> int:
        return self.ultimate_parent(int(self.projects[project_id]["namespace_id"]))

    def is_active_human(self, user_id: int) -> bool:
        user = self.users[user_id]
        return user["state"] == "active" and user["user_type"] in ("", "0")

    def _activity(self, folder: Path) -> dict[str, list[Activity]]:
        def in_project(rows, project_key, user_key):
            return [
                Activity(
                    int(r["id"]),
                    self.project_root(int(r[project_key])),
                    int(r[user_key]),
                    day(r["created_at"]),
                )
                for r in rows
            ]

        pipelines = read_csv(folder / "ci_pipelines.csv")
        events = pq.read_table(folder / "events.parquet").to_pylist()
        members = read_csv(folder / "members.csv")
        activity = {
            "action": [
                Activity(e["id"], self.project_root(e["project_id"]), e["author_id"], e["created_at"].date())
                for e in events
            ],
            "merge_request_creation": in_project(
                read_csv(folder / "merge_requests.csv"), "target_project_id", "author_id"
            ),
            "issue_creation": in_project(read_csv(folder / "issues.csv"), "project_id", "author_id"),
            "ci_pipeline_creation": in_project(pipelines, "project_id", "user_id"),
            "ci_internal_pipeline_creation": in_project(
                [p for p in pipelines if p["source"] != "external"], "project_id", "user_id"
            ),
            "project_creation": [
                Activity(pid, self.project_root(pid), int(p["creator_id"]), day(p["created_at"]))
                for pid, p in self.projects.items()
            ],
            "group_creation": [
                Activity(nid, self.ultimate_parent(nid), None, day(n["created_at"]))
                for nid, n in self.namespaces.items()
                if n["type"] == "Group"
            ],
            "membership": [
                Activity(
                    int(m["id"]),
                    self.project_root(int(m["source_id"]))
                    if m["source_type"] == "Project"
                    else self.ultimate_parent(int(m["source_id"])),
                    int(m["user_id"]),
                    day(m["created_at"]),
                )
                for m in members
            ],
            "ci_runner_creation": [],
            "active_group_runner": [],
            "active_project_runner": [],
        }
        for runner in self.runners:
            owner = runner.get("sharding_key_id") or ""
            if runner["runner_type"] == "1" or not owner:
                continue
            if runner["runner_type"] == "2":
                root = self.ultimate_parent(int(owner))
            else:
                root = self.project_root(int(owner))
            row = Activity(int(runner["id"]), root, None, day(runner["created_at"]))
            activity["ci_runner_creation"].append(row)
            if runner["active"] == "true":
                kind = "active_group_runner" if runner["runner_type"] == "2" else "active_project_runner"
                activity[kind].append(row)
        return activity


# metric path -> (activity, time frame, counts distinct active human users (True) or rows (False))
COUNTERS = {
    "active_user_count": ("membership", "none", True),
    "usage_activity_by_stage_monthly.manage.events": ("action", "28d", True),
    "usage_activity_by_stage_monthly.create.merge_requests": ("merge_request_creation", "28d", True),
    "usage_activity_by_stage_monthly.verify.ci_pipelines": ("ci_pipeline_creation", "28d", True),
    "usage_activity_by_stage_monthly.verify.ci_internal_pipelines": (
        "ci_internal_pipeline_creation",
        "28d",
        True,
    ),
    "usage_activity_by_stage_monthly.plan.issues": ("issue_creation", "28d", True),
    "usage_activity_by_stage_monthly.plan.projects": ("project_creation", "28d", True),
    "counts_monthly.ci_internal_pipelines": ("ci_internal_pipeline_creation", "28d", False),
    "counts.ci_internal_pipelines": ("ci_internal_pipeline_creation", "all", False),
    "counts.merge_requests": ("merge_request_creation", "all", False),
    "counts.issues": ("issue_creation", "all", False),
    "counts.projects": ("project_creation", "all", False),
    "counts.groups": ("group_creation", "all", False),
    "counts.ci_runners": ("ci_runner_creation", "all", False),
    "counts.ci_runners_group_type_active": ("active_group_runner", "all", False),
    "counts.ci_runners_project_type_active": ("active_project_runner", "all", False),
}


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def snapshots(tables: GitLabDotCom) -> list[tuple[dt.date, dt.date]]:
    """(month, snapshot date): every month from the first activity's to the last day of the data."""
    days = [row.day for rows in tables.activity.values() for row in rows]
    first, last = min(days), max(days)
    month, result = first.replace(day=1), []
    while month <= last:
        result.append((month, min(month_end(month), last)))
        month = month_end(month) + dt.timedelta(days=1)
    return result


def counter_value(
    tables: GitLabDotCom, namespace: int, metric: str, snapshot: dt.date, *, with_bots: bool = False
) -> int:
    activity, time_frame, users = COUNTERS[metric]
    start = snapshot - dt.timedelta(days=27) if time_frame == "28d" else dt.date.min
    rows = [r for r in tables.activity[activity] if r.namespace == namespace and start <= r.day <= snapshot]
    if users:
        return len({r.user for r in rows if with_bots or tables.is_active_human(r.user)})
    return len({r.id for r in rows})


def expected_monthly_values(tables: GitLabDotCom) -> dict[tuple[int, dt.date, str], int]:
    """(ultimate parent group, month, metric path) -> value, for every month since the group's creation
    (and any earlier month with a non-zero value)."""
    expected = {}
    for namespace_id, namespace in tables.namespaces.items():
        if namespace["type"] != "Group" or namespace["parent_id"]:
            continue
        created = day(namespace["created_at"])
        for month, snapshot in snapshots(tables):
            for metric in COUNTERS:
                value = counter_value(tables, namespace_id, metric, snapshot)
                if snapshot >= created or value > 0:
                    expected[(namespace_id, month, metric)] = value
    return expected


def expected_subscriptions(landing: Path, tables: GitLabDotCom) -> dict[tuple[int, dt.date], str | None]:
    """(ultimate parent group, month) -> Zuora version of the paid order covering the snapshot date."""
    zuora_versions = {row["Id"] for row in read_csv(landing / "zuora" / "subscription.csv")}
    orders = [
        o
        for o in read_csv(landing / "customers_db" / "orders.csv")
        if o["gl_namespace_id"] and o["subscription_id"] in zuora_versions and o["trial"] == "false"
    ]
    expected = {}
    for namespace_id, namespace in tables.namespaces.items():
        if namespace["type"] != "Group" or namespace["parent_id"]:
            continue
        for month, snapshot in snapshots(tables):
            covering = [
                o
                for o in orders
                if tables.ultimate_parent(int(o["gl_namespace_id"])) == namespace_id
                and dt.date.fromisoformat(o["start_date"]) <= snapshot
                and (not o["end_date"] or snapshot < dt.date.fromisoformat(o["end_date"]))
            ]
            latest = max(covering, key=lambda o: (o["start_date"], o["created_at"]), default=None)
            expected[(namespace_id, month)] = latest["subscription_id"] if latest else None
    return expected
