"""The dbt asset's care of the project's dbt target folder: dbt parses the project partially from
the second run on, even after another warehouse was used (the state a run parsed is copied back),
the per-invocation folders dagster-dbt leaves behind are pruned to the newest few, and hold no
manifest or run results."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from tests.conftest import settings_for
from usage_platform.dbt.assets import build_dbt_assets, dbt_resource
from usage_platform.dbt.project import (
    PARTIAL_PARSE_FILE,
    RUN_FOLDERS_KEPT,
    dbt_project,
    ensure_manifest,
    prune_run_folders,
)

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
    # The manifest is current before the warehouse below is first used (else dbt would parse it
    # with that warehouse's profile, and its first run would parse partially).
    project_target(settings_for(tmp_path / "first"))
    # A new warehouse: a profile dbt has not parsed with (the saved state is the manifest's, or
    # an earlier run's, each with a warehouse path of its own), so the first run parses in full.
    other = settings_for(tmp_path / "other")
    target = project_target(other)
    changed = run_dbt(other)
    assert PROFILE_CHANGED in (changed / "dbt.log").read_text()
    # dbt writes no manifest.json or run_results.json there (seconds per delivery, read by nobody).
    assert not (changed / "manifest.json").exists() and not (changed / "run_results.json").exists()
    # What that run parsed is now the project's state: the next run parses partially.
    kept = (target / PARTIAL_PARSE_FILE).read_bytes()
    assert kept == (changed / PARTIAL_PARSE_FILE).read_bytes()
    # Folders of old invocations, older than any real one: pruned by the next run's step.
    stale = [target / f"usage_platform_dbt-{n:07x}-{n:07x}" for n in range(RUN_FOLDERS_KEPT + 5)]
    for folder in stale:
        folder.mkdir(exist_ok=True)  # a checkout's earlier session may have left some
        os.utime(folder, (1_000_000_000, 1_000_000_000))
    again = run_dbt(other)
    kept = [path for path in target.iterdir() if path.name.startswith("usage_platform_dbt-")]
    assert len(kept) == RUN_FOLDERS_KEPT and again in kept and changed in kept
    assert sum(folder.exists() for folder in stale) <= RUN_FOLDERS_KEPT - 2
    log = (again / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing enabled" in log
    assert not list(target.glob(".partial_parse.*"))  # no temporary file left behind


def test_only_the_newest_folders_of_a_step_are_kept(tmp_path):
    def folder(name: str, age: int) -> Path:
        path = tmp_path / name
        path.mkdir()
        (path / "run_results.json").write_text("{}")
        os.utime(path, (1_700_000_000 - age, 1_700_000_000 - age))
        return path

    runs = [folder(f"usage_platform_dbt-{n:07x}-abcdef{n % 10}", age=n) for n in range(5)]
    other_step = folder("trusted_data_dbt-0000000-1111111", age=100)
    not_a_run = [folder("dbt_logs", age=100), folder("usage_platform_dbt-notarun", age=100)]
    (tmp_path / "manifest.json").write_text("{}")
    removed = prune_run_folders(tmp_path, "usage_platform_dbt", keep=2)
    assert sorted(removed) == sorted(runs[2:])  # the oldest three
    assert [path.exists() for path in runs] == [True, True, False, False, False]
    assert other_step.exists() and all(path.exists() for path in not_a_run)
    assert (tmp_path / "manifest.json").exists()
    assert prune_run_folders(tmp_path, "usage_platform_dbt", keep=2) == []
