"""Publishing the pump to the outbox: one versioned snapshot per export, Parquet plus a manifest
whose row count, checksum and columns describe the file, and no snapshot ever rewritten."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq
import pytest
from dagster_duckdb import DuckDBResource

from tests.conftest import settings_for
from usage_platform.gainsight.assets import (
    EXPORT_KEY,
    PUMP_KEY,
    SNAPSHOT_CHECK,
    build_gainsight_assets,
    snapshot_problems,
)
from usage_platform.gainsight.export import SnapshotExistsError, export_snapshot, read_manifest

TABLE = "pumps.pump_gainsight_metrics_monthly_paid"
ROWS = [
    ("k1", dt.date(2026, 9, 1), "A-S0001", 10, None),
    ("k2", dt.date(2026, 10, 1), "A-S0001", 12, 0.5),
    ("k3", dt.date(2026, 10, 1), "O'Brien's sub", None, 0.25),
]
COLUMNS = [
    ("primary_key", "VARCHAR"),
    ("snapshot_month", "DATE"),
    ("subscription_name", "VARCHAR"),
    ("active_user_count", "BIGINT"),
    ("license_utilization", "DOUBLE"),
]


@pytest.fixture
def settings(tmp_path):
    settings = settings_for(tmp_path / "data")
    settings.duckdb_path.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        conn.execute("create schema pumps")
        conn.execute(f"create table {TABLE} ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
        conn.executemany(f"insert into {TABLE} values (?, ?, ?, ?, ?)", list(reversed(ROWS)))
    return settings


def _export(settings, **kwargs):
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return export_snapshot(conn, TABLE, settings.outbox_dir, **{"order_by": "primary_key", **kwargs})


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_snapshot_is_the_table_as_parquet_with_a_manifest_that_describes_it(settings):
    created = dt.datetime(2026, 11, 2, 6, 30, tzinfo=dt.UTC)
    snapshot = _export(settings, created_at=created)
    folder = (
        settings.outbox_dir / "gainsight" / "pump_gainsight_metrics_monthly_paid" / "20261102T063000000000Z"
    )
    assert snapshot.directory == folder
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "pump_gainsight_metrics_monthly_paid.parquet",
    ]
    data_file = folder / "pump_gainsight_metrics_monthly_paid.parquet"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["snapshot_id"] == "20261102T063000000000Z"
    assert manifest["created_at"] == "2026-11-02T06:30:00+00:00"
    assert manifest["source_table"] == TABLE
    assert manifest["file"] == data_file.name
    assert manifest["row_count"] == len(ROWS)
    assert manifest["sha256"] == _sha256(data_file)
    assert manifest["size_bytes"] == data_file.stat().st_size
    assert [(c["name"], c["type"]) for c in manifest["columns"]] == COLUMNS
    table = pq.read_table(data_file)
    assert table.column_names == [name for name, _ in COLUMNS]
    assert [tuple(row.values()) for row in table.to_pylist()] == ROWS  # ordered by primary_key


def test_snapshots_are_never_rewritten(settings):
    first = _export(settings, snapshot_id="first")
    before = {p.name: p.read_bytes() for p in first.directory.iterdir()}
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        conn.execute(f"insert into {TABLE} values ('k4', '2026-10-01', 'A-S0002', 3, 1.0)")
    with pytest.raises(SnapshotExistsError):
        _export(settings, snapshot_id="first")
    assert {p.name: p.read_bytes() for p in first.directory.iterdir()} == before
    second = _export(settings)
    assert second.directory != first.directory
    assert read_manifest(second.directory)["row_count"] == len(ROWS) + 1
    assert read_manifest(first.directory)["row_count"] == len(ROWS)
    # Nothing half-written stays behind, and nothing but the two snapshots is there.
    assert sorted(p.name for p in first.directory.parent.iterdir()) == sorted(["first", second.snapshot_id])


def test_snapshot_ids_sort_in_time_order(settings):
    early = _export(settings, created_at=dt.datetime(2026, 11, 2, 6, 30, 0, 5, tzinfo=dt.UTC))
    late = _export(settings, created_at=dt.datetime(2026, 11, 2, 6, 30, 0, 40, tzinfo=dt.UTC))
    assert early.snapshot_id < late.snapshot_id


def test_a_failed_export_leaves_no_snapshot(settings):
    with pytest.raises(ValueError, match="no column"):
        _export(settings, snapshot_id="bad", order_by="no_such_column")
    with pytest.raises(ValueError, match="snapshot id"):
        _export(settings, snapshot_id="../escape")
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn, pytest.raises(duckdb.Error):
        export_snapshot(conn, "pumps.no_such_table", settings.outbox_dir)
    root = settings.outbox_dir / "gainsight"
    assert [p for p in root.rglob("*") if p.is_file()] == []


def test_the_export_asset_publishes_a_snapshot_per_materialization(settings):
    (asset,) = build_gainsight_assets(settings)
    spec = asset.specs_by_key[EXPORT_KEY]
    assert spec.group_name == "pumps" == EXPORT_KEY.path[0]
    assert "manifest.json" in spec.description
    assert spec.owners == ["team:customer-success-data"]
    assert spec.kinds == {"duckdb", "parquet"}
    assert spec.tags["data_classification"] == "green"
    assert {dep.asset_key for dep in spec.deps} == {PUMP_KEY}
    resources = {"warehouse": DuckDBResource(database=str(settings.duckdb_path))}
    results = [dg.materialize([asset], resources=resources) for _ in range(2)]
    snapshots = []
    for result in results:
        assert result.success
        (materialization,) = result.asset_materializations_for_node(asset.node_def.name)
        metadata = materialization.metadata
        assert metadata["dagster/row_count"].value == len(ROWS)
        folder = metadata["snapshot_dir"].value
        snapshots.append(folder)
        manifest = read_manifest(Path(folder))
        assert (
            Path(folder).parent == settings.outbox_dir / "gainsight" / "pump_gainsight_metrics_monthly_paid"
        )
        assert manifest["sha256"] == metadata["sha256"].value
        assert manifest["run_id"] == result.run_id
    assert len(set(snapshots)) == 2
    for result in results:
        (evaluation,) = result.get_asset_check_evaluations()
        assert evaluation.check_name == SNAPSHOT_CHECK and evaluation.passed


def test_the_snapshot_check_reads_the_published_folder_back(settings):
    snapshot = _export(settings)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        assert snapshot_problems(conn, snapshot, len(ROWS)) == []
        assert snapshot_problems(conn, snapshot, len(ROWS) + 1) == [
            f"rows: file {len(ROWS)}, manifest {len(ROWS)}, pump {len(ROWS) + 1}"
        ]
        manifest = read_manifest(snapshot.directory)  # the manifest no longer describes the file
        manifest["sha256"] = "0" * 64
        snapshot.manifest_file.write_text(json.dumps(manifest))
        assert "the file's sha256 differs from the manifest's" in snapshot_problems(conn, snapshot, len(ROWS))


def test_on_snowflake_gainsight_reads_the_table_and_nothing_is_exported(tmp_path):
    snowflake = settings_for(tmp_path / "data", USAGE_PLATFORM_TARGET="snowflake")
    assert build_gainsight_assets(snowflake) == []
