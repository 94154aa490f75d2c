"""The trusted-data view in a real browser: the Dagster webserver serves the materialized project
on 127.0.0.1, headless Chromium (Debian's `chromium`, driven through `chromedriver`'s W3C HTTP
API with urllib: no client library) opens it, and the test asserts that the asset graph renders,
and that an asset's page shows its freshness state and its check results. Screenshots are saved
under test-artifacts/trusted_data_view/ (git-ignored).

Freshness states come from Dagster's freshness daemon (part of `dagster dev`); the test runs one
pass of it, in-process, instead of starting the daemon with its sensors.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from usage_platform.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "trusted_data_view"
MODULE = "usage_platform.definitions"
LOCATION = "usage_platform"
ASSET = "raw/zuora_account"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1000",
]
# How the UI labels a freshness state (Dagster 1.13).
FRESHNESS_STATES = ("Passing", "Warning", "Failed", "Not evaluated")
INSTALL_HINT = "apt-get install -y chromium chromium-driver (.ci/run installs them)"


def browser_binaries() -> tuple[str, str]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (os.access(chromium, os.X_OK) and os.access(driver, os.X_OK)):
        pytest.skip(f"Debian's chromium and chromedriver are not installed: {INSTALL_HINT}")
    return chromium, driver


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(method: str, url: str, body: dict | None = None, timeout: float = 60) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


def wait_until(condition, timeout: float, what: str, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (OSError, urllib.error.URLError, ValueError, KeyError) as error:
            last_error = error
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last error: {last_error})")


@contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A subprocess in its own process group, logging to `log`, stopped (group and all) on exit."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, 9)
                    proc.wait()


def evaluate_freshness_once(env: dict[str, str]) -> None:
    """One pass of Dagster's freshness daemon over the code location, loaded in this process:
    the states it records are what the UI shows."""
    import dagster as dg
    from dagster._core.remote_origin import InProcessCodeLocationOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
    from dagster._daemon.freshness import FreshnessDaemon

    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(module_name=MODULE, working_directory=str(PROJECT_ROOT)), location_name=LOCATION
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with (
            dg.DagsterInstance.get() as instance,
            WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget(origin)) as context,
        ):
            for _ in FreshnessDaemon().run_iteration(context):
                pass


class Browser:
    """A chromedriver session: the few W3C WebDriver calls the test needs."""

    def __init__(self, driver_url: str, session_id: str):
        self.url = f"{driver_url}/session/{session_id}"

    def open(self, url: str) -> None:
        http_json("POST", f"{self.url}/url", {"url": url}, timeout=120)

    def run(self, script: str, *args):
        return http_json("POST", f"{self.url}/execute/sync", {"script": script, "args": list(args)})["value"]

    def text(self) -> str:
        return self.run("return document.body.innerText;")

    def count(self, css: str) -> int:
        return self.run("return document.querySelectorAll(arguments[0]).length;", css)

    def dismiss_dialogs(self) -> None:
        """Close the UI's first-visit "Join the Dagster community" dialog, if shown."""
        self.run(
            "const skip = [...document.querySelectorAll('[role=dialog] button')]"
            ".find(b => b.innerText.trim() === 'Skip'); if (skip) { skip.click(); }"
        )

    def wait_for_text(
        self, needles: list[str], timeout: float, what: str, any_of: tuple[str, ...] = ()
    ) -> str:
        """The page's text once it contains every needle (and one of `any_of`, if given)."""

        def ready() -> str | None:
            text = self.text()
            found = all(needle in text for needle in needles)
            return text if found and (not any_of or any(word in text for word in any_of)) else None

        return wait_until(ready, timeout, what)

    def settle(self, timeout: float = 30) -> None:
        """Give the page's live data a moment to load before a screenshot (not asserted)."""
        with suppress(AssertionError):
            wait_until(lambda: "Loading" not in self.text(), timeout, "live data")

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(http_json("GET", f"{self.url}/screenshot")["value"]))


