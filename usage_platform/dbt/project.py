"""The dbt project and its manifest.

`DbtProject.prepare_if_dev()` parses only under `dagster dev`; tests, CI, the CLI and
`dagster asset materialize` need the manifest too, so `ensure_manifest` runs `dbt parse`
whenever the manifest is missing, older than the project's files, or built for another target.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from dagster_dbt import DbtProject

from usage_platform.settings import DBT_PROJECT_DIR, Settings

# dbt must not try to reach the internet (there is none in CI) or ask questions.
DBT_QUIET_ENV = {"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
_PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")


def dbt_project(settings: Settings) -> DbtProject:
    # DBT_TARGET_PATH (dbt's own variable) moves the manifest, so parallel checkouts or test
    # sessions need not share dbt/target.
    target_path = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target=settings.target,
        target_path=target_path,
    )


def dbt_executable() -> str:
    """dbt from this interpreter's environment, so it works without an activated venv."""
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else "dbt"


# A subset run selects only the tests whose every parent is built: with dbt's default (eager), a
# relationships test into a model outside the subset runs against a table that may not exist.
# Dagster still overrides this with `empty` when it must pick tests one by one.
DBT_SUBSET_ENV = {"DBT_INDIRECT_SELECTION": "buildable"}


def dbt_env(settings: Settings) -> dict[str, str]:
    return {**DBT_QUIET_ENV, **DBT_SUBSET_ENV, **settings.as_env()}


@contextlib.contextmanager
def environment(overrides: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for subprocesses started inside the block (dbt inherits them)."""
    saved = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _newest_input_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _PROJECT_INPUTS:
        path = project_dir / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def manifest_is_current(project: DbtProject) -> bool:
    manifest = Path(project.manifest_path)
    if not manifest.is_file() or manifest.stat().st_mtime < _newest_input_mtime(Path(project.project_dir)):
        return False
    try:
        adapter = json.loads(manifest.read_text())["metadata"]["adapter_type"]
    except (ValueError, KeyError):
        return False
    return adapter == project.target


def ensure_manifest(project: DbtProject, settings: Settings) -> Path:
    if not manifest_is_current(project):
        command = [dbt_executable(), "parse", "--quiet", "--target", settings.target]
        result = subprocess.run(
            [
                *command,
                "--project-dir",
                str(project.project_dir),
                "--profiles-dir",
                str(project.profiles_dir),
            ],
            cwd=project.project_dir,
            env={**os.environ, **dbt_env(settings)},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return Path(project.manifest_path)


PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def keep_partial_parse_state(run_target_path: Path, project_target_path: Path) -> None:
    """Make the state dbt parsed in a run the one the next run starts from.

    dagster-dbt gives every invocation a target folder of its own, seeded with the project
    target's `partial_parse.msgpack`. dbt rejects that state whenever the profile's connection
    differs from the one it was parsed with (the DuckDB path and settings are part of it: another
    data dir, a test's warehouse, the benchmark's), parses everything again (~6 s more than a
    partial parse) and writes the new state only into the run's folder, so every later run pays
    the full parse again. Copied back (a temporary file renamed over the old one, so a concurrent
    reader never sees half a file), the next run with the same profile parses partially; dbt
    itself checks the state against the project's files and profile, so a stale copy is never
    wrong, only slower."""
    source = Path(run_target_path) / PARTIAL_PARSE_FILE
    if not source.is_file():
        return
    project_target_path.mkdir(parents=True, exist_ok=True)
    prefix = ".partial_parse."
    with tempfile.NamedTemporaryFile(dir=project_target_path, prefix=prefix, delete=False) as handle:
        temporary = Path(handle.name)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, project_target_path / PARTIAL_PARSE_FILE)
    finally:
        temporary.unlink(missing_ok=True)


# dbt target folders of past invocations kept per dbt step (see prune_run_folders).
RUN_FOLDERS_KEPT = 20


def prune_run_folders(project_target_path: Path, step: str, keep: int = RUN_FOLDERS_KEPT) -> list[Path]:
    """Remove all but the newest `keep` target folders of the dbt step `step`; returns them.

    dagster-dbt writes every invocation into a folder of its own, `<step>-<run id[:7]>-<id>`, under
    the project target (compiled SQL, dbt.log, partial-parse state: megabytes for this project;
    no manifest or run results, see BUILD_FLAGS in assets.py) and never removes it: a deployment
    that runs itself would grow by that much per delivery. The newest are kept to look into;
    DuckDB's writers run one at a time (pool of one), so a folder in use is always among them."""
    pattern = re.compile(re.escape(step) + r"-[0-9a-f]{7}-[0-9a-f]{7}")
    folders = [
        path for path in Path(project_target_path).iterdir() if path.is_dir() and pattern.fullmatch(path.name)
    ]
    folders.sort(key=lambda path: path.stat().st_mtime_ns, reverse=True)
    removed = folders[keep:]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed
