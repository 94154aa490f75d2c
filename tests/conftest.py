"""Shared fixtures: settings pointing at a temp data dir, and the real GitLab reference data."""

from __future__ import annotations

from pathlib import Path

import pytest

from usage_platform.settings import PROJECT_ROOT, Settings

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


def dbt_build(settings: Settings, select: str, *, tmp_dir: Path) -> str:
    """`dbt build --select SELECT` against the settings' warehouse; returns dbt's output and
    fails the test with that output when dbt fails. Raw tables must already be loaded."""
    import os
    import subprocess
    import sys

    from usage_platform.dbt.project import dbt_env, dbt_executable
    from usage_platform.settings import DBT_PROJECT_DIR

    command = [dbt_executable(), "build", "--select", select, "--target-path", str(tmp_dir / "dbt_target")]
    # The reports on the check history read tables only Dagster writes (trusted_data_history):
    # left out unless the selection asks for them.
    if "trusted_data" not in select:
        command += ["--exclude", "source:trusted_data+"]
    # Only tests whose every parent is selected: a relationships test into an unbuilt model is not ours.
    command += ["--indirect-selection", "buildable"]
    command += ["--log-path", str(tmp_dir / "dbt_logs")]
    completed = subprocess.run(
        command,
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_env(settings)},
        capture_output=True,
        text=True,
        check=False,
    )
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
