"""Publishing the pump to Gainsight.

Gainsight reads `pumps.pump_gainsight_metrics_monthly_paid` read-only. On Snowflake that is a
grant (dbt's `grants` config, macro `gainsight_grants`) and there is nothing to run. On DuckDB,
which Gainsight cannot reach, this asset publishes each materialization of the pump as a new
versioned snapshot in the outbox (`export.export_snapshot`), where Gainsight's file connector
picks it up.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource annotations.
import dagster as dg
from dagster_duckdb import DuckDBResource

from usage_platform.gainsight.export import export_snapshot, snapshot_root
from usage_platform.settings import Settings
from usage_platform.warehouse.duckdb import DUCKDB_POOL

PUMP_TABLE = "pumps.pump_gainsight_metrics_monthly_paid"
PUMP_KEY = dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid"])
EXPORT_KEY = dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid_export"])
OWNER = "team:customer-success-data"


def build_gainsight_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    if settings.target != "duckdb":
        return []  # Snowflake: Gainsight reads the pump table itself through its role
    return [_export_asset(settings)]


def _export_asset(settings: Settings) -> dg.AssetsDefinition:
    root = snapshot_root(settings.outbox_dir, PUMP_TABLE)

    @dg.asset(
        key=EXPORT_KEY,
        deps=[PUMP_KEY],
        group_name="pumps",
        owners=[OWNER],
        kinds={settings.target, "parquet"},
        tags={"data_classification": "green"},
        pool=DUCKDB_POOL,
        description=(
            "The Gainsight pump published for Gainsight's file connector: each materialization "
            "writes a new snapshot folder (the pump as Parquet plus manifest.json with row count, "
            "sha256, columns and snapshot time) under the outbox; earlier snapshots are never "
            "rewritten."
        ),
        metadata={"outbox": dg.MetadataValue.path(str(root)), "source_table": PUMP_TABLE},
    )
    def pump_gainsight_metrics_monthly_paid_export(
        context: dg.AssetExecutionContext, warehouse: DuckDBResource
    ) -> dg.MaterializeResult:
        with warehouse.get_connection() as conn:
            snapshot = export_snapshot(
                conn,
                PUMP_TABLE,
                settings.outbox_dir,
                order_by="primary_key",
                extra_manifest={"run_id": context.run_id},
            )
        context.log.info(f"exported {snapshot.row_count} rows to {snapshot.directory}")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(snapshot.row_count),
                "snapshot_id": snapshot.snapshot_id,
                "snapshot_dir": dg.MetadataValue.path(str(snapshot.directory)),
                "sha256": snapshot.sha256,
                "size_bytes": dg.MetadataValue.int(snapshot.size_bytes),
                "columns": dg.MetadataValue.int(len(snapshot.columns)),
            }
        )

    return pump_gainsight_metrics_monthly_paid_export
