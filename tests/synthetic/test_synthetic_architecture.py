"""Service Ping architecture and point-in-time totals, read from the payloads as a report would."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import pairwise

import pytest

RUNNERS_BY_TYPE = (
    "ci_runners_instance_type_active",
    "ci_runners_group_type_active",
    "ci_runners_project_type_active",
)


def counted(value) -> bool:
    """A real count: not absent, null or a sentinel."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@pytest.fixture(scope="module", params=["landing", "small_landing"])
def landing_zone(request):
    return request.getfixturevalue(request.param)


def architecture_changes(landing) -> dict[str, set[str]]:
    """Which uuids scaled how, from consecutive payloads (pings whose node query failed are skipped)."""
    by_uuid = defaultdict(dict)
    for record in landing.pings:
        payload = record.payload
        by_uuid[payload["uuid"]][dt.datetime.fromisoformat(payload["recorded_at"])] = payload
    changes = defaultdict(set)
    for uuid, payloads in by_uuid.items():
        states = [
            (len(p["topology"]["nodes"]), p["gitaly"]["servers"], p["geo_enabled"])
            for _, p in sorted(payloads.items())
            if p["topology"]["nodes"]
        ]
        for (nodes, gitaly, geo), (later_nodes, later_gitaly, later_geo) in pairwise(states):
            for kind, happened in (
                ("nodes added", later_nodes > nodes),
                ("nodes removed", later_nodes < nodes),
                ("gitaly added", later_gitaly > gitaly),
                ("gitaly removed", later_gitaly < gitaly),
                ("geo enabled", later_geo and not geo),
                ("geo disabled", geo and not later_geo),
            ):
                if happened:
                    changes[kind].add(uuid)
    return changes


def test_some_instances_scale_up_and_down_during_the_range(landing_zone):
    changes = architecture_changes(landing_zone)
    planted = {"nodes added", "nodes removed", "gitaly added", "gitaly removed", "geo enabled"}
    assert planted <= set(changes), dict(changes)
    assert "geo disabled" not in changes
    changed = set().union(*changes.values())
    uuids = {record.payload["uuid"] for record in landing_zone.pings}
    assert len(changed) <= len(uuids) // 2, "most instances keep their architecture"


def test_gitaly_clusters_follow_the_server_count(landing_zone):
    for record in landing_zone.pings:
        gitaly = record.payload["gitaly"]
        assert gitaly["servers"] >= 1 and gitaly["clusters"] == int(gitaly["servers"] > 1)


def test_geo_nodes_count_geo_sites(landing_zone):
    seen = set()
    for record in landing_zone.pings:
        payload = record.payload
        sites = payload["counts"].get("geo_nodes")
        if not counted(sites):
            continue
        if payload["geo_enabled"]:
            assert 2 <= sites <= 4, sites  # a primary and its secondaries
        else:
            assert sites == 0
            assert payload["counts"].get("geo_event_log_max_id") in (0, -1, -2, None), "no Geo, no events"
        seen.add(payload["geo_enabled"])
    assert seen == {True, False}


def test_active_runners_by_type_stay_within_all_runners(landing_zone):
    checked = 0
    for record in landing_zone.pings:
        counts = record.payload["counts"]
        values = [counts.get(key) for key in ("ci_runners", *RUNNERS_BY_TYPE)]
        if all(counted(value) for value in values):
            assert sum(values[1:]) <= values[0], values
            assert values[0] <= max(1, record.payload["active_user_count"]), "a few runners per team"
            checked += 1
    assert checked >= 0.8 * len(landing_zone.pings)
