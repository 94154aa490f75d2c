"""The rpt_product_usage_* reports on the generator's landing zone, checked against the payload files
read back with Python's json: each installation's last ping of the month (first receipt of a
duplicate, receipt time from the envelope or the folder), its installation type, runner counters,
topology, Gitaly and Geo, versions behind on the landing's release list, and active-user drops."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.synthetic.synthetic_landing import ping_files, read_ping_file
from usage_platform.reports.metadata import PROVIDERS

SENTINELS = (-1, -2, -1000)
RUNNER_PATHS = {
    "ci_runner_count": ("counts", "ci_runners"),
    "instance_runner_active_count": ("counts", "ci_runners_instance_type_active"),
    "group_runner_active_count": ("counts", "ci_runners_group_type_active"),
    "project_runner_active_count": ("counts", "ci_runners_project_type_active"),
}


@dataclass(frozen=True)
class LandedPing:
    created_at: dt.datetime  # receipt: the envelope's received_at, else the folder's day
    recorded_at: dt.datetime  # UTC
    source_file: str
    payload: dict


@pytest.fixture(scope="module")
def landing_and_warehouse(project):
    """The session's project: its landing zone, the files the generator planted unreadable, and
    the warehouse."""
    settings = project.settings
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        yield settings.landing_dir, set(project.generated.malformed_files), conn


@pytest.fixture(scope="module")
def warehouse(landing_and_warehouse):
    return landing_and_warehouse[2]


@pytest.fixture(scope="module")
def month_pings(landing_and_warehouse) -> dict[tuple[str, str, dt.date], dict]:
    """(uuid, hostname, month) -> payload of the installation's last ping of the month."""
    landing, malformed, _ = landing_and_warehouse
    first_receipts: dict[tuple, LandedPing] = {}
    for path in ping_files(landing):
        if path in malformed or path.relative_to(landing).as_posix() in malformed:
            continue
        folder_day = dt.datetime.fromisoformat(path.parent.name)
        for received_at, _, payload, _ in read_ping_file(path):
            recorded = (
                dt.datetime.fromisoformat(payload["recorded_at"]).astimezone(dt.UTC).replace(tzinfo=None)
            )
            landed = LandedPing(
                dt.datetime.fromisoformat(received_at) if received_at else folder_day,
                recorded,
                path.relative_to(landing).as_posix(),
                payload,
            )
            key = (payload["uuid"], payload["hostname"], payload["recorded_at"])
            kept = first_receipts.get(key)
            if kept is None or (landed.created_at, landed.source_file) < (kept.created_at, kept.source_file):
                first_receipts[key] = landed
    last: dict[tuple[str, str, dt.date], LandedPing] = {}
    for landed in first_receipts.values():
        key = (landed.payload["uuid"], landed.payload["hostname"], landed.created_at.date().replace(day=1))
        if key not in last or (landed.created_at, landed.recorded_at) > (
            last[key].created_at,
            last[key].recorded_at,
        ):
            last[key] = landed
    assert len(last) >= 15, "the generated landing zone should hold a few installations over two months"
    return {key: landed.payload for key, landed in last.items()}


def rows(conn, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def by_installation_month(conn, table: str) -> dict[tuple[str, str, dt.date], dict]:
    return {
        (row["uuid"], row["hostname"], row["snapshot_month"]): row
        for row in rows(conn, f"select * from marts.{table}")
    }


def leaf(payload: dict, path: tuple[str, ...]):
    node = payload
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def number(value) -> float | None:
    """A payload number as the fact types it: sentinels, booleans and non-numbers are no value."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value in SENTINELS:
        return None
    return value


def test_one_row_per_installation_month_from_its_last_ping(warehouse, month_pings):
    installations = by_installation_month(warehouse, "rpt_product_usage_installation_monthly")
    assert set(installations) == set(month_pings)
    for key, payload in month_pings.items():
        users = payload.get("active_user_count")
        assert installations[key]["active_user_count"] == (
            users if users is not None and users >= 0 else None
        ), key
        assert installations[key]["version"] == payload["version"], key


def test_every_installation_month_is_in_each_installation_level_report(warehouse, month_pings):
    for table in ("rpt_product_usage_runners_monthly", "rpt_product_usage_architecture_monthly"):
        assert set(by_installation_month(warehouse, table)) == set(month_pings), table
    per_month: dict[dt.date, int] = {}
    for _, _, month in month_pings:
        per_month[month] = per_month.get(month, 0) + 1
    for table in ("rpt_product_usage_versions_behind", "rpt_product_usage_installation_types"):
        counted = rows(
            warehouse, f"select snapshot_month, sum(installation_count) as n from marts.{table} group by 1"
        )
        assert {row["snapshot_month"]: row["n"] for row in counted} == per_month, table
    unmapped = rows(
        warehouse,
        "select count(*) as n from marts.rpt_product_usage_installation_monthly where not is_account_mapped",
    )[0]["n"]
    assert unmapped > 0  # the generator plants unlicensed and unmapped instances: they stay


def test_installation_types(warehouse, month_pings):
    expected: dict[tuple[str | None, dt.date], int] = {}
    for (_, _, month), payload in month_pings.items():
        key = (payload.get("installation_type"), month)
        expected[key] = expected.get(key, 0) + 1
    found = {
        (row["installation_type"], row["snapshot_month"]): row["installation_count"]
        for row in rows(warehouse, "select * from marts.rpt_product_usage_installation_types")
        if row["installation_count"] > 0
    }
    assert found == expected


def test_runner_counts(warehouse, month_pings):
    report = by_installation_month(warehouse, "rpt_product_usage_runners_monthly")
    sent = 0
    for key, payload in month_pings.items():
        for column, path in RUNNER_PATHS.items():
            value = number(leaf(payload, path))
            sent += value is not None
            assert report[key][column] == value, (key, column)
    assert sent > 0


def test_topology_gitaly_and_geo(warehouse, month_pings):
    report = by_installation_month(warehouse, "rpt_product_usage_architecture_monthly")
    for key, payload in month_pings.items():
        nodes = leaf(payload, ("topology", "nodes"))
        row = report[key]
        assert row["topology_node_count"] == (len(nodes) if nodes else None), key
        assert row["topology_cpu_count"] == (sum(node["node_cpus"] for node in nodes) if nodes else None), key
        assert row["has_topology_failure"] == bool(leaf(payload, ("topology", "failures"))), key
        assert row["gitaly_server_count"] == number(leaf(payload, ("gitaly", "servers"))), key
        assert row["is_geo_enabled"] == payload.get("geo_enabled"), key


def test_versions_behind(landing_and_warehouse, warehouse, month_pings):
    landing = landing_and_warehouse[0]
    with (Path(landing) / "releases" / "releases.csv").open(newline="") as handle:
        releases = sorted(
            (
                dt.date.fromisoformat(row["release_date"]),
                tuple(map(int, row["major_minor_version"].split("."))),
            )
            for row in csv.DictReader(handle)
        )
    rank = {version: index for index, (_, version) in enumerate(releases, start=1)}
    installations = by_installation_month(warehouse, "rpt_product_usage_installation_monthly")
    for key, payload in month_pings.items():
        day = installations[key]["ping_created_at"].date()
        latest = max(rank[version] for released, version in releases if released <= day)
        major, minor = map(int, re.match(r"(\d+)\.(\d+)", payload["version"]).groups())
        assert installations[key]["versions_behind_latest"] == latest - rank[(major, minor)], key


def test_active_user_drops(warehouse, month_pings):
    expected = {}
    for (uuid, hostname, month), payload in month_pings.items():
        previous = month_pings.get((uuid, hostname, (month - dt.timedelta(days=1)).replace(day=1)))
        if previous is None:
            continue
        before, now = previous.get("active_user_count"), payload.get("active_user_count")
        if before is None or now is None or before < 0 or now < 0 or now >= before:
            continue
        lost = before - now
        expected[(uuid, hostname, month)] = (before, now, lost >= 5 and lost >= 0.10 * before)
    assert expected, "the generated pings should hold a month-over-month drop"
    report = by_installation_month(warehouse, "rpt_product_usage_active_user_drops")
    found = {
        key: (row["previous_month_active_user_count"], row["active_user_count"], row["is_significant_drop"])
        for key, row in report.items()
    }
    assert found == expected


def test_headline_numbers_agree_with_the_payloads(warehouse, month_pings):
    latest = max(month for _, _, month in month_pings)
    latest_pings = [payload for (_, _, month), payload in month_pings.items() if month == latest]
    types = PROVIDERS["rpt_product_usage_installation_types"](warehouse)
    assert types["latest_month"].value == latest.isoformat()
    assert types["installations"].value == len(latest_pings)
    assert types["installation_types"].value == len(
        {payload.get("installation_type") for payload in latest_pings}
    )
    runners = PROVIDERS["rpt_product_usage_runners_monthly"](warehouse)
    assert runners["ci_runners"].value == sum(
        number(leaf(payload, RUNNER_PATHS["ci_runner_count"])) or 0 for payload in latest_pings
    )
    architecture = PROVIDERS["rpt_product_usage_architecture_monthly"](warehouse)
    assert architecture["topology_nodes"].value == sum(
        len(leaf(payload, ("topology", "nodes")) or []) for payload in latest_pings
    )
    for name, provider in PROVIDERS.items():
        metadata = provider(warehouse)
        assert metadata["preview"].value, name
