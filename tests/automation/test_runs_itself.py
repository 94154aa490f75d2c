"""The platform runs itself: a code server, `dagster-daemon` and the webserver on 127.0.0.1 over a
temporary DAGSTER_HOME; the test drops a new week of Service Ping files into the landing zone and
does nothing else (it only reads: GraphQL for runs and ticks, the warehouse read-only). The landing
sensor loads them, automation carries them to the Gainsight pump, and the pump changes exactly as
the landing files alone say it must (tests/expected_pump.py, before and after the drop). The same
files dropped again start no run (the trusted-data views' hourly rebuild may, if the test crosses
the hour: the clock's request, told apart by what it selects).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest
from dagster._utils.schedules import cron_string_iterator  # no public cron iterator

from tests.conftest import PROJECT_LANDING, copy_project
from tests.expected_pump import expected_pump
from usage_platform.automation.automation import AUTOMATION_SENSOR, TRUSTED_DATA_CRON
from usage_platform.automation.build import INTERVAL_ENV
from usage_platform.automation.notifier import failure_log_path
from usage_platform.dbt.project import DBT_QUIET_ENV
from usage_platform.settings import DAGSTER_YAML, PROJECT_ROOT
from usage_platform.synthetic import generate

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
LOCATION = "usage_platform"
PING_SENSOR = "landing_service_ping"
INTERVAL_SECONDS = 5
END_DATE = dt.date(2026, 10, 31)
NEXT_WEEK_END = END_DATE + dt.timedelta(days=7)
SETTLE_WAIT_S = 120  # servers up, first ticks
PUMP_WAIT_S = 300  # new week -> raw run -> automation run -> pump
ACTIVE = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"}
# A pump row: subscription x installation (uuid, hostname) or namespace x month, and two values a
# new week moves (active users from the month's latest ping, licensed users).
PUMP_SQL = (
    "select dim_subscription_id, uuid, hostname, dim_namespace_id, snapshot_month, active_user_count, "
    "license_user_count from pumps.pump_gainsight_metrics_monthly_paid"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Platform:
    """The three long-running processes, each in its own process group (runs are children of
    the code server), and a small GraphQL client for the webserver."""

    def __init__(self, work: Path, env: dict[str, str]):
        self.work, self.env = work, env
        self.grpc_port, self.web_port = free_port(), free_port()
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self) -> None:
        workspace = self.work / "workspace.yaml"
        workspace.write_text(
            "load_from:\n  - grpc_server:\n"
            f"      host: 127.0.0.1\n      port: {self.grpc_port}\n      location_name: {LOCATION}\n"
        )
        code_server = [str(BIN / "dagster"), "code-server", "start", "-m", "usage_platform.definitions"]
        code_server += ["-h", "127.0.0.1", "-p", str(self.grpc_port), "--location-name", LOCATION]
        self._spawn("code_server", code_server)
        self._spawn("daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)])
        webserver = [str(BIN / "dagster-webserver"), "-w", str(workspace), "-h", "127.0.0.1"]
        self._spawn("webserver", [*webserver, "-p", str(self.web_port)])

    def _spawn(self, name: str, command: list[str]) -> None:
        log = self.work / f"{name}.log"
        self.logs.append(log)
        with log.open("w") as handle:
            self.processes.append(
                subprocess.Popen(
                    command,
                    cwd=PROJECT_ROOT,
                    env=self.env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def check_alive(self) -> None:
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                pytest.fail(f"{log.stem} exited with {process.returncode}:\n{log.read_text()[-3000:]}")

    def describe(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-2500:]}" for log in self.logs if log.exists())

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def ticks(self, sensor: str) -> list[dict]:
        data = self.graphql(
            """query ($selector: SensorSelector!) {
                 sensorOrError(sensorSelector: $selector) {
                   __typename
                   ... on Sensor { sensorState { ticks(limit: 20) {
                     status timestamp skipReason runIds error { message } } } }
                 }
               }""",
            {
                "selector": {
                    "repositoryLocationName": LOCATION,
                    "repositoryName": "__repository__",
                    "sensorName": sensor,
                }
            },
        )["sensorOrError"]
        if data["__typename"] != "Sensor":
            return []
        return data["sensorState"]["ticks"]

    def check_executions(self, asset_path: list[str], check_name: str) -> list[dict]:
        data = self.graphql(
            """query ($key: AssetKeyInput!, $name: String!) {
                 assetCheckExecutions(assetKey: $key, checkName: $name, limit: 5) { runId status } }""",
            {"key": {"path": asset_path}, "name": check_name},
        )
        return data["assetCheckExecutions"]

    def last_materialization_run(self, asset_path: list[str]) -> str | None:
        data = self.graphql(
            """query ($key: AssetKeyInput!) { assetOrError(assetKey: $key) {
                 ... on Asset { assetMaterializations(limit: 1) { runId } } } }""",
            {"key": {"path": asset_path}},
        )["assetOrError"]
        materializations = data.get("assetMaterializations") or []
        return materializations[0]["runId"] if materializations else None

    def runs(self) -> list[dict]:
        data = self.graphql(
            """{ runsOrError(limit: 200) { __typename ... on Runs { results {
                   runId status jobName creationTime tags { key value } assetSelection { path }
                 } } } }"""
        )["runsOrError"]
        return data["results"]


def wait_for(
    what: str, condition, timeout_s: float, platform: Platform, interval_s: float = 2.0, explain=None
):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        platform.check_alive()
        try:
            value = condition()
        except (urllib.error.URLError, ConnectionError, RuntimeError, duckdb.IOException):
            value = None  # the webserver is still starting, or a run holds the warehouse
        if value:
            return value
        time.sleep(interval_s)
    try:
        detail = f"{explain()}\n" if explain else ""
    except (duckdb.Error, OSError) as error:
        detail = f"(no detail: {error})\n"
    pytest.fail(f"timed out after {timeout_s:.0f}s waiting for {what}\n{detail}{platform.describe()}")


def done_ticks(platform: Platform, sensor: str) -> list[dict]:
    return [tick for tick in platform.ticks(sensor) if tick["status"] != "STARTED"]


def pump_rows(warehouse: Path) -> dict[tuple, tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(PUMP_SQL).fetchall()
    return {tuple(row[:5]): tuple(row[5:]) for row in rows}


def expected_rows(landing: Path) -> dict[tuple, tuple]:
    return {
        (r.dim_subscription_id, r.uuid, r.hostname, r.dim_namespace_id, r.snapshot_month): (
            r.active_user_count,
            r.license_user_count,
        )
        for r in expected_pump(landing).values()
    }


def changes(after: dict[tuple, tuple], before: dict[tuple, tuple]) -> dict[tuple, tuple | None]:
    """Rows added or changed (their new values) and rows removed (None)."""
    changed: dict[tuple, tuple | None] = {k: v for k, v in after.items() if before.get(k) != v}
    changed.update({k: None for k in before if k not in after})
    return changed


def hourly_view_rebuild(run: dict, delivered_at: float) -> bool:
    """A run of the trusted-data views (and the summary that reads them) alone, after their hourly
    cron tick passed since the delivery: the clock's request, not the files' (the test may cross
    an hour)."""
    views = {path.stem for path in (PROJECT_ROOT / "dbt" / "models" / "trusted_data").glob("*.sql")}
    assets = {tuple(key["path"]) for key in run["assetSelection"] or []}
    rebuilt = {("trusted_data", name) for name in views} | {("trusted_data", "trusted_data_summary")}
    tick = next(cron_string_iterator(delivered_at, TRUSTED_DATA_CRON, "UTC")).timestamp()
    return bool(assets) and assets <= rebuilt and delivered_at < tick <= run["creationTime"]


def drop(folders: list[Path], landing: Path) -> float:
    """Copy the folders into the landing zone as a delivery would: new files, modified now."""
    started = time.time()
    for folder in folders:
        target = landing / "service_ping" / folder.name
        shutil.copytree(folder, target, copy_function=shutil.copyfile, dirs_exist_ok=True)
    return started


@pytest.fixture
def platform_env(project, tmp_path, monkeypatch):
    # History is already built (what `usage-platform materialize` does): a private copy of the
    # session's project, its warehouse and its Dagster instance.
    settings = copy_project(project, tmp_path)
    env = {
        **settings.as_env(),
        **DBT_QUIET_ENV,
        "DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
        INTERVAL_ENV: str(INTERVAL_SECONDS),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return settings, {**os.environ, **env}


def test_a_new_week_of_files_reaches_the_pump_with_no_human(tmp_path, platform_env):
    settings, env = platform_env
    # The same business a week later: its new Service Ping folders are the week to deliver.
    later = tmp_path / "later"
    generate(later, **PROJECT_LANDING, end_date=NEXT_WEEK_END)
    new_week = sorted(p for p in (later / "service_ping").iterdir() if p.name > END_DATE.isoformat())
    assert new_week and all(p.name <= NEXT_WEEK_END.isoformat() for p in new_week)

    assert (settings.dagster_home / "dagster.yaml").read_text() == DAGSTER_YAML.read_text()
    before = pump_rows(settings.duckdb_path)
    expected_before = expected_rows(settings.landing_dir)

    platform = Platform(tmp_path, env)
    try:
        platform.start()
        # Both sensors have evaluated once: the landing sensor took the built history as loaded,
        # the automation sensor has a baseline to see updates against.
        wait_for(
            "first ticks of the landing and automation sensors",
            lambda: done_ticks(platform, PING_SENSOR) and done_ticks(platform, AUTOMATION_SENSOR),
            SETTLE_WAIT_S,
            platform,
        )
        first = min(done_ticks(platform, PING_SENSOR), key=lambda t: t["timestamp"])
        assert first["status"] == "SKIPPED", first
        assert "taken as loaded" in first["skipReason"]
        runs_before = {run["runId"] for run in platform.runs()}

        delivered_at = drop(new_week, settings.landing_dir)
        # What the new week must change in the pump, from the landing files alone.
        expected_change = changes(expected_rows(settings.landing_dir), expected_before)
        assert {key[4] for key, row in expected_change.items() if row} >= {dt.date(2026, 11, 1)}

        def pump_reflects_the_new_week():
            runs = platform.runs()
            failed = [r for r in runs if r["status"] == "FAILURE"]
            if failed:
                notes = failure_log_path(settings)
                pytest.fail(f"run failed: {failed}\n{notes.read_text() if notes.exists() else ''}")
            new_runs = [r for r in runs if r["runId"] not in runs_before]
            if not new_runs or any(r["status"] in ACTIVE for r in runs):
                return None
            return new_runs if changes(pump_rows(settings.duckdb_path), before) == expected_change else None

        def pump_difference() -> str:
            actual = changes(pump_rows(settings.duckdb_path), before)
            wrong = {k: (actual.get(k), v) for k, v in expected_change.items() if actual.get(k) != v}
            extra = {k: v for k, v in actual.items() if k not in expected_change}
            return f"pump changes (actual, expected) that differ: {wrong}; unexpected changes: {extra}"

        new_runs = wait_for(
            "the pump to reflect the new week",
            pump_reflects_the_new_week,
            PUMP_WAIT_S,
            platform,
            explain=pump_difference,
        )
        sensors = {
            tag["value"] for run in new_runs for tag in run["tags"] if tag["key"] == "dagster/sensor_name"
        }
        assert PING_SENSOR in sensors and AUTOMATION_SENSOR in sensors, new_runs

        # One dbt invocation for the delivery: the landing run ran raw's own checks, the raw
        # table's dbt source tests ran (passed) in the automation's run, with the models.
        by_sensor = {
            run["runId"]: tag["value"]
            for run in new_runs
            for tag in run["tags"]
            if tag["key"] == "dagster/sensor_name"
        }
        for check, sensor in (
            ("pandera_schema", PING_SENSOR),
            ("source_not_null_service_ping_payloads_payload", AUTOMATION_SENSOR),
        ):
            latest = platform.check_executions(["raw", "service_ping_payloads"], check)[0]
            assert (by_sensor.get(latest["runId"]), latest["status"]) == (sensor, "SUCCEEDED"), check
        assert platform.last_materialization_run(["prep", "prep_ping_payload"]) == latest["runId"]

        # The delivery is over once an automation tick after the newest run requests nothing (a
        # follow-up run, such as an hourly rebuild, may start after the pump already changed).
        def settled():
            runs = platform.runs()
            if any(r["status"] in ACTIVE for r in runs):
                return None
            newest = max(r["creationTime"] for r in runs)
            quiet = [t for t in done_ticks(platform, AUTOMATION_SENSOR) if t["timestamp"] > newest]
            latest = max(quiet, key=lambda tick: tick["timestamp"], default=None)
            return quiet if latest is not None and not latest["runIds"] else None

        wait_for("the automation to settle after the delivery", settled, PUMP_WAIT_S, platform)

        # The same files again: read, recognised, no run.
        runs_now = {run["runId"] for run in platform.runs()}
        dropped_again = drop(new_week, settings.landing_dir)

        def tick_after_redelivery():
            ticks = done_ticks(platform, PING_SENSOR)
            return [
                t
                for t in ticks
                if t["timestamp"] > dropped_again and "identical content" in (t["skipReason"] or "")
            ]

        seen = wait_for("the landing sensor to see the re-delivery", tick_after_redelivery, 60, platform)
        assert all(t["status"] == "SKIPPED" and not t["runIds"] for t in seen)
        # ...and the automation sensor after it: nothing was updated, so nothing is due.
        later_ticks = wait_for(
            "an automation tick after the re-delivery",
            lambda: [
                t
                for t in done_ticks(platform, AUTOMATION_SENSOR)
                if t["timestamp"] > max(s["timestamp"] for s in seen)
            ],
            60,
            platform,
        )
        runs_by_id = {run["runId"]: run for run in platform.runs()}
        requested = [runs_by_id[run_id] for tick in later_ticks for run_id in tick["runIds"]]
        assert all(hourly_view_rebuild(run, delivered_at) for run in requested), requested
        extra = [
            (run["runId"], run["jobName"], {tag["key"]: tag["value"] for tag in run["tags"]})
            for run in platform.runs()
            if run["runId"] not in runs_now and not hourly_view_rebuild(run, delivered_at)
        ]
        assert extra == []
        assert changes(pump_rows(settings.duckdb_path), before) == expected_change
    finally:
        platform.stop()
