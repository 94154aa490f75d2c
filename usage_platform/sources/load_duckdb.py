"""Bulk loading of landing files into DuckDB raw tables.

DuckDB's own readers (`read_csv`, `read_parquet`, `read_json_objects`) read all new files of a
table in one statement. When that bulk read fails on a file the reader names (`... in file
"<path>"`), that file is read alone and the files before it and after it are read again, each
part in one statement; a failure that names no file of its batch makes those files load one by
one. A file that cannot be read on its own (one transaction) lands in `raw.quarantine` with its
reason, and the others still load.

Bookkeeping tables (both in the raw schema):
- `raw.load_log`: one row per (table, file version) the platform has taken, loaded or
  quarantined, with the file's size and modification time then. A file whose path and sha256
  are already there is not read again, so loading the same files twice adds nothing; one whose
  size and mtime are those logged is not even hashed again (`known_files`).
- `raw.quarantine`: files (record is null) or single records that could not be accepted,
  with the reason.

A stager reads one format and names what to append: a temp table it filled (small formats, whose
columns are only known once read) or, for Service Ping, the query itself, so that ~64 KB payloads
go from the files into the raw table in one pass without a staged copy. A batch of many bytes is
committed as a checkpoint instead of a write-ahead-log entry: the rows are written once, compressed,
into the database file rather than first to the WAL and again at the next checkpoint.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import yaml

from usage_platform.sources.catalog import RAW_SCHEMA, RawTable
from usage_platform.sources.landing import LandingFile
from usage_platform.trusted_data.duckdb_utils import registered

LOAD_LOG = f"{RAW_SCHEMA}.load_log"
QUARANTINE = f"{RAW_SCHEMA}.quarantine"
LOAD_METADATA_COLUMNS = ("_source_file", "_file_sha256", "_loaded_at")
_STAGED = "_staged_rows"
_FILES = "_batch_files"
# From this many bytes of files, a batch commits as a checkpoint instead of a WAL write (DuckDB's
# own checkpoint_threshold default: data this large would be checkpointed right after anyway).
_CHECKPOINT_COMMIT_BYTES = 16 * 1024 * 1024
# Real payloads are ~64 KB; a generous ceiling still catches a runaway file.
_MAX_JSON_OBJECT_BYTES = 256 * 1024 * 1024
_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PING_COLUMNS = (
    "payload json, received_at varchar, source_ip varchar, _receipt_date date, _payload_uuid varchar, "
    "_payload_hostname varchar, _payload_recorded_at varchar, _source_file varchar, _file_sha256 varchar"
)
# The ping's identity (prep_ping_payload's dim_ping_instance_id), read from the payload once, at
# load: deduplicating pings then never parses the payloads of the whole history again. Also how
# rows loaded before these columns existed are filled in.
_PING_IDENTITY = {
    "_payload_uuid": "json_extract_string(payload, '$.uuid')",
    "_payload_hostname": "json_extract_string(payload, '$.hostname')",
    "_payload_recorded_at": "json_extract_string(payload, '$.recorded_at')",
}


@dataclass(frozen=True)
class Quarantined:
    source_file: str
    file_sha256: str
    reason: str
    record: str | None = None  # None: the whole file


@dataclass
class LoadReport:
    table: str
    files_found: int = 0
    files_new: int = 0
    files_loaded: int = 0
    rows_loaded: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    table_rows: int = 0

    @property
    def files_quarantined(self) -> int:
        return len({q.source_file for q in self.quarantined if q.record is None})


class RawLoadError(RuntimeError):
    """Raised for a table whose landing files could not be staged."""


@dataclass(frozen=True)
class Rejection:
    """Rows a stager cannot tell apart before they are appended: those of the batch matching
    `predicate` (SQL over the raw table's columns) are taken out again and quarantined one by one,
    `record` (SQL) being what the quarantine keeps of each."""

    predicate: str
    record: str
    reason: str


@dataclass(frozen=True)
class Staged:
    """What a stager read: `relation` (a temp table, or a parenthesised query) yields the raw
    columns but `_loaded_at`, with `_source_file` and `_file_sha256`."""

    relation: str
    quarantined: list[Quarantined] = field(default_factory=list)
    rejection: Rejection | None = None
    # Columns derived from others: when one is new to an existing raw table, the rows already
    # there get it from this SQL expression over their columns (else null, like any new column).
    derived: dict[str, str] = field(default_factory=dict)


def ensure_bookkeeping(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    conn.execute(
        f"""create table if not exists {LOAD_LOG} (
            raw_table varchar not null, source_file varchar not null, file_sha256 varchar not null,
            file_bytes bigint, status varchar not null, rows_loaded bigint not null,
            loaded_at timestamp not null, run_id varchar, file_mtime_ns bigint)"""
    )
    # A log from before the mtime was kept: its files are hashed once more, then logged with it.
    conn.execute(f"alter table {LOAD_LOG} add column if not exists file_mtime_ns bigint")
    conn.execute(
        f"""create table if not exists {QUARANTINE} (
            raw_table varchar not null, source_file varchar not null, file_sha256 varchar,
            reason varchar not null, record varchar, quarantined_at timestamp not null,
            run_id varchar)"""
    )


class DuckDBRawLoader:
    """Loads landing files into `raw.<table>`; one instance per run."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, run_id: str | None = None):
        self.conn = conn
        self.run_id = run_id
        ensure_bookkeeping(conn)

    # -- public -------------------------------------------------------------------------
    def load(self, table: RawTable, files: Sequence[LandingFile]) -> LoadReport:
        report = LoadReport(table=table.table, files_found=len(files))
        new = self._new_files(table, files)
        report.files_new = len(new)
        taken = {(f.source_file, f.sha256) for f in new}
        self._remember_unchanged(table, [f for f in files if (f.source_file, f.sha256) not in taken])
        loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        alone: list[LandingFile] = []  # files to read one per transaction
        batches = [new] if new else []
        while batches:
            batch = batches.pop()
            try:
                self._load_batch(table, batch, loaded_at, report)
            except duckdb.Error as error:
                named = _file_named(error, batch)
                if named is None or len(batch) == 1:
                    alone.extend(batch)
                    continue
                # The reader says which file it cannot read: that one is read alone (quarantined
                # only if it fails on its own, as a file always was), and the files before it and
                # after it in bulk again (the reader takes files about in order, so the first part
                # usually loads: a few bad files cost a few reads, not one transaction per file).
                at = batch.index(named)
                alone.append(named)
                batches += [part for part in (batch[at + 1 :], batch[:at]) if part]
        for landing_file in alone:
            try:
                self._load_batch(table, [landing_file], loaded_at, report)
            except duckdb.Error as error:
                self._quarantine_file(table, landing_file, _reason(error), loaded_at, report)
        report.table_rows = self._table_rows(table)
        return report

    # -- batches --------------------------------------------------------------------------
    def _load_batch(
        self, table: RawTable, files: Sequence[LandingFile], loaded_at: dt.datetime, report: LoadReport
    ) -> None:
        self.conn.execute("begin transaction")
        try:
            self._register_files(files)
            staged = STAGERS[table.format](self.conn, files)
            rows_per_file, rejected = self._append_staged(table, staged, loaded_at)
            quarantined = staged.quarantined + rejected
            bad_files = {q.source_file for q in quarantined if q.record is None}
            for q in quarantined:
                self._insert_quarantine(table, q, loaded_at)
            for landing_file in files:
                status = "quarantined" if landing_file.source_file in bad_files else "loaded"
                self._log(
                    table, landing_file, status, rows_per_file.get(landing_file.source_file, 0), loaded_at
                )
            self._commit(checkpoint=sum(f.size for f in files) >= _CHECKPOINT_COMMIT_BYTES)
        except BaseException:
            self.conn.execute("rollback")
            raise
        finally:
            self.conn.execute(f"drop table if exists {_STAGED}")
            self.conn.execute(f"drop view if exists {_FILES}")
        report.quarantined.extend(quarantined)
        report.files_loaded += len(files) - len(bad_files)
        report.rows_loaded += sum(rows_per_file.values())

    def _commit(self, checkpoint: bool) -> None:
        """Commit; with `checkpoint`, as a checkpoint that writes the new rows straight into the
        database file (DuckDB skips the WAL for a commit it checkpoints and that is larger than
        auto_checkpoint_skip_wal_threshold). Both settings are global, so they are put back."""
        if not checkpoint:
            self.conn.execute("commit")
            return
        names = ("checkpoint_threshold", "auto_checkpoint_skip_wal_threshold")
        previous = {name: self._setting(name) for name in names}
        try:
            self.conn.execute("set checkpoint_threshold = '0 bytes'")
            self.conn.execute("set auto_checkpoint_skip_wal_threshold = 0")
            self.conn.execute("commit")
        finally:
            for name, value in previous.items():
                self.conn.execute(f"set {name} = '{value}'")

    def _register_files(self, files: Sequence[LandingFile]) -> None:
        frame = pd.DataFrame(
            {
                "path": [str(f.path) for f in files],
                "source_file": [f.source_file for f in files],
                "sha256": [f.sha256 for f in files],
                "receipt_date": [_receipt_date(f) for f in files],
            }
        )
        self.conn.register("_batch_files_frame", frame)
        self.conn.execute(
            f"create or replace temp view {_FILES} as "
            "select path, source_file, sha256, receipt_date::date as receipt_date from _batch_files_frame"
        )

    def _setting(self, name: str) -> str:
        return self.conn.execute(f"select current_setting('{name}')").fetchone()[0]

    def _append_staged(
        self, table: RawTable, staged: Staged, loaded_at: dt.datetime
    ) -> tuple[dict[str, int], list[Quarantined]]:
        """Append the staged rows to the raw table, creating it or adding new columns as needed;
        take out and return the rejected ones; count the rows appended per file."""
        target = f"{RAW_SCHEMA}.{_quote(table.table)}"
        # Binds the relation without reading it.
        described = self.conn.execute(f"describe select * from {staged.relation}").fetchall()
        staged_columns = {row[0]: row[1] for row in described}
        if not self.has_table(table):
            columns = ", ".join(f"{_quote(name)} {kind}" for name, kind in staged_columns.items())
            self.conn.execute(f"create table {target} ({columns}, _loaded_at timestamp)")
        existing = {row[0].lower() for row in self.conn.execute(f"describe {target}").fetchall()}
        for column, column_type in staged_columns.items():
            if column.lower() not in existing:
                # Schema drift: a new export brings a column the table has not seen; keep it.
                self.conn.execute(f"alter table {target} add column {_quote(column)} {column_type}")
                if column in staged.derived:
                    self.conn.execute(f"update {target} set {_quote(column)} = {staged.derived[column]}")
        self.conn.execute(
            f"insert into {target} by name select *, ?::timestamp as _loaded_at from {staged.relation}",
            [loaded_at],
        )
        # This batch's rows: rows of earlier loads have another _loaded_at (their row groups are
        # skipped by their min/max), those of an earlier batch of this load another file.
        batch = f"_loaded_at = ?::timestamp and _source_file in (select source_file from {_FILES})"
        rejected = []
        if staged.rejection:
            rule = staged.rejection
            rejected = [
                Quarantined(source_file, sha, rule.reason, record)
                for source_file, sha, record in self.conn.execute(
                    f"""select _source_file, _file_sha256, {rule.record} from {target}
                        where {batch} and ({rule.predicate})""",
                    [loaded_at],
                ).fetchall()
            ]
            if rejected:
                self.conn.execute(f"delete from {target} where {batch} and ({rule.predicate})", [loaded_at])
        counts = self.conn.execute(
            f"select _source_file, count(*) from {target} where {batch} group by 1", [loaded_at]
        ).fetchall()
        return dict(counts), rejected

    # -- bookkeeping ----------------------------------------------------------------------
    def known_files(self, table: RawTable) -> dict[str, tuple[int, int, str]]:
        """source_file -> (size, mtime_ns, sha256) of the latest version of each file taken, for
        find_landing_files to skip hashing a file that has not changed since."""
        rows = self.conn.execute(
            f"""select source_file, file_bytes, file_mtime_ns, file_sha256 from {LOAD_LOG}
                where raw_table = ?
                qualify row_number() over (partition by source_file order by loaded_at desc) = 1""",
            [table.table],
        ).fetchall()
        return {
            source_file: (size, mtime_ns, sha256)
            for source_file, size, mtime_ns, sha256 in rows
            if size is not None and mtime_ns is not None
        }

    def _remember_unchanged(self, table: RawTable, taken: Sequence[LandingFile]) -> None:
        """Files taken before whose content is unchanged but whose size and mtime the log does not
        have (a log from before they were kept, a file copied again): logged with them now, so the
        next run does not hash them again."""
        known = self.known_files(table)
        stale = pd.DataFrame(
            [
                (f.source_file, f.sha256, f.size, f.mtime_ns)
                for f in taken
                if f.mtime_ns is not None and known.get(f.source_file) != (f.size, f.mtime_ns, f.sha256)
            ],
            columns=["source_file", "file_sha256", "file_bytes", "file_mtime_ns"],
        )
        if stale.empty:
            return
        with registered(self.conn, "_unchanged_files", stale) as unchanged:
            self.conn.execute(
                f"""update {LOAD_LOG} as log
                    set file_bytes = unchanged.file_bytes, file_mtime_ns = unchanged.file_mtime_ns
                    from {unchanged} as unchanged
                    where log.raw_table = ? and log.source_file = unchanged.source_file
                        and log.file_sha256 = unchanged.file_sha256""",
                [table.table],
            )

    def _new_files(self, table: RawTable, files: Sequence[LandingFile]) -> list[LandingFile]:
        seen = set(
            self.conn.execute(
                f"select source_file, file_sha256 from {LOAD_LOG} where raw_table = ?", [table.table]
            ).fetchall()
        )
        return [f for f in files if (f.source_file, f.sha256) not in seen]

    def _log(self, table: RawTable, f: LandingFile, status: str, rows: int, loaded_at: dt.datetime) -> None:
        self.conn.execute(
            f"""insert into {LOAD_LOG} (raw_table, source_file, file_sha256, file_bytes, status,
                rows_loaded, loaded_at, run_id, file_mtime_ns) values (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [table.table, f.source_file, f.sha256, f.size, status, rows, loaded_at, self.run_id, f.mtime_ns],
        )

    def _insert_quarantine(self, table: RawTable, q: Quarantined, at: dt.datetime) -> None:
        self.conn.execute(
            f"insert into {QUARANTINE} values (?, ?, ?, ?, ?, ?, ?)",
            [table.table, q.source_file, q.file_sha256, q.reason, q.record, at, self.run_id],
        )

    def _quarantine_file(
        self, table: RawTable, f: LandingFile, reason: str, at: dt.datetime, report: LoadReport
    ) -> None:
        q = Quarantined(f.source_file, f.sha256, reason)
        self.conn.execute("begin transaction")
        self._insert_quarantine(table, q, at)
        self._log(table, f, "quarantined", 0, at)
        self.conn.execute("commit")
        report.quarantined.append(q)

    def has_table(self, table: RawTable) -> bool:
        return bool(
            self.conn.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [RAW_SCHEMA, table.table],
            ).fetchone()[0]
        )

    def _table_rows(self, table: RawTable) -> int:
        if not self.has_table(table):
            return 0
        return self.conn.execute(f"select count(*) from {RAW_SCHEMA}.{_quote(table.table)}").fetchone()[0]


# -- stagers: read one format, into the temp table _staged_rows or as a query ------------------
# Each returns what to append and what it could not accept; a bulk read that fails raises
# duckdb.Error instead.
Stager = Callable[[duckdb.DuckDBPyConnection, Sequence[LandingFile]], Staged]

_LOAD_COLUMNS = "f.source_file as _source_file, f.sha256 as _file_sha256"


def _paths(files: Sequence[LandingFile]) -> list[str]:
    return [str(f.path) for f in files]


def stage_csv(conn: duckdb.DuckDBPyConnection, files: Sequence[LandingFile]) -> Staged:
    # Columns are matched by name across files (union_by_name) and kept as text, as exported.
    conn.execute(
        f"""create temp table {_STAGED} as
            select r.* exclude (filename), {_LOAD_COLUMNS}
            from read_csv(?, header = true, all_varchar = true, union_by_name = true, filename = true,
                          delim = ',', quote = '"', escape = '"') r
            join {_FILES} f on r.filename = f.path""",
        [_paths(files)],
    )
    return Staged(_STAGED)


def stage_parquet(conn: duckdb.DuckDBPyConnection, files: Sequence[LandingFile]) -> Staged:
    conn.execute(
        f"""create temp table {_STAGED} as
            select columns(r.* exclude (filename))::varchar, {_LOAD_COLUMNS}
            from read_parquet(?, union_by_name = true, filename = true) r
            join {_FILES} f on r.filename = f.path""",
        [_paths(files)],
    )
    return Staged(_STAGED)


def stage_table_file(conn: duckdb.DuckDBPyConnection, files: Sequence[LandingFile]) -> Staged:
    """A database table exported as CSV or Parquet (either may arrive)."""
    parquet = [f for f in files if f.suffixes.endswith(".parquet")]
    csv = [f for f in files if not f.suffixes.endswith(".parquet")]
    if parquet and csv:
        stage_csv(conn, csv)
        conn.execute(f"alter table {_STAGED} rename to _staged_csv")
        stage_parquet(conn, parquet)
        conn.execute(f"insert into _staged_csv by name select * from {_STAGED}")
        conn.execute(f"drop table {_STAGED}")
        conn.execute(f"alter table _staged_csv rename to {_STAGED}")
        return Staged(_STAGED)
    return stage_parquet(conn, files) if parquet else stage_csv(conn, files)


def stage_service_ping(conn: duckdb.DuckDBPyConnection, files: Sequence[LandingFile]) -> Staged:
    """Service Ping files: bare payloads (receipt date = folder date) or collector envelopes.

    Payloads are ~64 KB and a week brings thousands, so each document is parsed once: the reader
    yields valid JSON, and one `json_extract` finds an envelope's parts and the ping's identity
    (uuid, hostname, recorded_at, kept beside the payload for prep). Bare payloads are kept byte for
    byte as received; an envelope's payload is its `payload` member. The query is appended as it
    reads, without a staged copy; a record that is not a JSON object (its first character says so)
    is taken out after the append and quarantined with its text.
    """
    quarantined = [
        Quarantined(f.source_file, f.sha256, "not in a <YYYY-MM-DD> receipt-date folder")
        for f in files
        if _receipt_date(f) is None
    ]
    readable = [f for f in files if _receipt_date(f) is not None]
    ndjson = [f for f in readable if ".ndjson" in f.suffixes]
    documents = [f for f in readable if ".ndjson" not in f.suffixes]  # .json: one object or an array
    reads = [
        f"""select json as document, filename
            from read_json_objects({_sql_list(_paths(group))}, format = '{json_format}',
                                   filename = true, maximum_object_size = {_MAX_JSON_OBJECT_BYTES})"""
        for group, json_format in ((ndjson, "newline_delimited"), (documents, "auto"))
        if group
    ]
    if not reads:
        conn.execute(f"create temp table {_STAGED} ({_PING_COLUMNS})")
        return Staged(_STAGED, quarantined)
    identity = ", ".join(f"'$.{key}'" for key in ("uuid", "hostname", "recorded_at"))
    query = f"""(
        with documents as ({" union all ".join(reads)}),
        parts as (
            select
                d.document,
                -- One parse: an envelope's parts, and the identity of a bare or enveloped payload.
                json_extract(d.document, [
                    '$.payload', '$.received_at', '$.created_at', '$.source_ip', {identity},
                    {identity.replace("'$.", "'$.payload.")}
                ]) as part,
                f.receipt_date, f.source_file, f.sha256
            from documents as d
            join {_FILES} as f on d.filename = f.path
        ),
        classified as (
            select *,
                -- json_extract writes objects minified, so '{{' first means an object.
                starts_with(part[1], '{{') and (part[2] is not null or part[3] is not null) as is_envelope
            from parts
        )
        select
            case when is_envelope then part[1] else document end as payload,
            case when is_envelope then coalesce(part[2] ->> '$', part[3] ->> '$') end as received_at,
            case when is_envelope then part[4] ->> '$' end as source_ip,
            receipt_date as _receipt_date,
            (case when is_envelope then part[8] else part[5] end) ->> '$' as _payload_uuid,
            (case when is_envelope then part[9] else part[6] end) ->> '$' as _payload_hostname,
            (case when is_envelope then part[10] else part[7] end) ->> '$' as _payload_recorded_at,
            source_file as _source_file,
            sha256 as _file_sha256
        from classified
    )"""
    not_an_object = Rejection(
        predicate="not regexp_matches(payload::varchar, '^\\s*\\{')",
        record="payload::varchar",
        reason="record is not a JSON object",
    )
    return Staged(query, quarantined, not_an_object, derived=_PING_IDENTITY)


def stage_metrics_yaml(conn: duckdb.DuckDBPyConnection, files: Sequence[LandingFile]) -> Staged:
    """Metric definition YAML: parsed here (the warehouse has no YAML reader), loaded in one insert."""
    rows, quarantined = [], []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for f in files:
        try:
            definition = yaml.load(f.path.read_text(encoding="utf-8"), Loader=loader)
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            quarantined.append(Quarantined(f.source_file, f.sha256, f"invalid YAML: {_one_line(error)}"))
            continue
        if not isinstance(definition, dict) or not isinstance(definition.get("key_path"), str):
            quarantined.append(Quarantined(f.source_file, f.sha256, "not a metric definition: no key_path"))
            continue
        rows.append((definition["key_path"], json.dumps(definition, default=str), f.source_file, f.sha256))
    frame = pd.DataFrame(rows, columns=["key_path", "definition", "_source_file", "_file_sha256"])
    conn.register("_metric_definitions_frame", frame)
    conn.execute(
        f"""create temp table {_STAGED} as
            select key_path::varchar as key_path, definition::json as definition,
                   _source_file::varchar as _source_file, _file_sha256::varchar as _file_sha256
            from _metric_definitions_frame"""
    )
    conn.unregister("_metric_definitions_frame")
    return Staged(_STAGED, quarantined)


STAGERS: dict[str, Stager] = {
    "csv": stage_csv,
    "table_file": stage_table_file,
    "service_ping": stage_service_ping,
    "metrics_yaml": stage_metrics_yaml,
}


# -- helpers ------------------------------------------------------------------------------------
def _receipt_date(f: LandingFile) -> dt.date | None:
    folder = f.path.parent.name
    if not _DATE_FOLDER.match(folder):
        return None
    try:
        return dt.date.fromisoformat(folder)
    except ValueError:
        return None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:500]


_FILE_IN_ERROR = re.compile(r'file "([^"]+)"')


def _file_named(error: BaseException, files: Sequence[LandingFile]) -> LandingFile | None:
    """The file of `files` a reader's error names (DuckDB's readers say `... in file "<path>"`),
    None when it names none of them."""
    by_path = {str(f.path): f for f in files}
    for path in _FILE_IN_ERROR.findall(str(error)):
        if path in by_path:
            return by_path[path]
    return None


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {_one_line(error)}"
