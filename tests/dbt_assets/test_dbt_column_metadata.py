"""Column schema, column lineage and provider metadata on the dbt assets' materializations,
checked against the warehouse, the dbt yml files and the landing files themselves."""

from __future__ import annotations

import json
import shutil

import dagster as dg
import duckdb
import yaml

from tests.conftest import settings_for
from tests.dbt_assets import registered_providers
from tests.dbt_assets.conftest import LAYERS, materialize, release_summary, releases_in_landing
from usage_platform.dbt import model_metadata
from usage_platform.settings import DBT_PROJECT_DIR

RELEASES = ["common", "dim_app_release_major_minor"]
SCHEMA = "dagster/column_schema"
LINEAGE = "dagster/column_lineage"


def node_name(materialization: dg.AssetMaterialization) -> str:
    return materialization.metadata["unique_id"].value.split(".")[-1]


def by_node(materialized) -> dict[str, dg.AssetMaterialization]:
    """dbt node name -> its materialization (the run's other assets are not dbt's)."""
    return {node_name(m): m for m in materialized.materializations().values() if "unique_id" in m.metadata}


def described(settings, key: dg.AssetKey) -> dict[str, str]:
    """column -> type, as DuckDB itself describes the table."""
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        rows = conn.execute(f'describe "{key.path[0]}"."{key.path[1]}"').fetchall()
    return {row[0]: row[1] for row in rows}


def yml_columns() -> dict[str, dict[str, str]]:
    """model or seed -> {column: description}, read from the yml files beside them."""
    documented: dict[str, dict[str, str]] = {}
    for path in [*(DBT_PROJECT_DIR / "models").rglob("*.yml"), *(DBT_PROJECT_DIR / "seeds").rglob("*.yml")]:
        content = yaml.safe_load(path.read_text()) or {}
        for entry in [*(content.get("models") or []), *(content.get("seeds") or [])]:
            documented[entry["name"]] = {
                column["name"]: " ".join(str(column.get("description", "")).split())
                for column in entry.get("columns") or []
            }
    return documented


def deps(materialization, column: str) -> set[tuple[str, str]]:
    lineage = materialization.metadata[LINEAGE].value
    return {(dep.asset_key.to_user_string(), dep.column_name) for dep in lineage.deps_by_column[column]}


def test_every_model_has_column_schema_and_lineage_every_seed_a_schema(materialized):
    built = by_node(materialized)
    # The project as this session's definitions parsed it (other work may add models meanwhile).
    nodes = json.loads((materialized.dbt_target / "manifest.json").read_text())["nodes"].values()
    layered = [node for node in nodes if node["schema"] in LAYERS]
    models = {node["name"] for node in layered if node["resource_type"] == "model"}
    seeds = {node["name"] for node in layered if node["resource_type"] == "seed"}
    assert len(models) > 20
    assert models | seeds <= set(built), "every model and seed was built"
    assert [name for name in sorted(models) if not {SCHEMA, LINEAGE} <= set(built[name].metadata)] == []
    assert [name for name in sorted(seeds) if SCHEMA not in built[name].metadata] == []


def test_column_schema_is_the_built_table_with_the_yml_descriptions(materialized):
    documented = yml_columns()
    for name, materialization in by_node(materialized).items():
        columns = materialization.metadata[SCHEMA].value.columns
        table = described(materialized.settings, materialization.asset_key)
        assert {c.name: c.type for c in columns} == table, name
        descriptions = documented.get(name, {})
        for column in columns:
            expected = descriptions.get(column.name) or None
            assert (" ".join(column.description.split()) if column.description else None) == expected, (
                f"{name}.{column.name}"
            )


def test_column_types_are_the_warehouse_types(materialized):
    columns = by_node(materialized)["dim_app_release_major_minor"].metadata[SCHEMA].value.columns
    types = {c.name: c.type for c in columns}
    assert types["major_minor_version"] == "VARCHAR"
    assert types["major_version"] == "INTEGER"
    assert types["release_date"] == "DATE"
    assert types["is_latest_release"] == "BOOLEAN"


def test_lineage_follows_the_sql_of_models_read_by_hand(materialized):
    built = by_node(materialized)
    raw = "raw/ip_to_geo_locations"
    prep = built["prep_location_country"]
    assert deps(prep, "dim_location_country_id") == {(raw, "geoname_id")}
    assert deps(prep, "country_name") == {(raw, "country_name")}
    assert deps(prep, "iso_2_country_code") == {(raw, "country_iso_code")}
    assert deps(prep, "is_in_european_union") == {(raw, "is_in_european_union")}
    # coalesce(country rule, continent rule): both joins read the seed's region column.
    assert deps(prep, "location_region_name_map") == {("common/location_region_map", "location_region_name")}

    dim = built["dim_location"]
    for column in prep.metadata[LINEAGE].value.deps_by_column:
        assert deps(dim, column) == {("prep/prep_location_country", column)}

    releases = built["prep_app_release_major_minor"]
    assert deps(releases, "major_version") == {("raw/releases_releases", "major_minor_version")}
    assert deps(releases, "release_date") == {("raw/releases_releases", "release_date")}
    versions = built["dim_app_release_major_minor"]
    assert deps(versions, "version_number") == {
        ("prep/prep_app_release_major_minor", "release_date"),
        ("prep/prep_app_release_major_minor", "major_minor_version_num"),
    }


def test_lineage_points_at_columns_of_the_models_parents(materialized):
    graph = materialized.defs.resolve_asset_graph()
    parents: dict[dg.AssetKey, set[str]] = {}
    problems = []
    for name, materialization in by_node(materialized).items():
        if LINEAGE not in materialization.metadata:
            continue
        key = materialization.asset_key
        lineage = materialization.metadata[LINEAGE].value.deps_by_column
        built_columns = {c.name.lower() for c in materialization.metadata[SCHEMA].value.columns}
        assert set(lineage) == built_columns, name
        if graph.get(key).parent_keys:  # dim_date is generated from nothing
            assert any(lineage.values()), f"{name}: no column traced to any parent"
        for column, column_deps in lineage.items():
            for dep in column_deps:
                if dep.asset_key not in parents:
                    parents[dep.asset_key] = set(described(materialized.settings, dep.asset_key))
                parent_columns = {c.lower() for c in parents[dep.asset_key]}
                if dep.asset_key not in graph.get(key).parent_keys or dep.column_name not in parent_columns:
                    problems.append(f"{name}.{column} <- {dep.asset_key.to_user_string()}.{dep.column_name}")
    assert problems == []


def test_column_lineage_is_cached_beside_the_manifest(materialized):
    models = json.loads((materialized.dbt_target / model_metadata.LINEAGE_CACHE_FILE).read_text())["models"]
    built = by_node(materialized).values()
    traced = {m.metadata["unique_id"].value: m for m in built if LINEAGE in m.metadata}
    assert len(traced) > 20 and set(traced) <= set(models)
    for unique_id in ("model.usage_platform.prep_location_country", "model.usage_platform.dim_location"):
        lineage = traced[unique_id].metadata[LINEAGE].value.deps_by_column
        recorded = {
            column: [(tuple(d.asset_key.path), d.column_name) for d in deps]
            for column, deps in lineage.items()
        }
        cached = {
            column: [(tuple(p), n) for p, n in deps] for column, deps in models[unique_id]["lineage"].items()
        }
        assert cached == recorded


def test_provider_metadata_is_on_its_model_and_read_after_dbt(materialized, tmp_path, monkeypatch):
    # The releases models again, on a copy of the warehouse, with a provider registered for one.
    settings = settings_for(tmp_path / "data")
    settings.duckdb_path.parent.mkdir(parents=True)
    shutil.copy(materialized.settings.duckdb_path, settings.duckdb_path)
    monkeypatch.setenv("DBT_TARGET_PATH", str(materialized.dbt_target))
    monkeypatch.setattr(model_metadata, "PROVIDER_MODULES", ("tests.dbt_assets.registered_providers",))
    monkeypatch.setattr(registered_providers, "PROVIDERS", {"dim_app_release_major_minor": release_summary})
    keys = [dg.AssetKey(["prep", "prep_app_release_major_minor"]), dg.AssetKey(RELEASES)]
    run = materialize(settings, materialized.dbt_target, keys)
    assert run.result.success
    built = by_node(run)
    metadata = built["dim_app_release_major_minor"].metadata
    releases = releases_in_landing(materialized.settings.landing_dir)
    assert metadata["release_count"].value == len(releases)
    latest = max(releases, key=lambda v: (releases[v], *(int(part) for part in v.split("."))))
    assert metadata["latest_release"].value == latest
    assert metadata["read_only"].value is True, "providers get a read-only connection"
    provided = [name for name, m in built.items() if "release_count" in m.metadata]
    assert provided == ["dim_app_release_major_minor"]


def test_the_dagster_process_lets_go_of_the_warehouse(materialized):
    # Nothing in this process still holds the file: a writer can open it right after the run.
    with duckdb.connect(str(materialized.settings.duckdb_path)) as conn:
        conn.execute("create or replace table main.writer_after_run as select 1 as x")
        conn.execute("drop table main.writer_after_run")


def test_definitions_carry_the_documented_columns(materialized):
    specs = {spec.key: spec for spec in materialized.defs.resolve_all_asset_specs()}
    spec = specs[dg.AssetKey(["common", "dim_location"])]
    columns = {c.name: c.description for c in spec.metadata[SCHEMA].columns}
    assert set(columns) == set(yml_columns()["dim_location"])
    assert columns["iso_2_country_code"] == "ISO 3166-1 alpha-2 country code."


def test_yml_reader_sees_the_models():
    # Guards the helper above: an empty reading would make the description test vacuous.
    documented = yml_columns()
    assert "dim_location" in documented
    assert "location_region_map" in documented
    assert documented["dim_location"]["country_name"] == "Country name (English)."
