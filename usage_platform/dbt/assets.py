"""Every dbt model and seed as a Dagster asset, every dbt test as an asset check.

Each built model's materialization also carries its column schema (warehouse types, dbt yml
descriptions), its column lineage and its warehouse metadata provider's numbers: see
model_metadata.py. On DuckDB they are read after dbt has ended (dbt holds the file until then).
"""

import json
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from usage_platform.dbt.model_metadata import (
    LINEAGE_CACHE_FILE,
    MetadataProvider,
    attach_warehouse_metadata,
    documented_schema,
    metadata_providers,
    unknown_models,
)
from usage_platform.dbt.project import (
    dbt_env,
    dbt_executable,
    dbt_project,
    ensure_manifest,
    environment,
    keep_partial_parse_state,
    prune_run_folders,
)
from usage_platform.dbt.resource import UsagePlatformDbtCliResource
from usage_platform.dbt.translator import UsagePlatformTranslator
from usage_platform.settings import Settings
from usage_platform.warehouse.duckdb import DUCKDB_POOL, read_only_connection

# dbt writes manifest.json twice per invocation (after parsing, then again with run_results.json
# at the end): about a second per invocation on this project, for files nothing reads. Dagster
# has the manifest (parsed once, `ensure_manifest`) and each node's result as an event; the
# invocation's folder keeps its compiled SQL, dbt.log and partial-parse state.
BUILD_FLAGS = ("--no-write-json",)


def build_dbt_assets(
    settings: Settings, *, name: str = "usage_platform_dbt", select: str = "fqn:*", exclude: str | None = None
) -> dg.AssetsDefinition:
    """The dbt nodes that `select`/`exclude` (dbt selection syntax) pick, as one multi-asset."""
    project = dbt_project(settings)
    manifest = ensure_manifest(project, settings)
    translator = UsagePlatformTranslator()
    # Beside the manifest (the project's dbt target folder), not in the per-run target folder.
    lineage_cache = manifest.parent / LINEAGE_CACHE_FILE

    @dbt_assets(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=translator,
        name=name,
        select=select,
        exclude=exclude,
        pool=DUCKDB_POOL,
    )
    def usage_platform_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        providers = warehouse_metadata_providers(manifest, settings, context.log)  # before dbt starts
        with environment(dbt_env(settings)):
            invocation = dbt.cli(["build", *BUILD_FLAGS], context=context)
        try:
            if settings.target == "duckdb":
                yield from attach_warehouse_metadata(
                    invocation.stream(),
                    manifest=invocation.manifest,
                    target_path=invocation.target_path,
                    asset_key_for=translator.get_asset_key,
                    connect=lambda: read_only_connection(settings),
                    providers=providers,
                    lineage_cache=lineage_cache,
                )
            else:
                # A warehouse that takes concurrent readers: dagster-dbt reads the columns through
                # the dbt adapter as models finish.
                events = invocation.stream().fetch_column_metadata()
                yield from with_documented_columns(events, invocation.manifest)
        finally:  # dbt has parsed, whatever came of the build
            keep_partial_parse_state(invocation.target_path, manifest.parent)
            prune_run_folders(manifest.parent, name)

    return usage_platform_dbt


def dbt_resource(settings: Settings) -> DbtCliResource:
    return UsagePlatformDbtCliResource(
        project_dir=dbt_project(settings), target=settings.target, dbt_executable=dbt_executable()
    )


def warehouse_metadata_providers(
    manifest_path: Path, settings: Settings, log: Any
) -> dict[str, MetadataProvider]:
    """The registered providers, checked against the manifest (they read DuckDB only)."""
    providers = metadata_providers()
    if not providers:
        return {}
    unknown = unknown_models(providers, json.loads(Path(manifest_path).read_text()))
    if unknown:
        raise ValueError(f"warehouse metadata providers registered for no dbt model: {unknown}")
    if settings.target != "duckdb":
        log.warning(f"warehouse metadata providers read DuckDB: not called on target {settings.target}")
        return {}
    return providers


def with_documented_columns(events: Any, manifest: dict[str, Any]) -> Any:
    """Give a column schema fetched by dagster-dbt the descriptions and tags of the dbt yml."""
    for event in events:
        schema = event.metadata.get("dagster/column_schema")
        unique_id = event.metadata.get("unique_id") if schema is not None else None
        node = manifest["nodes"].get(unique_id.value) if unique_id is not None else None
        if node is not None:
            built = {column.name: column.type for column in schema.value.columns}
            documented = dg.TableSchemaMetadataValue(documented_schema(node, built))
            metadata = {**event.metadata, "dagster/column_schema": documented}
            event = event.with_metadata(metadata)
        yield event
