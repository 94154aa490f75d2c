"""Every asset of the data layers has a check, each dim and the pump a Pandera schema that lists
exactly its documented columns, each fact a warehouse SQL check, each key model its golden records;
the golden seeds are what the golden customers imply; dbt tests carry GitLab's tags."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import dagster as dg
import pytest
import yaml

from tests.trusted_checks.conftest import all_dbt_assets, dbt_assets_of
from tests.trusted_checks.golden_expected import GOLDEN_SEEDS, SEED_DIR, expected_seeds, read_seed
from usage_platform.settings import DBT_PROJECT_DIR
from usage_platform.trusted_data.model_checks import (
    DOCUMENTED_COLUMNS_CHECK_NAME,
    FACT_CHECKS,
    PANDERA_CHECK_NAME,
)
from usage_platform.trusted_data.model_schemas import MODEL_SCHEMAS, model_columns, pump_metric_columns

# The layers whose every asset must have a check. Not in the rule: the `trusted_data` group, which
# holds what the checks themselves produce and the golden seeds (expectations, which have their
# own checks anyway: asserted below).
LAYERS = {"raw", "prep", "common", "marts", "pumps"}
KEY_MODELS = {GOLDEN_SEEDS[seed][0]: seed for seed in GOLDEN_SEEDS}


@pytest.fixture(scope="module")
def graph(defs_with_checks) -> dg.Definitions:
    return defs_with_checks.get_repository_def().asset_graph


@pytest.fixture(scope="module")
def checks_by_asset(graph) -> dict[dg.AssetKey, set[str]]:
    found: dict[dg.AssetKey, set[str]] = defaultdict(set)
    for key in graph.asset_check_keys:
        found[key.asset_key].add(key.name)
    return found


@pytest.fixture(scope="module")
def groups(graph) -> dict[dg.AssetKey, str]:
    return {
        key: graph.get(key).group_name
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }


def test_every_asset_of_the_data_layers_has_a_check(groups, checks_by_asset):
    layered = [key for key, group in groups.items() if group in LAYERS]
    assert {groups[key] for key in layered} == LAYERS, "every layer has assets"
    unchecked = sorted(key.to_user_string() for key in layered if not checks_by_asset.get(key))
    assert unchecked == []


def test_every_dbt_model_and_seed_has_its_schema_checks(defs_with_checks, checks_by_asset):
    keys = [key for dbt_assets in all_dbt_assets(defs_with_checks) for key in dbt_assets.keys]
    assert any(key.path[-1].startswith("rpt_trusted_data") for key in keys), "the reports' dbt asset too"
    for key in keys:
        assert {DOCUMENTED_COLUMNS_CHECK_NAME, "column_schema_change"} <= checks_by_asset[key], key


def test_dims_and_pump_have_pandera_checks_and_facts_sql_checks(defs_with_checks, groups, checks_by_asset):
    models = {key.path[-1]: key for key in dbt_assets_of(defs_with_checks).keys}
    dims = {name for name in models if name.startswith("dim_")}
    assert dims and dims <= set(MODEL_SCHEMAS), f"dims without a Pandera schema: {dims - set(MODEL_SCHEMAS)}"
    for name in [*dims, "pump_gainsight_metrics_monthly_paid"]:
        assert PANDERA_CHECK_NAME in checks_by_asset[models[name]], name
    facts = {name for name in models if name.startswith("fct_")} | {"prep_ping_instance_flattened"}
    sql_checked = {check.asset_key.path[-1] for check in FACT_CHECKS}
    assert facts <= sql_checked, f"facts without a warehouse check: {facts - sql_checked}"


def test_only_the_pump_check_blocks(defs_with_checks):
    blocking = {
        key.asset_key.path[-1]
        for checks in defs_with_checks.asset_checks or []
        for key, spec in zip(checks.check_keys, checks.check_specs, strict=True)
        if key.name == PANDERA_CHECK_NAME and spec.blocking
    }
    assert blocking == {"pump_gainsight_metrics_monthly_paid"}


def test_key_models_have_golden_record_checks_and_golden_seeds_are_checked(groups, checks_by_asset):
    by_name = {key.path[-1]: key for key in groups}
    for model, seed in KEY_MODELS.items():
        assert f"golden_records_{model}" in checks_by_asset[by_name[model]], model
        assert groups[by_name[seed]] == "trusted_data"
        golden_checks = {name for name in checks_by_asset[by_name[seed]] if "golden" in name}
        assert golden_checks, f"{seed} has no check of its own"


def _yml_columns(layer_folder: str, name: str) -> list[str]:
    document = yaml.safe_load((DBT_PROJECT_DIR / "models" / layer_folder / f"{name}.yml").read_text())
    (model,) = [m for m in document["models"] if m["name"] == name]
    return [column["name"] for column in model["columns"]]


@pytest.mark.parametrize("name", sorted(MODEL_SCHEMAS))
def test_pandera_schema_lists_exactly_the_documented_columns(name):
    spec = MODEL_SCHEMAS[name]
    assert sorted(model_columns(spec.model)) == sorted(_yml_columns(spec.schema, name))


def test_pump_schema_follows_the_metric_seed():
    metrics = pump_metric_columns()
    assert metrics, "the seed gainsight_pump_metrics lists the pump's metric columns"
    assert set(metrics) <= set(model_columns(MODEL_SCHEMAS["pump_gainsight_metrics_monthly_paid"].model))


def test_golden_seeds_hold_what_the_golden_customers_imply():
    expected = expected_seeds()
    found = {path.stem: read_seed(path) for path in sorted(SEED_DIR.glob("*.csv"))}
    assert found == expected


def test_golden_seeds_are_documented_and_typed_as_text():
    document = yaml.safe_load((SEED_DIR / "golden.yml").read_text())
    seeds = {seed["name"]: seed for seed in document["seeds"]}
    assert set(seeds) == set(GOLDEN_SEEDS)
    for name, seed in seeds.items():
        header = list(read_seed(SEED_DIR / f"{name}.csv")[0])
        assert [c["name"] for c in seed["columns"]] == header
        assert all((c.get("description") or "").strip() for c in seed["columns"]), name
        assert seed["config"]["column_types"] == dict.fromkeys(header, "varchar")
        assert seed["config"]["schema"] == "trusted_data"


def test_dbt_tests_carry_gitlab_tags(defs_with_checks):  # loading the definitions parsed the manifest
    from usage_platform.dbt.project import dbt_project
    from usage_platform.settings import Settings

    manifest = json.loads(Path(dbt_project(Settings.from_env()).manifest_path).read_text())
    where = {"sources": "source", "prep": "prep", "common": "common", "marts": "marts", "pumps": "pumps"}
    problems = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        tags = set(node["tags"])
        folder = node["original_file_path"].split("/")[1]
        expected = {"tdf"} | ({where[folder]} if folder in where else set())
        if node["name"].startswith("golden_records_") or "/golden/" in node["original_file_path"]:
            expected.add("golden")
        if not expected <= tags:
            problems.append(f"{node['name']}: {sorted(tags)}, expected {sorted(expected)}")
    assert problems == []
