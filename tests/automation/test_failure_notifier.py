"""The run-failure sensor sends what failed through the notifier: a JSON-lines file by default,
Slack (dagster-slack) when a channel is configured."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import urllib.parse

import dagster as dg
import pytest

from usage_platform.automation.build import INTERVAL_ENV, build_automation, sensor_interval_seconds
from usage_platform.automation.failures import FAILURE_SENSOR, build_failure_sensor
from usage_platform.automation.notifier import (
    SLACK_CHANNEL_ENV,
    FileNotifier,
    SlackNotifier,
    failure_log_path,
    notifier_from_env,
)
from usage_platform.settings import SettingsError

BROKEN = "raw.zuora_subscription: no landing files match subscription.csv"


@dg.op
def load_ok() -> int:
    return 1


@dg.op
def load_broken(value: int) -> None:
    raise dg.Failure(BROKEN)


@dg.job
def nightly_load():
    load_broken(load_ok())


def failed_run_context(instance, notifier) -> dg.RunFailureSensorContext:
    result = nightly_load.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    records = instance.get_records_for_run(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
    return dg.build_run_status_sensor_context(
        sensor_name=FAILURE_SENSOR,
        dagster_event=records[0].event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        resources={"notifier": notifier},
    ).for_run_failure()


def test_failed_run_is_written_to_the_failure_file(settings):
    notifier = notifier_from_env(settings, {})
    assert isinstance(notifier, FileNotifier)
    with dg.instance_for_test() as instance:
        context = failed_run_context(instance, notifier)
        build_failure_sensor(30)(context)
        run_id = context.dagster_run.run_id

    lines = failure_log_path(settings).read_text().splitlines()
    assert len(lines) == 1
    notification = json.loads(lines[0])
    assert notification["kind"] == "run_failure"
    assert notification["job_name"] == "nightly_load"
    assert notification["run_id"] == run_id
    assert notification["trigger"] == "manual"
    assert [step["step_key"] for step in notification["failed_steps"]] == ["load_broken"]
    assert BROKEN in notification["failed_steps"][0]["error"]
    assert "load_broken" in notification["error"]
    assert notification["failed_at"].endswith("+00:00")


class FakeSlackApi(http.server.BaseHTTPRequestHandler):
    """Slack's Web API on 127.0.0.1: records each chat.postMessage call and answers ok."""

    calls: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()} if body else {}
        if self.headers.get("Content-Type", "").startswith("application/json"):
            form = json.loads(body)
        self.calls.append({"path": self.path, "auth": self.headers["Authorization"], **form})
        answer = json.dumps({"ok": True, "channel": form.get("channel"), "ts": "1.0"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def slack_api(monkeypatch):
    """dagster-slack's client, pointed at a fake Slack API on 127.0.0.1."""
    import dagster_slack.resources
    from slack_sdk import WebClient

    FakeSlackApi.calls = []
    server = http.server.HTTPServer(("127.0.0.1", 0), FakeSlackApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    monkeypatch.setattr(dagster_slack.resources, "WebClient", functools.partial(WebClient, base_url=base_url))
    yield FakeSlackApi.calls
    server.shutdown()
    server.server_close()


def test_slack_is_used_when_a_channel_is_configured(settings, monkeypatch, slack_api):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    notifier = notifier_from_env(settings, {SLACK_CHANNEL_ENV: "#data-alerts"})
    assert isinstance(notifier, SlackNotifier)
    with dg.instance_for_test() as instance:
        context = failed_run_context(instance, notifier)
        build_failure_sensor(30)(context)

    # One message through dagster-slack's client (slack_sdk), with the bot token from the environment.
    (call,) = slack_api
    assert call["path"] == "/api/chat.postMessage"
    assert call["auth"] == "Bearer xoxb-test"
    assert call["channel"] == "#data-alerts"
    assert f"Run {context.dagster_run.run_id} of nightly_load failed" in call["text"]
    assert "Failed steps: load_broken" in call["text"]
    assert not failure_log_path(settings).exists()


def test_sensor_interval_setting(settings):
    assert sensor_interval_seconds({}) == 30
    assert sensor_interval_seconds({INTERVAL_ENV: "5"}) == 5
    for bad in ("0", "-3", "soon"):
        with pytest.raises(SettingsError, match=INTERVAL_ENV):
            sensor_interval_seconds({INTERVAL_ENV: bad})
    defs = build_automation(settings, {INTERVAL_ENV: "7"})
    intervals = {s.name: s.minimum_interval_seconds for s in defs.get_repository_def().sensor_defs}
    assert set(intervals.values()) == {7}
