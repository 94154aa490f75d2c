"""The platform's definitions with the model checks, and the session's project, for the tests of
the model checks (Pandera, warehouse SQL, golden records, coverage)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import dbt_subprocess, settings_for
from usage_platform.definitions import build_definitions
from usage_platform.settings import Settings
from usage_platform.trusted_data.model_checks import build_model_checks, check_keys

DBT_ASSETS = "usage_platform_dbt"


def dbt_assets_of(defs: dg.Definitions) -> dg.AssetsDefinition:
    """The main dbt asset: every model and seed but the trusted-data reports."""
    return next(
        a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition) and a.op.name == DBT_ASSETS
    )


def all_dbt_assets(defs: dg.Definitions) -> list[dg.AssetsDefinition]:
    return [
        a
        for a in defs.assets or []
        if isinstance(a, dg.AssetsDefinition) and all("dbt" in spec.kinds for spec in a.specs)
    ]


def with_model_checks(defs: dg.Definitions) -> dg.Definitions:
    """The definitions as the root will wire them: build_definitions plus build_model_checks over
    every dbt asset (unless the root already adds them)."""
    checks = build_model_checks(all_dbt_assets(defs))
    present = {key for a in defs.asset_checks or [] for key in getattr(a, "check_keys", ())}
    present |= {key for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition) for key in a.check_keys}
    if check_keys(checks) <= present:
        return defs
    return dg.Definitions.merge(defs, dg.Definitions(asset_checks=checks))


@pytest.fixture(scope="session")
def defs_with_checks(tmp_path_factory) -> dg.Definitions:
    return with_model_checks(build_definitions(settings_for(tmp_path_factory.mktemp("check_defs") / "data")))


@pytest.fixture(scope="session")
def built(project) -> Settings:
    """The session's project: a generated landing zone (golden customers included), everything built."""
    return project.settings


@pytest.fixture
def warehouse_copy(built, tmp_path) -> Settings:
    """A copy of the built warehouse to plant bad rows in."""
    settings = settings_for(tmp_path / "data")
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(built.duckdb_path, settings.duckdb_path)
    return settings


def dbt_run(settings: Settings, *args: str, tmp_dir: Path) -> subprocess.CompletedProcess:
    """dbt against the settings' warehouse; the caller judges the outcome."""
    return dbt_subprocess(settings, [*args, "--no-write-json"], tmp_dir=tmp_dir)
