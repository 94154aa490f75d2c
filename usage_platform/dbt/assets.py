"""Every dbt model and seed as a Dagster asset, every dbt test as an asset check."""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from usage_platform.dbt.project import dbt_env, dbt_executable, dbt_project, ensure_manifest, environment
from usage_platform.dbt.translator import UsagePlatformTranslator
from usage_platform.settings import Settings
from usage_platform.warehouse.duckdb import DUCKDB_POOL


def build_dbt_assets(settings: Settings) -> dg.AssetsDefinition:
    project = dbt_project(settings)
    manifest = ensure_manifest(project, settings)

    @dbt_assets(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=UsagePlatformTranslator(),
        name="usage_platform_dbt",
        pool=DUCKDB_POOL,
    )
    def usage_platform_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        with environment(dbt_env(settings)):
            invocation = dbt.cli(["build"], context=context)
        yield from invocation.stream()

    return usage_platform_dbt


def dbt_resource(settings: Settings) -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project(settings), target=settings.target, dbt_executable=dbt_executable()
    )
