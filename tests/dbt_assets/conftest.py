"""The dbt asset tests read the session's shared project; `materialize` runs dbt assets again, on
a copy, with providers a test registers."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from usage_platform.settings import Settings

DBT_ASSETS = "usage_platform_dbt"
# The EDM layers: what raw alone feeds (trusted_data models read what Dagster itself records).
LAYERS = ("prep", "common", "marts", "pumps")


@dataclass
class Materialized:
    settings: Settings
    defs: dg.Definitions
    result: dg.ExecuteInProcessResult
    dbt_target: Path  # DBT_TARGET_PATH of the session: the manifest, parsed once

    def materializations(self) -> dict[str, dg.AssetMaterialization]:
        return {
            event.asset_key.to_user_string(): event.materialization
            for event in self.result.get_asset_materialization_events()
        }


def dbt_asset_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    """The dbt models and seeds of the EDM layers."""
    assets_defs = defs.resolve_asset_graph().assets_defs
    (assets_def,) = [a for a in assets_defs if a.is_executable and a.node_def.name == DBT_ASSETS]
    return sorted(key for key in assets_def.keys if key.path[0] in LAYERS)


def materialize(settings: Settings, dbt_target: Path, keys=None) -> Materialized:
    """Materialize `keys` (default: the EDM layers' dbt assets) with the materialize-all job.
    Call it with DBT_TARGET_PATH set to `dbt_target`."""
    from usage_platform.definitions import MATERIALIZE_ALL_JOB, build_definitions

    defs = build_definitions(settings)
    job = defs.resolve_job_def(MATERIALIZE_ALL_JOB)
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, asset_selection=keys or dbt_asset_keys(defs), raise_on_error=False
        )
    return Materialized(settings, defs, result, dbt_target)


def release_summary(conn: duckdb.DuckDBPyConnection) -> dict:
    """A provider: the number of releases and the latest, plus proof the connection is read-only."""
    count, latest = conn.execute(
        "select count(*), max(major_minor_version) filter (where is_latest_release) "
        "from common.dim_app_release_major_minor"
    ).fetchone()
    try:
        conn.execute("create table main.provider_was_here as select 1 as x")
        read_only = False
    except duckdb.Error:
        read_only = True
    return {"release_count": count, "latest_release": latest, "read_only": read_only}


def releases_in_landing(landing_dir: Path) -> dict[str, str]:
    """major.minor -> first release date, straight from the releases export."""
    first: dict[str, str] = {}
    with (landing_dir / "releases" / "releases.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            version = row["major_minor_version"].strip()
            if version and (version not in first or row["release_date"] < first[version]):
                first[version] = row["release_date"]
    return first


@pytest.fixture(scope="session")
def materialized(project) -> Materialized:
    """The session's shared project (tests/conftest.py): every model, seed and test built through
    Dagster's materialize_all job."""
    return Materialized(project.settings, project.defs, project.result, project.dbt_target)
