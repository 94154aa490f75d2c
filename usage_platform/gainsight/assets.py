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

from usage_platform.gainsight.export import (
    Snapshot,
    export_snapshot,
    file_sha256,
    read_manifest,
    snapshot_root,
)
from usage_platform.settings import Settings
from usage_platform.warehouse.duckdb import DUCKDB_POOL

PUMP_TABLE = "pumps.pump_gainsight_metrics_monthly_paid"
PUMP_KEY = dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid"])
EXPORT_KEY = dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid_export"])
OWNER = "team:customer-success-data"
SNAPSHOT_CHECK = "snapshot_matches_pump"


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
        check_specs=[
            dg.AssetCheckSpec(
                SNAPSHOT_CHECK,
                asset=EXPORT_KEY,
                blocking=True,
                description="The published folder, read back, holds the pump: the file's sha256, rows "
                "and columns equal the manifest's, and its rows equal the pump table's.",
            )
        ],
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
            pump_rows = conn.execute(f"select count(*) from {PUMP_TABLE}").fetchone()[0]
            problems = snapshot_problems(conn, snapshot, pump_rows)
        context.log.info(f"exported {snapshot.row_count} rows to {snapshot.directory}")
        return dg.MaterializeResult(
            check_results=[
                dg.AssetCheckResult(
                    check_name=SNAPSHOT_CHECK,
                    passed=not problems,
                    metadata={"problems": "; ".join(problems) or "none", "pump_rows": int(pump_rows)},
                )
            ],
            metadata={
                "dagster/row_count": dg.MetadataValue.int(snapshot.row_count),
                "snapshot_id": snapshot.snapshot_id,
                "snapshot_dir": dg.MetadataValue.path(str(snapshot.directory)),
                "sha256": snapshot.sha256,
                "size_bytes": dg.MetadataValue.int(snapshot.size_bytes),
                "columns": dg.MetadataValue.int(len(snapshot.columns)),
            },
        )

    return pump_gainsight_metrics_monthly_paid_export


def snapshot_problems(conn, snapshot: Snapshot, pump_rows: int) -> list[str]:
    """What differs between the published folder (read back from disk) and the pump table."""
    manifest = read_manifest(snapshot.directory)
    data_file = snapshot.directory / manifest["file"]
    file_sql = "'" + str(data_file).replace("'", "''") + "'"
    file_rows = conn.execute(f"select count(*) from read_parquet({file_sql})").fetchone()[0]
    described = conn.execute(f"describe select * from read_parquet({file_sql})").fetchall()
    file_columns = [row[0] for row in described]
    problems = []
    if file_sha256(data_file) != manifest["sha256"]:
        problems.append("the file's sha256 differs from the manifest's")
    if not file_rows == manifest["row_count"] == pump_rows:
        problems.append(f"rows: file {file_rows}, manifest {manifest['row_count']}, pump {pump_rows}")
    if file_columns != [column["name"] for column in manifest["columns"]]:
        problems.append("the file's columns differ from the manifest's")
    return problems