@contextmanager
def chromium_session(chromium: str, driver: str, work: Path) -> Iterator[Browser]:
    port = free_port()
    env = {**os.environ, "HOME": str(work)}
    with process([driver, f"--port={port}"], env, work / "chromedriver.log"):
        driver_url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_json("GET", f"{driver_url}/status")["value"]["ready"], 30, "chromedriver")
        options = {"binary": chromium, "args": [*CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}"]}
        chrome = {"browserName": "chrome", "goog:chromeOptions": options}
        capabilities = {"capabilities": {"alwaysMatch": chrome}}
        session = http_json("POST", f"{driver_url}/session", capabilities, timeout=120)["value"]["sessionId"]
        try:
            yield Browser(driver_url, session)
        finally:
            with suppress(OSError, urllib.error.URLError):
                http_json("DELETE", f"{driver_url}/session/{session}", timeout=30)


def location_loaded(ui: str) -> bool:
    query = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"
    workspace = http_json("POST", f"{ui}/graphql", {"query": query})["data"]["workspaceOrError"]
    entries = workspace["locationEntries"]
    return any(entry["name"] == LOCATION and entry["loadStatus"] == "LOADED" for entry in entries)


def test_the_ui_shows_the_graph_a_check_result_and_freshness(materialized):
    chromium, driver = browser_binaries()
    assert materialized.result.success
    env = {**os.environ, **materialized.env}
    evaluate_freshness_once(materialized.env)

    work = Path(tempfile.mkdtemp(prefix="trusted_view_browser_"))
    ui_port = free_port()
    workspace = work / "workspace.yaml"
    workspace.write_text(
        "load_from:\n"
        f"  - python_module:\n      module_name: {MODULE}\n"
        f"      working_directory: {PROJECT_ROOT}\n      location_name: {LOCATION}\n"
    )
    webserver = [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(ui_port)]
    webserver += ["-w", str(workspace)]
    ui = f"http://127.0.0.1:{ui_port}"
    try:
        with process(webserver, env, work / "webserver.log") as server:
            loaded = lambda: server.poll() is None and location_loaded(ui)  # noqa: E731
            wait_until(loaded, 300, "the code location to load")
            with chromium_session(chromium, driver, work) as browser:
                # An asset graph: the summary's lineage (the summary and the dbt reports it reads;
                # a graph draws only the nodes in view, so a small one is asserted whole).
                browser.open(f"{ui}/assets/trusted_data/trusted_data_summary?view=lineage")
                names = ["trusted_data_summary", "rpt_trusted_data_test_coverage"]
                names.append("rpt_trusted_data_asset_last_run")
                graph = browser.wait_for_text(names, 120, "the asset graph to render")
                browser.dismiss_dialogs()
                assert browser.count("svg") > 0 and "Upstream" in graph
                browser.settle()
                browser.screenshot(ARTIFACTS / "asset_graph.png")

                # The asset's page: its freshness state (recorded by the daemon's pass) and its
                # latest check results.
                browser.open(f"{ui}/assets/{ASSET}")
                needles = ["Freshness policy", "Latest check results"]
                overview = browser.wait_for_text(needles, 120, "the asset page", any_of=FRESHNESS_STATES)
                browser.dismiss_dialogs()
                assert "Passing" in overview, overview[:3000]
                assert "Fails if more than 2 days since last materialization" in overview
                browser.screenshot(ARTIFACTS / "asset_page.png")

                # Its checks tab: each check with its latest result.
                browser.open(f"{ui}/assets/{ASSET}?view=checks")
                checks = browser.wait_for_text(
                    ["pandera_schema", "row_count_reconciliation", "Evaluation result"], 120, "the checks"
                )
                browser.dismiss_dialogs()
                assert "Succeeded" in checks and "Passed" in checks, checks[:3000]
                browser.screenshot(ARTIFACTS / "asset_checks.png")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name in ("asset_graph", "asset_page", "asset_checks"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
