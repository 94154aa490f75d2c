"""The Dagster definitions: they load, validate, and every asset carries what DESIGN.md §6 asks."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from usage_platform.definitions import build_definitions
from usage_platform.warehouse.duckdb import DUCKDB_POOL

GROUPS = {"raw", "prep", "common", "marts", "pumps", "trusted_data"}
SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    from tests.conftest import settings_for

    return build_definitions(settings_for(tmp_path_factory.mktemp("defs")))


@pytest.fixture(scope="module")
def specs(defs):
    return {spec.key: spec for spec in defs.resolve_all_asset_specs()}


def test_definitions_validate(defs):
    dg.Definitions.validate_loadable(defs)


def test_every_asset_has_description_owner_group_and_classification(specs):
    problems = []
    for key, spec in specs.items():
        if not (spec.description or "").strip():
            problems.append(f"{key.to_user_string()}: no description")
        if not spec.owners:
            problems.append(f"{key.to_user_string()}: no owner")
        if spec.group_name not in GROUPS:
            problems.append(f"{key.to_user_string()}: group {spec.group_name}")
        if spec.tags.get("data_classification") not in {"orange", "yellow", "green"}:
            problems.append(f"{key.to_user_string()}: classification {spec.tags.get('data_classification')}")
    assert problems == []


def test_asset_keys_are_schema_and_table_and_group_is_the_schema(specs):
    for key, spec in specs.items():
        assert len(key.path) == 2, key
        assert key.path[0] == spec.group_name, key


def test_classifications_follow_the_data(specs):
    def tag(path: str) -> str:
        return specs[dg.AssetKey(path.split("/"))].tags["data_classification"]

    assert tag("raw/service_ping_payloads") == "orange"
    assert tag("raw/salesforce_account") == "orange"
    assert tag("raw/zuora_subscription") == "yellow"
    assert tag("common/dim_subscription") == "yellow"
    assert tag("prep/prep_ping_payload") == "orange"
    assert tag("pumps/pump_gainsight_metrics_monthly_paid") == "green"


def test_dbt_lineage_reaches_the_raw_assets(defs):
    graph = defs.resolve_asset_graph()
    pump = dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid"])
    upstream = graph.get(pump).parent_keys
    assert dg.AssetKey(["common", "dim_ping_instance"]) in upstream
    ping = graph.get(dg.AssetKey(["prep", "prep_ping_payload"]))
    assert dg.AssetKey(["raw", "service_ping_payloads"]) in ping.parent_keys


def test_dbt_tests_are_asset_checks_source_tests_included(defs):
    checks = {key.to_user_string() for key in defs.resolve_asset_graph().asset_check_keys}
    assert (
        "pumps/pump_gainsight_metrics_monthly_paid:unique_pump_gainsight_metrics_monthly_paid_primary_key"
        in checks
    )
    assert any(c.startswith("raw/service_ping_payloads:") for c in checks)


def test_every_warehouse_writer_is_in_the_duckdb_pool(defs):
    graph = defs.resolve_asset_graph()
    # Checks that read only the Dagster instance (column schema changes) need no pool.
    warehouse_steps = [s for s in graph.assets_defs if {"warehouse", "dbt"} & set(s.required_resource_keys)]
    assert len(warehouse_steps) > len(graph.assets_defs) // 2
    for step in warehouse_steps:
        assert step.op.pool == DUCKDB_POOL, step.node_def.name


def test_settings_are_read_when_definitions_load_not_at_import(monkeypatch):
    import importlib

    import usage_platform.definitions as module

    monkeypatch.setenv("USAGE_PLATFORM_TARGET", "not-a-target")
    importlib.reload(module)  # importing reads nothing
    with pytest.raises(ValueError, match="not-a-target"):
        module.defs()


def test_asset_graph_snapshot(specs):
    """Accidental changes to the graph show up here; after an intended change, rerun with
    UPDATE_SNAPSHOTS=1 and commit the new snapshot."""
    lines = []
    for key in sorted(specs, key=lambda k: k.to_user_string()):
        spec = specs[key]
        deps = ", ".join(sorted(dep.asset_key.to_user_string() for dep in spec.deps))
        lines.append(f"{key.to_user_string()} [{spec.tags['data_classification']}] <- {deps}")
    text = "\n".join(lines) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), f"no snapshot at {SNAPSHOT}: run with UPDATE_SNAPSHOTS=1 once"
    assert text == SNAPSHOT.read_text()
