"""The one root of the Dagster definitions.

Settings are read when Dagster loads the definitions (the `@dg.definitions` function), never at
import, so tests and tools can point the platform anywhere through the environment.
"""

from __future__ import annotations

import dagster as dg

from usage_platform.automation import with_automation
from usage_platform.dbt.assets import build_dbt_assets, dbt_resource
from usage_platform.gainsight.assets import build_gainsight_assets
from usage_platform.settings import Settings, SettingsError
from usage_platform.sources.assets import build_raw_assets
from usage_platform.trusted_data.model_checks import build_model_checks
from usage_platform.trusted_data.summary import (
    TRUSTED_DBT_NAME,
    TRUSTED_DBT_SELECTION,
    with_trusted_data_view,
)
from usage_platform.warehouse.duckdb import duckdb_resource

MATERIALIZE_ALL_JOB = "materialize_all"


def build_definitions(settings: Settings) -> dg.Definitions:
    if settings.target != "duckdb":
        # The dbt profile already has a snowflake target; the raw loaders for it do not exist yet.
        raise SettingsError(
            f"USAGE_PLATFORM_TARGET={settings.target}: only the duckdb target can load raw data so far"
        )
    dbt_models = build_dbt_assets(settings, exclude=TRUSTED_DBT_SELECTION)
    # The dbt reports on the check history run after it, so they are a dbt asset of their own.
    dbt_trusted_data = build_dbt_assets(settings, name=TRUSTED_DBT_NAME, select=TRUSTED_DBT_SELECTION)
    defs = dg.Definitions(
        assets=[*build_raw_assets(settings), dbt_models, *build_gainsight_assets(settings), dbt_trusted_data],
        # Pandera and warehouse SQL checks beside the dbt tests (the raw checks run in the raw steps).
        asset_checks=build_model_checks([dbt_models, dbt_trusted_data]),
        jobs=[
            dg.define_asset_job(
                MATERIALIZE_ALL_JOB,
                selection=dg.AssetSelection.all(),
                description="Every asset and check: landing zone -> raw -> dbt -> Gainsight pump.",
            )
        ],
        resources={"warehouse": duckdb_resource(settings), "dbt": dbt_resource(settings)},
        # One DuckDB file, one writer: run steps in one process, one after the other.
        executor=dg.in_process_executor,
    )
    # Check history, its summary and freshness policies, then sensors, automation conditions and
    # the failure notifier: each applied once to the whole graph.
    defs = with_trusted_data_view(defs, settings)
    return with_automation(defs, settings)


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
