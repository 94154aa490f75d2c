"""Row-count reconciliation, landing -> raw: every record of a landing file is loaded or quarantined.

For each file version the loader took (`raw.load_log`) and not yet reconciled, the records in the
landing file are counted again, independently of the load, with DuckDB's own bulk readers (one
statement per format, never a Python loop over lines), and compared with what raw holds for
that file version:

    records in the landing file = rows in raw (that _source_file, _file_sha256)
                                  + records quarantined one by one (raw.quarantine.record)

A file quarantined whole holds none of its records in raw; its records (counted leniently, e.g.
the complete lines of a cut-off NDJSON file) are all accounted for by the quarantine and are
reported. Also: rows in raw per file version = the loader's `rows_loaded`, the table's row count
= the sum of `rows_loaded` (nothing deleted or added behind the loader's back), and every landing
file is in the load log (none skipped). A version whose landing file has changed or gone since
can no longer be counted: it is reported as unverifiable, not as a failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from usage_platform.sources.catalog import RAW_SCHEMA, RawTable
from usage_platform.sources.landing import LandingFile
from usage_platform.trusted_data.duckdb_utils import quote, registered

LOAD_LOG = f"{RAW_SCHEMA}.load_log"
QUARANTINE = f"{RAW_SCHEMA}.quarantine"
# As the loader reads Service Ping documents (real payloads are ~64 KB).
_MAX_JSON_OBJECT_BYTES = 256 * 1024 * 1024
_CSV_DIALECT = (
    "header = true, all_varchar = true, union_by_name = true, delim = ',', quote = '\"', escape = '\"'"
)


@dataclass(frozen=True)
class FileVersion:
    source_file: str
    file_sha256: str
    status: str  # loaded | quarantined, as the load log says
    rows_loaded: int  # the loader's own count
    loaded_at: dt.datetime  # = the rows' _loaded_at


@dataclass
class FileReconciliation:
    version: FileVersion
    verifiable: bool  # the landing file still has these bytes
    records: int | None = None  # records counted in the landing file (None: not countable)
    rows_in_raw: int = 0
    records_quarantined: int = 0  # single records in raw.quarantine
    problem: str | None = None

    @property
    def outcome(self) -> str:
        if not self.verifiable:
            return "unverifiable"
        return "failed" if self.problem else "passed"


@dataclass
class Reconciliation:
    files: list[FileReconciliation]
    unlogged_files: list[str]  # landing files the load log does not know
    table_rows: int
    rows_logged: int  # sum of rows_loaded over loaded versions

    @property
    def problems(self) -> list[str]:
        found = [
            f"{f.version.source_file} ({f.version.file_sha256[:12]}): {f.problem}"
            for f in self.files
            if f.problem
        ]
        found += [
            f"{path}: in the landing zone, never loaded nor quarantined" for path in self.unlogged_files
        ]
        if self.table_rows != self.rows_logged:
            found.append(
                f"the table holds {self.table_rows} rows but the load log accounts for {self.rows_logged}"
            )
        return found

    @property
    def passed(self) -> bool:
        return not self.problems


def reconcile(
    conn: duckdb.DuckDBPyConnection,
    table: RawTable,
    files: Sequence[LandingFile],
    pending: Sequence[FileVersion],
) -> Reconciliation:
    """Reconcile the pending file versions of `table` against the landing `files` (all of them)."""
    target = f"{RAW_SCHEMA}.{quote(table.table)}"
    on_disk = {(f.source_file, f.sha256): f for f in files}
    results = [FileReconciliation(v, (v.source_file, v.file_sha256) in on_disk) for v in pending]
    verifiable = [r for r in results if r.verifiable]
    by_path = {on_disk[(r.version.source_file, r.version.file_sha256)]: r for r in verifiable}
    loaded = [f for f, r in by_path.items() if r.version.status == "loaded"]
    quarantined = [f for f, r in by_path.items() if r.version.status != "loaded"]
    counts = count_records(conn, table.format, loaded)
    counts.update(count_records(conn, table.format, quarantined, lenient=True))
    exists = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [RAW_SCHEMA, table.table],
    ).fetchone()[0]
    raw_rows = _rows_per_version(conn, target, verifiable) if exists else {}
    singles = _quarantined_records(conn, table, verifiable)
    for landing_file, result in by_path.items():
        key = (result.version.source_file, result.version.file_sha256)
        result.records = counts.get(landing_file.source_file)
        result.rows_in_raw = raw_rows.get(key, 0)
        result.records_quarantined = singles.get(key, 0)
        result.problem = _problem(result)
    logged = {
        (row[0], row[1])
        for row in conn.execute(
            f"select source_file, file_sha256 from {LOAD_LOG} where raw_table = ?", [table.table]
        ).fetchall()
    }
    table_rows, rows_logged = conn.execute(
        f"""select {f"(select count(*) from {target})" if exists else "0"},
                   (select coalesce(sum(rows_loaded), 0) from {LOAD_LOG}
                    where raw_table = ? and status = 'loaded')""",
        [table.table],
    ).fetchone()
    return Reconciliation(
        files=results,
        unlogged_files=sorted(f.source_file for f in files if (f.source_file, f.sha256) not in logged),
        table_rows=int(table_rows),
        rows_logged=int(rows_logged),
    )


def _problem(r: FileReconciliation) -> str | None:
    if r.version.status != "loaded":
        # Quarantined whole: its records are all in quarantine, none may be in raw.
        if r.rows_in_raw:
            return f"quarantined whole, yet {r.rows_in_raw} rows of it are in raw"
        return None
    if r.rows_in_raw != r.version.rows_loaded:
        return f"the loader logged {r.version.rows_loaded} rows, raw holds {r.rows_in_raw}"
    if r.records is None:
        return "loaded, but its records cannot be counted independently"
    accounted = r.rows_in_raw + r.records_quarantined
    if r.records != accounted:
        return (
            f"{r.records} records in the landing file, {r.rows_in_raw} rows in raw + "
            f"{r.records_quarantined} quarantined = {accounted}"
        )
    return None


# -- counting landing records ----------------------------------------------------------------------
def count_records(
    conn: duckdb.DuckDBPyConnection, file_format: str, files: Sequence[LandingFile], *, lenient: bool = False
) -> dict[str, int | None]:
    """Records per landing file (by source_file), read as the loader reads that format.

    All files of a kind are counted in one statement; if that fails, file by file, and a file that
    cannot be read is None. lenient: count what can be read of a malformed file (quarantined
    files are reported with the records they hold)."""
    if not files:
        return {}
    if file_format == "metrics_yaml":
        return {f.source_file: 1 for f in files}  # one definition per file
    groups: list[tuple[str, list[LandingFile]]] = []
    if file_format == "service_ping":
        groups.append(("newline_delimited", [f for f in files if ".ndjson" in f.suffixes]))
        groups.append(("auto", [f for f in files if ".ndjson" not in f.suffixes]))
    elif file_format == "table_file":
        groups.append(("parquet", [f for f in files if f.suffixes.endswith(".parquet")]))
        groups.append(("csv", [f for f in files if not f.suffixes.endswith(".parquet")]))
    else:
        groups.append(("csv", list(files)))
    counts: dict[str, int | None] = {}
    for kind, group in groups:
        if not group:
            continue
        try:
            counts.update(_count(conn, kind, group, lenient))
        except duckdb.Error:
            for f in group:
                try:
                    counts.update(_count(conn, kind, [f], lenient))
                except duckdb.Error:
                    counts[f.source_file] = None
    return counts


def _count(conn: duckdb.DuckDBPyConnection, kind: str, files: Sequence[LandingFile], lenient: bool) -> dict:
    paths = [str(f.path) for f in files]
    if kind == "csv":
        reader = f"read_csv(?, {_CSV_DIALECT}, filename = true, ignore_errors = {str(lenient).lower()})"
    elif kind == "parquet":
        reader = "read_parquet(?, union_by_name = true, filename = true)"
    else:
        reader = (
            f"read_json_objects(?, format = '{kind}', filename = true, "
            f"maximum_object_size = {_MAX_JSON_OBJECT_BYTES}, ignore_errors = {str(lenient).lower()})"
        )
    found = dict(
        conn.execute(f"select filename, count(*) from {reader} group by filename", [paths]).fetchall()
    )
    return {f.source_file: int(found.get(str(f.path), 0)) for f in files}


# -- what raw holds --------------------------------------------------------------------------------
def _rows_per_version(
    conn: duckdb.DuckDBPyConnection, target: str, results: Sequence[FileReconciliation]
) -> dict[tuple[str, str], int]:
    if not results:
        return {}
    versions = pd.DataFrame(
        sorted({(r.version.source_file, r.version.file_sha256) for r in results}),
        columns=["source_file", "file_sha256"],
    )
    since = min(r.version.loaded_at for r in results)
    with registered(conn, "_reconcile_versions", versions):
        # _loaded_at first: row groups loaded before the oldest version are skipped unread.
        rows = conn.execute(
            f"""select t._source_file, t._file_sha256, count(*)
                from {target} as t
                semi join _reconcile_versions as v
                    on t._source_file = v.source_file and t._file_sha256 = v.file_sha256
                where t._loaded_at >= ?
                group by all""",
            [since],
        ).fetchall()
    return {(source_file, sha): int(n) for source_file, sha, n in rows}


def _quarantined_records(
    conn: duckdb.DuckDBPyConnection, table: RawTable, results: Sequence[FileReconciliation]
) -> dict[tuple[str, str], int]:
    if not results:
        return {}
    rows = conn.execute(
        f"""select source_file, file_sha256, count(*) from {QUARANTINE}
            where raw_table = ? and record is not null group by all""",
        [table.table],
    ).fetchall()
    return {(source_file, sha): int(n) for source_file, sha, n in rows}
