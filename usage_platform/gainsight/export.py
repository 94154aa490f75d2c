"""Versioned exports of a warehouse table to the outbox, as Gainsight's file connector takes them.

A snapshot is a folder `<outbox>/gainsight/<table>/<snapshot id>/` holding the table as one
Parquet file, written by DuckDB (`COPY ... TO`), and `manifest.json`: row count, sha256 of the
file, size, columns, when and from what it was taken. The snapshot is written under a hidden
staging name and renamed into place once complete, so a reader never sees half a snapshot, and
an existing snapshot is never written again: the same id twice is an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

MANIFEST_NAME = "manifest.json"
GAINSIGHT_FOLDER = "gainsight"
_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*")
_SNAPSHOT_ID = re.compile(r"[0-9A-Za-z_-]+")


class SnapshotExistsError(FileExistsError):
    """The snapshot folder is already there; snapshots are never rewritten."""


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    directory: Path
    data_file: Path
    row_count: int
    sha256: str
    size_bytes: int
    columns: tuple[tuple[str, str], ...]  # (name, warehouse type)
    created_at: dt.datetime

    @property
    def manifest_file(self) -> Path:
        return self.directory / MANIFEST_NAME


def snapshot_root(outbox_dir: Path, table: str) -> Path:
    """Where the snapshots of `table` (schema.table) go: <outbox>/gainsight/<table>/."""
    return outbox_dir / GAINSIGHT_FOLDER / table.split(".")[-1]


def new_snapshot_id(created_at: dt.datetime) -> str:
    """A UTC timestamp to the microsecond: ids sort in the order snapshots were taken."""
    return created_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_snapshot(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    outbox_dir: Path,
    *,
    snapshot_id: str | None = None,
    created_at: dt.datetime | None = None,
    order_by: str | None = None,
    extra_manifest: dict | None = None,
) -> Snapshot:
    """Export `table` (schema.table) as a new snapshot under the outbox and return it."""
    if not _TABLE_NAME.fullmatch(table):
        raise ValueError(f"{table!r}: expected schema.table in lower case")
    created_at = created_at or dt.datetime.now(dt.UTC)
    snapshot_id = snapshot_id or new_snapshot_id(created_at)
    if not _SNAPSHOT_ID.fullmatch(snapshot_id):
        raise ValueError(f"snapshot id {snapshot_id!r}: letters, digits, '_' and '-' only")
    root = snapshot_root(outbox_dir, table)
    final = root / snapshot_id
    if final.exists():
        raise SnapshotExistsError(f"snapshot {final} already exists; snapshots are never rewritten")

    columns = tuple((str(name), str(kind)) for name, kind, *_ in conn.execute(f"describe {table}").fetchall())
    if order_by is not None and order_by not in {name for name, _ in columns}:
        raise ValueError(f"{table} has no column {order_by!r} to order the export by")

    staging = root / f".{snapshot_id}.partial"
    if staging.exists():  # left by an export that died half way; nobody reads hidden folders
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        data_file = staging / f"{table.split('.')[-1]}.parquet"
        query = f"select * from {table}" + (f" order by {order_by}" if order_by else "")
        file_sql = _sql_string(str(data_file))
        copied = conn.execute(f"copy ({query}) to {file_sql} (format parquet, compression zstd)").fetchone()
        row_count = conn.execute(f"select count(*) from read_parquet({file_sql})").fetchone()[0]
        if copied is not None and copied[0] != row_count:
            raise RuntimeError(f"{table}: COPY wrote {copied[0]} rows but the file holds {row_count}")
        snapshot = Snapshot(
            snapshot_id=snapshot_id,
            directory=final,
            data_file=final / data_file.name,
            row_count=int(row_count),
            sha256=file_sha256(data_file),
            size_bytes=data_file.stat().st_size,
            columns=columns,
            created_at=created_at,
        )
        manifest = {
            "snapshot_id": snapshot_id,
            "created_at": created_at.astimezone(dt.UTC).isoformat(),
            "source_table": table,
            "format": "parquet",
            "file": data_file.name,
            "row_count": snapshot.row_count,
            "sha256": snapshot.sha256,
            "size_bytes": snapshot.size_bytes,
            "columns": [{"name": name, "type": kind} for name, kind in columns],
            **(extra_manifest or {}),
        }
        (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
        if final.exists():
            raise SnapshotExistsError(f"snapshot {final} appeared while exporting; not replacing it")
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return snapshot


def read_manifest(snapshot_dir: Path) -> dict:
    return json.loads((snapshot_dir / MANIFEST_NAME).read_text())
