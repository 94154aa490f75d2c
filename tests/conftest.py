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
