"""GitLab.com exports: runner owners, and users who act but are no active humans (bots, blocked users)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from usage_platform.synthetic.golden import GOLDEN_SAAS

BOT = "6"
AUTOMATION_SOURCES = {"schedule", "api", "trigger"}


class DotCom:
    def __init__(self, landing) -> None:
        self.landing = landing
        self.namespaces = {row["id"]: row for row in landing.csv("gitlab_dotcom/namespaces.csv")}
        self.projects = {row["id"]: row for row in landing.csv("gitlab_dotcom/projects.csv")}
        self.users = {row["id"]: row for row in landing.csv("gitlab_dotcom/users.csv")}
        self.runners = landing.csv("gitlab_dotcom/ci_runners.csv")
        self.pipelines = landing.csv("gitlab_dotcom/ci_pipelines.csv")

    def root(self, namespace_id: str) -> str:
        while self.namespaces[namespace_id]["parent_id"]:
            namespace_id = self.namespaces[namespace_id]["parent_id"]
        return namespace_id

    def activity(self) -> list[tuple[str, str, str]]:
        """(user id, day, top-level group) of every authored row: MRs, issues, pipelines, events."""
        found = []
        for table, project, user in (
            ("merge_requests", "target_project_id", "author_id"),
            ("issues", "project_id", "author_id"),
            ("ci_pipelines", "project_id", "user_id"),
        ):
            for row in self.landing.csv(f"gitlab_dotcom/{table}.csv"):
                group = self.root(self.projects[row[project]]["namespace_id"])
                found.append((row[user], row["created_at"][:10], group))
        for event in pq.read_table(self.landing.root / "gitlab_dotcom" / "events.parquet").to_pylist():
            group = self.root(self.projects[str(event["project_id"])]["namespace_id"])
            found.append((str(event["author_id"]), event["created_at"].date().isoformat(), group))
        return found


@pytest.fixture(scope="module", params=["landing", "small_landing"])
def dotcom(request) -> DotCom:
    return DotCom(request.getfixturevalue(request.param))


def test_runner_owners_follow_the_runner_type(dotcom):
    types = set()
    for runner in dotcom.runners:
        owner = runner["sharding_key_id"]
        types.add(runner["runner_type"])
        if runner["runner_type"] == "1":
            assert owner == "", runner
        elif runner["runner_type"] == "2":
            assert dotcom.namespaces[owner]["type"] == "Group", runner
        else:
            assert runner["runner_type"] == "3" and owner in dotcom.projects, runner
    assert types == {"1", "2", "3"}


def test_bots_trigger_automated_pipelines(dotcom):
    bot_pipelines = [p for p in dotcom.pipelines if dotcom.users[p["user_id"]]["user_type"] == BOT]
    assert bot_pipelines
    assert {p["source"] for p in bot_pipelines} <= AUTOMATION_SOURCES
    golden = str(GOLDEN_SAAS.namespace_id)
    assert any(dotcom.root(dotcom.projects[p["project_id"]]["namespace_id"]) == golden for p in bot_pipelines)


def test_blocked_and_deactivated_users_acted_only_before_their_last_activity(dotcom):
    start, end = dotcom.landing.summary.start_date, dotcom.landing.summary.end_date
    gone = {uid: user for uid, user in dotcom.users.items() if user["state"] != "active"}
    assert gone and {user["state"] for user in gone.values()} <= {"blocked", "deactivated"}
    acted = [(uid, day, group) for uid, day, group in dotcom.activity() if uid in gone]
    assert acted, "some blocked or deactivated user has activity in the range"
    assert all(day <= gone[uid]["last_activity_on"] for uid, day, _ in acted)
    assert all(start.isoformat() <= day <= end.isoformat() for _, day, _ in acted)
    golden = str(GOLDEN_SAAS.namespace_id)
    assert any(group == golden and gone[uid]["state"] == "blocked" for uid, _, group in acted)


def test_namespace_ids_stay_unique_when_the_ranges_meet():
    # Groups (the business's), subgroups and personal namespaces (user id + offset) draw ids from
    # ranges that meet once there are a few thousand groups: a taken namespace id is skipped, and
    # the ids drawn below that scale are the ones drawn before.
    import random

    from usage_platform.synthetic.saas import PERSONAL_NAMESPACE_OFFSET, _Sequences

    free = _Sequences(random.Random(7))
    subgroup, user = free.take("subgroup"), free.take("user")
    taken = {subgroup, user + PERSONAL_NAMESPACE_OFFSET}
    crowded = _Sequences(random.Random(7), taken)
    assert crowded.take("subgroup") > subgroup
    assert crowded.take("user") + PERSONAL_NAMESPACE_OFFSET not in taken
    unchanged = _Sequences(random.Random(7), {1})
    assert (unchanged.take("subgroup"), unchanged.take("user")) == (subgroup, user)
