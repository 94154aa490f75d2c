"""Shared fixtures: settings pointing at a temp data dir, the real GitLab reference data, and the one
materialized project the heavy tests share (materializing everything takes minutes on 2 cores)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from usage_platform.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings
from usage_platform.synthetic import GenerationSummary

# The parse state the tests' own dbt invocations share (dbt_subprocess), one per worker.
DBT_PARSE_STATE: Path = DBT_PROJECT_DIR / "target" / "pytest_partial_parse.msgpack"


def pytest_configure(config):
    """Under pytest-xdist (`make test` runs two workers), each worker parses the dbt project into
    a target path of its own: two `dbt parse` writing one manifest would race."""
    global DBT_PARSE_STATE
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = Path(os.environ.get("DBT_TARGET_PATH") or DBT_PROJECT_DIR / "target")
    if not base.is_absolute():
        base = DBT_PROJECT_DIR / base
    if worker:
        base = base / f"pytest-{worker}"
        os.environ["DBT_TARGET_PATH"] = str(base)
    DBT_PARSE_STATE = base / "pytest_partial_parse.msgpack"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Groups for `--dist loadgroup`: the tests of the shared project run in one worker, so it is
    built once; the others go by folder, so a folder's session fixture is built once. Tests of the
    root files (cheap fixtures) are spread one by one."""
    for item in items:
        relative = item.path.relative_to(Path(__file__).parent)
        if "project" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group("project"))
        elif len(relative.parts) > 1:
            item.add_marker(pytest.mark.xdist_group(relative.parts[0]))


# Real GitLab reference data lives beside the repository (../shared), never copied into it.
REFERENCE_DIR = PROJECT_ROOT.parent / "shared" / "reference" / "gitlab"


@pytest.fixture
def reference_dir() -> Path:
    if not REFERENCE_DIR.is_dir():
        pytest.fail(f"GitLab reference data not found at {REFERENCE_DIR} (shared/ must sit beside the repo)")
    return REFERENCE_DIR


def settings_for(data_dir: Path, **overrides: str) -> Settings:
    env = {"USAGE_PLATFORM_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home")}
    env.update(overrides)
    return Settings.from_env(env)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path / "data")


def load_raw(settings: Settings) -> None:
    """Load every landing file of the settings' landing zone into raw (no Dagster involved)."""
    import duckdb

    from usage_platform.sources.catalog import raw_tables
    from usage_platform.sources.landing import find_landing_files
    from usage_platform.sources.load_duckdb import DuckDBRawLoader

    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        loader = DuckDBRawLoader(conn, run_id="test")
        for table in raw_tables():
            files = find_landing_files(settings, table)
            if files:
                loader.load(table, files)


def dbt_subprocess(settings: Settings, args: list[str], *, tmp_dir: Path) -> subprocess.CompletedProcess:
    """dbt ARGS against the settings' warehouse, with its target and logs under tmp_dir; the
    caller judges the outcome.

    dbt parses the whole project (~4 s) when its target folder has no parse state or the profile
    changed, and the warehouse's path is part of the profile: every test would parse anew. So dbt
    runs in the warehouse's folder with its path relative (the same profile in every test), and
    starts from the parse state the worker's previous invocation left (DBT_PARSE_STATE), as the
    platform's own dbt step does (keep_partial_parse_state). dbt still reparses what changed."""
    from usage_platform.dbt.project import PARTIAL_PARSE_FILE, dbt_env, dbt_executable

    target = tmp_dir / "dbt_target"
    if DBT_PARSE_STATE.is_file() and not (target / PARTIAL_PARSE_FILE).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DBT_PARSE_STATE, target / PARTIAL_PARSE_FILE)
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    command = [dbt_executable(), *args, *project, "--target-path", str(target)]
    command += ["--log-path", str(tmp_dir / "dbt_logs")]
    env = {**os.environ, **dbt_env(settings), "USAGE_PLATFORM_DUCKDB_PATH": settings.duckdb_path.name}
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        command, cwd=settings.duckdb_path.parent, env=env, capture_output=True, text=True, check=False
    )
    # Vars are part of the parse state: a state parsed with --vars would make the next
    # invocation (without them) parse in full again, so it is not kept.
    if (target / PARTIAL_PARSE_FILE).is_file() and "--vars" not in args:
        DBT_PARSE_STATE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target / PARTIAL_PARSE_FILE, DBT_PARSE_STATE)
    return completed


