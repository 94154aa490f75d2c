"""dbt parses the project partially from the second run on, even after another warehouse was
used: the dbt asset copies the state a run parsed back to the project's target folder."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from tests.conftest import settings_for
from usage_platform.dbt.assets import build_dbt_assets, dbt_resource
from usage_platform.dbt.project import PARTIAL_PARSE_FILE, dbt_project, ensure_manifest

PROFILE_CHANGED = "Unable to do partial parsing because profile has changed"


def run_dbt(settings) -> Path:
    """Build one seed through the dbt asset; the run's dbt target folder."""
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    assets = build_dbt_assets(settings, select="location_region_map")
    with dg.instance_for_test() as instance:
        result = dg.materialize([assets], resources={"dbt": dbt_resource(settings)}, instance=instance)
    assert result.success
    (folder,) = project_target(settings).glob(f"usage_platform_dbt-{result.run_id[:7]}-*")
    return folder


def project_target(settings) -> Path:
    return ensure_manifest(dbt_project(settings), settings).parent


def test_the_next_run_parses_partially_after_a_profile_change(tmp_path):
    # A new warehouse: a profile dbt has not parsed with (the saved state is the manifest's, or
    # an earlier run's, each with a warehouse path of its own), so the first run parses in full.
    other = settings_for(tmp_path / "other")
    target = project_target(other)
    changed = run_dbt(other)
    assert PROFILE_CHANGED in (changed / "dbt.log").read_text()
    # What that run parsed is now the project's state: the next run parses partially.
    kept = (target / PARTIAL_PARSE_FILE).read_bytes()
    assert kept == (changed / PARTIAL_PARSE_FILE).read_bytes()
    again = run_dbt(other)
    log = (again / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing enabled" in log
    assert not list(target.glob(".partial_parse.*"))  # no temporary file left behind
