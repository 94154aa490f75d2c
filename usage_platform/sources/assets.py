"""Raw assets: one multi-asset per source system, one asset per raw table.

Many small raw tables load in few steps (one per source system): each step pays Dagster's
start-up once, and DuckDB reads all new files of a table in one statement.

Each raw table carries its checks (usage_platform.trusted_data.raw_checks): the Pandera schema and
the landing -> raw reconciliation are blocking, the row-count bounds only warn. They are evaluated
in the loading step right after each table's load, so a failed blocking check fails the step and
nothing downstream (dbt) runs in that run.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from usage_platform.settings import Settings
from usage_platform.sources.catalog import RawTable, SourceSystem, load_catalog
from usage_platform.sources.landing import find_landing_files, landing_root
from usage_platform.sources.load_duckdb import DuckDBRawLoader, LoadReport
from usage_platform.trusted_data.raw_checks import evaluate_raw_checks, raw_check_specs
from usage_platform.warehouse.duckdb import DUCKDB_POOL

RAW_GROUP = "raw"
_FORMAT_KINDS = {"csv": "csv", "table_file": "csv", "service_ping": "json", "metrics_yaml": "yaml"}


def raw_asset_spec(table: RawTable, settings: Settings) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=dg.AssetKey(table.asset_key_path),
        description=table.description,
        group_name=RAW_GROUP,
        owners=[table.owner],
        kinds={settings.target, _FORMAT_KINDS[table.format]},
        tags={"data_classification": table.data_classification, "source_system": table.system},
        metadata={
            "landing_files": dg.MetadataValue.text(
                ", ".join(f"{landing_root(settings, table)}/{g}" for g in table.globs)
            ),
            "cadence": table.cadence,
            "dagster/table_name": f"raw.{table.table}",
        },
    )


def report_metadata(report: LoadReport) -> dict[str, object]:
    metadata: dict[str, object] = {
        "dagster/row_count": dg.MetadataValue.int(report.table_rows),
        "files_found": report.files_found,
        "files_new": report.files_new,
        "files_loaded": report.files_loaded,
        "rows_loaded": report.rows_loaded,
        "files_quarantined": report.files_quarantined,
        "records_quarantined": sum(1 for q in report.quarantined if q.record is not None),
    }
    if report.quarantined:
        lines = ["| file | reason |", "|---|---|"]
        lines += [
            f"| {q.source_file} | {q.reason.replace('|', '/')[:200]} |" for q in report.quarantined[:20]
        ]
        metadata["quarantine"] = dg.MetadataValue.md("\n".join(lines))
    return metadata


def _source_system_asset(system: SourceSystem, settings: Settings) -> dg.AssetsDefinition:
    tables = {dg.AssetKey(t.asset_key_path): t for t in system.tables}

    @dg.multi_asset(
        name=f"raw_{system.name}",
        specs=[raw_asset_spec(t, settings) for t in system.tables],
        check_specs=[spec for t in system.tables for spec in raw_check_specs(t)],
        can_subset=True,
        pool=DUCKDB_POOL,
        description=system.description,
    )
    def load_source_system(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
        with warehouse.get_connection() as conn:
            loader = DuckDBRawLoader(conn, run_id=context.run_id)
            for key in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
                table = tables[key]
                files = find_landing_files(settings, table, known=loader.known_files(table))
                if not files and not loader.has_table(table):
                    # Nothing to load and nothing loaded before: the export is missing, say so.
                    raise dg.Failure(
                        f"raw.{table.table}: no landing files match "
                        f"{', '.join(table.globs)} under {landing_root(settings, table)}"
                    )
                report = loader.load(table, files)
                for q in report.quarantined:
                    context.log.warning(f"quarantined {q.source_file}: {q.reason}")
                yield dg.MaterializeResult(asset_key=key, metadata=report_metadata(report))
                yield from evaluate_raw_checks(
                    conn, table, files, run_id=context.run_id, selected=context.selected_asset_check_keys
                )

    return load_source_system


def build_raw_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [_source_system_asset(system, settings) for system in load_catalog()]