def dbt_build(settings: Settings, select: str, *, tmp_dir: Path, write_json: bool = False) -> str:
    """`dbt build --select SELECT` against the settings' warehouse; returns dbt's output and
    fails the test with that output when dbt fails. Raw tables must already be loaded.
    `write_json`: dbt writes manifest.json and run_results.json (a second a build; off unless the
    test reads them, as the platform's own dbt step runs)."""
    args = ["build", "--select", select]
    # The reports on the check history read tables only Dagster writes (trusted_data_history):
    # left out unless the selection asks for them.
    if "trusted_data" not in select:
        args += ["--exclude", "source:trusted_data+"]
    # Only tests whose every parent is selected: a relationships test into an unbuilt model is not ours.
    args += ["--indirect-selection", "buildable"]
    if not write_json:
        args.append("--no-write-json")
    completed = dbt_subprocess(settings, args, tmp_dir=tmp_dir)
    if completed.returncode != 0:
        print(completed.stdout[-6000:], file=sys.stderr)
        pytest.fail(f"dbt build --select {select} failed:\n{completed.stdout[-3000:]}")
    return completed.stdout


def build_generated(tmp_dir: Path, select: str, **generate_args) -> Settings:
    """Generate a small landing zone under tmp_dir, load it into raw and dbt-build `select`."""
    from usage_platform.synthetic import generate

    settings = settings_for(tmp_dir / "data")
    generate(settings.landing_dir, **{"instances": 10, "months": 2, "seed": 11, **generate_args})
    load_raw(settings)
    dbt_build(settings, select, tmp_dir=tmp_dir)
    return settings


# The landing zone of the shared project: small, with every planted case of the generator.
PROJECT_LANDING = {"instances": 10, "months": 2, "seed": 11}


@dataclass(frozen=True)
class Project:
    """A generated landing zone materialized whole (every asset and check, the trusted-data view
    included) by `usage-platform materialize`, in a persistent DAGSTER_HOME."""

    settings: Settings
    defs: dg.Definitions
    result: dg.ExecuteInProcessResult
    env: dict[str, str]  # what it ran with: DAGSTER_HOME, the data dir, DBT_TARGET_PATH
    dbt_target: Path  # where dbt wrote the manifest of the run
    generated: GenerationSummary  # what the generator says it wrote (planted malformed files...)


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Project:
    """The shared project, built once per session. Tests only read it: a test that materializes
    again, drops files or writes the warehouse works on `copy_project`."""
    from usage_platform.cli import run_materialize
    from usage_platform.definitions import build_definitions
    from usage_platform.synthetic import generate

    tmp = tmp_path_factory.mktemp("project")
    settings = settings_for(tmp / "data")
    generated = generate(settings.landing_dir, **PROJECT_LANDING)
    env = {**settings.as_env(), "DBT_TARGET_PATH": str(tmp / "dbt_target"), "DO_NOT_TRACK": "1"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        result = run_materialize(settings)
        defs = build_definitions(settings)
    if not result.success:
        failures = [event.event_specific_data.error for event in result.get_step_failure_events()]
        pytest.fail("materializing the shared project failed:\n" + "\n".join(e.to_string() for e in failures))
    return Project(settings, defs, result, env, tmp / "dbt_target", generated)


def copy_project(project: Project, tmp_dir: Path) -> Settings:
    """A private copy of the shared project's data dir (landing zone, warehouse, outbox and
    DAGSTER_HOME with its run history), for a test that changes it."""
    shutil.copytree(project.settings.data_dir, tmp_dir / "data", symlinks=True)
    return settings_for(tmp_dir / "data")
