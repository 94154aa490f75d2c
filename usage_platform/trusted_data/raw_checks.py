"""The checks of every raw asset, evaluated in the raw step right after the load.

Three checks per raw table, declared on the raw multi-assets (`raw_check_specs`) and yielded by
the step that loaded the table (`evaluate_raw_checks`), so a failure stops the run before dbt:

- `pandera_schema` (ERROR, blocking): the table's Pandera schema (raw_schemas.RAW_SCHEMAS) on the
  current version of each landing file (the latest loaded version, what prep reads) that has not
  passed yet under this schema. So a run validates what it loaded, plus whatever failed before
  and is still current: a bad export keeps failing (and keeps dbt waiting) until a corrected
  version of the file arrives, while good history is never read twice.
- `row_count_reconciliation` (ERROR, blocking): landing records = rows loaded + quarantined, per
  file version not yet reconciled (see reconciliation.py).
- `new_rows_within_bounds` (WARN): the load's volume within the source's bounds (see bounds.py).

What passed is remembered per file version in `raw.check_log` (table, check, file version,
schema fingerprint, outcome); a changed schema module re-validates the current versions once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import sys
from collections.abc import Collection, Sequence

import dagster as dg
import duckdb
import pandas as pd

from usage_platform.sources.catalog import RAW_SCHEMA, RawTable
from usage_platform.sources.landing import LandingFile
from usage_platform.trusted_data import text_checks
from usage_platform.trusted_data.bounds import evaluate_bounds, load_bounds
from usage_platform.trusted_data.duckdb_utils import quote, registered
from usage_platform.trusted_data.pandera_checks import (
    DEFAULT_CHUNK_ROWS,
    PanderaCheck,
    SchemaValidation,
    markdown_table,
    model_columns,
)
from usage_platform.trusted_data.raw_schemas import RAW_SCHEMAS
from usage_platform.trusted_data.reconciliation import FileVersion, reconcile

PANDERA_CHECK = "pandera_schema"
RECONCILIATION_CHECK = "row_count_reconciliation"
BOUNDS_CHECK = "new_rows_within_bounds"
RAW_CHECK_NAMES = (PANDERA_CHECK, RECONCILIATION_CHECK, BOUNDS_CHECK)
LOAD_LOG = f"{RAW_SCHEMA}.load_log"
CHECK_LOG = f"{RAW_SCHEMA}.check_log"
FILES_LISTED = 20
_RECONCILIATION_VERSION = "1"  # bump when the reconciliation rule changes


class MissingSchemaError(KeyError):
    """A raw table in sources.yml has no Pandera schema in raw_schemas.RAW_SCHEMAS."""


def pandera_check(table: RawTable) -> PanderaCheck:
    if table.table not in RAW_SCHEMAS:
        raise MissingSchemaError(
            f"raw.{table.table} has no Pandera schema: add one to usage_platform/trusted_data/raw_schemas.py"
        )
    schema = RAW_SCHEMAS[table.table]
    return PanderaCheck(
        asset_key=dg.AssetKey(table.asset_key_path),
        model=schema.model,
        name=PANDERA_CHECK,
        blocking=True,
        row_key=schema.row_key,
        description=(
            f"Pandera schema {schema.model.__name__} on the rows of each new (or still failing) "
            "file version: ids present and unique per file, dates and numbers parseable, values in "
            "their documented sets. ERROR blocks dbt; checks marked as warnings only warn."
        ),
    )


def raw_check_specs(table: RawTable) -> list[dg.AssetCheckSpec]:
    load_bounds()[table.table]  # a table without bounds fails here, when definitions load
    key = dg.AssetKey(table.asset_key_path)
    return [
        pandera_check(table).spec(),
        dg.AssetCheckSpec(
            RECONCILIATION_CHECK,
            asset=key,
            blocking=True,
            description=(
                "Landing -> raw reconciliation: the records of each landing file (counted again, "
                "independently) = its rows in raw + its records quarantined; raw's row count = the "
                "load log's; every landing file loaded or quarantined."
            ),
        ),
        dg.AssetCheckSpec(
            BOUNDS_CHECK,
            asset=key,
            blocking=False,
            description=(
                "New rows within the source's bounds (sources.yml meta.row_count_bounds and cadence): "
                "rows per day for accumulating files, change per cadence period for whole-table "
                "exports. Warns, never blocks."
            ),
        ),
    ]


def evaluate_raw_checks(
    conn: duckdb.DuckDBPyConnection,
    table: RawTable,
    files: Sequence[LandingFile],
    *,
    run_id: str,
    selected: Collection[dg.AssetCheckKey] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> list[dg.AssetCheckResult]:
    """Evaluate the selected checks of a raw table that has just been loaded (None: all three)."""
    ensure_check_log(conn)
    key = dg.AssetKey(table.asset_key_path)
    wanted = [name for name in RAW_CHECK_NAMES if selected is None or dg.AssetCheckKey(key, name) in selected]
    results = []
    if PANDERA_CHECK in wanted:
        results.append(check_schema(conn, table, run_id=run_id, chunk_rows=chunk_rows))
    if RECONCILIATION_CHECK in wanted:
        results.append(check_reconciliation(conn, table, files, run_id=run_id))
    if BOUNDS_CHECK in wanted:
        results.append(check_bounds(conn, table, run_id=run_id))
    return results


# -- pandera_schema --------------------------------------------------------------------------------
def check_schema(
    conn: duckdb.DuckDBPyConnection, table: RawTable, *, run_id: str, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> dg.AssetCheckResult:
    check = pandera_check(table)
    fingerprint = schema_fingerprint(check.model)
    pending = _pending_schema_versions(conn, table, fingerprint)
    if not table_exists(conn, table):  # every file so far was quarantined whole: no rows to judge
        pending = pending.iloc[0:0]
    target = f"{RAW_SCHEMA}.{quote(table.table)}"
    with registered(conn, "_pandera_versions", pending[["source_file", "file_sha256"]]):
        # _loaded_at first: row groups loaded before the oldest pending version are skipped unread.
        scope = (
            "_loaded_at >= ? and exists (select 1 from _pandera_versions as v"
            " where v.source_file = _source_file and v.file_sha256 = _file_sha256)"
        )
        since = pending["loaded_at"].min() if len(pending) else None
        if len(pending):
            validation = check.validate_relation(
                conn, _select(conn, table, target, scope), [since], chunk_rows=chunk_rows
            )
        else:
            validation = SchemaValidation(schema_name=check.model.to_schema().name or check.model.__name__)
    versions = list(pending[["source_file", "file_sha256"]].itertuples(index=False, name=None))
    outcome = "failed" if validation.num_errors else "passed"
    _log_outcomes(conn, table, PANDERA_CHECK, fingerprint, [(*v, outcome) for v in versions], run_id)
    return check.result(
        validation,
        file_versions_validated=dg.MetadataValue.int(len(versions)),
        files=dg.MetadataValue.md(_files_table(versions)) if versions else "none new: nothing to validate",
        schema_fingerprint=fingerprint,
    )


def _pending_schema_versions(
    conn: duckdb.DuckDBPyConnection, table: RawTable, fingerprint: str
) -> pd.DataFrame:
    """The current (latest loaded) version of each file, unless it already passed this schema."""
    return conn.execute(
        f"""with current_versions as (
                select source_file, file_sha256, loaded_at from {LOAD_LOG}
                where raw_table = ? and status = 'loaded'
                qualify row_number() over (partition by source_file order by loaded_at desc) = 1
            )
            select * from current_versions as c
            where not exists (
                select 1 from {CHECK_LOG} as l
                where l.raw_table = ? and l.check_name = ? and l.fingerprint = ? and l.outcome = 'passed'
                    and l.source_file = c.source_file and l.file_sha256 = c.file_sha256
            )
            order by source_file""",
        [table.table, table.table, PANDERA_CHECK, fingerprint],
    ).df()


def _select(conn: duckdb.DuckDBPyConnection, table: RawTable, target: str, scope: str) -> str:
    schema = RAW_SCHEMAS[table.table]
    if schema.select:
        return schema.select.format(table=target, scope=scope)
    existing = {row[0] for row in conn.execute(f"describe {target}").fetchall()}
    # Only the columns the schema checks, as text; a column the table lacks is left out for
    # Pandera to report as missing.
    columns = [c for c in model_columns(schema.model) if c in existing]
    listed = ", ".join(f"cast({quote(c)} as varchar) as {quote(c)}" for c in columns)
    return f"select {listed} from {target} where {scope}"


def schema_fingerprint(model: type) -> str:
    """Changes whenever the module defining the model (or the text checks) changes."""
    digest = hashlib.sha256()
    for module in (sys.modules[model.__module__], text_checks):
        digest.update(inspect.getsource(module).encode())
    digest.update(model.__name__.encode())
    return digest.hexdigest()[:16]


# -- row_count_reconciliation ----------------------------------------------------------------------
def check_reconciliation(
    conn: duckdb.DuckDBPyConnection, table: RawTable, files: Sequence[LandingFile], *, run_id: str
) -> dg.AssetCheckResult:
    rows = conn.execute(
        f"""select source_file, file_sha256, status, rows_loaded, loaded_at from {LOAD_LOG} as g
            where raw_table = ? and not exists (
                select 1 from {CHECK_LOG} as l
                where l.raw_table = g.raw_table and l.check_name = ? and l.fingerprint = ?
                    and l.outcome in ('passed', 'unverifiable')
                    and l.source_file = g.source_file and l.file_sha256 = g.file_sha256
            )
            order by source_file, loaded_at""",
        [table.table, RECONCILIATION_CHECK, _RECONCILIATION_VERSION],
    ).fetchall()
    pending = [FileVersion(*row) for row in rows]
    result = reconcile(conn, table, files, pending)
    _log_outcomes(
        conn,
        table,
        RECONCILIATION_CHECK,
        _RECONCILIATION_VERSION,
        [(f.version.source_file, f.version.file_sha256, f.outcome) for f in result.files],
        run_id,
    )
    checked = [f for f in result.files if f.verifiable]
    loaded = [f for f in checked if f.version.status == "loaded"]
    whole = [f for f in checked if f.version.status != "loaded"]
    metadata: dict[str, object] = {
        "severity": "ERROR" if not result.passed else "none",
        "num_failures": dg.MetadataValue.int(len(result.problems)),
        "file_versions_reconciled": dg.MetadataValue.int(len(checked)),
        "records_in_landing_files": dg.MetadataValue.int(sum(f.records or 0 for f in loaded)),
        "rows_loaded": dg.MetadataValue.int(sum(f.rows_in_raw for f in loaded)),
        "records_quarantined": dg.MetadataValue.int(sum(f.records_quarantined for f in loaded)),
        "files_quarantined_whole": dg.MetadataValue.int(len(whole)),
        "unverifiable_file_versions": dg.MetadataValue.int(sum(1 for f in result.files if not f.verifiable)),
        "table_rows": dg.MetadataValue.int(result.table_rows),
        "rows_in_load_log": dg.MetadataValue.int(result.rows_logged),
    }
    if result.problems:
        metadata["discrepancies"] = dg.MetadataValue.md(
            markdown_table(("discrepancy",), [(p,) for p in result.problems[:FILES_LISTED]])
        )
    if whole:
        metadata["quarantined_files"] = dg.MetadataValue.md(
            markdown_table(
                ("file", "records (as far as readable)", "reason"),
                [
                    (
                        f.version.source_file,
                        "not countable" if f.records is None else str(f.records),
                        _quarantine_reason(conn, table, f.version),
                    )
                    for f in whole[:FILES_LISTED]
                ],
            )
        )
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(table.asset_key_path),
        check_name=RECONCILIATION_CHECK,
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
    )


def _quarantine_reason(conn: duckdb.DuckDBPyConnection, table: RawTable, version: FileVersion) -> str:
    row = conn.execute(
        f"""select reason from {RAW_SCHEMA}.quarantine
            where raw_table = ? and source_file = ? and file_sha256 = ? and record is null limit 1""",
        [table.table, version.source_file, version.file_sha256],
    ).fetchone()
    return (row[0] if row else "")[:160]


# -- new_rows_within_bounds ------------------------------------------------------------------------
def check_bounds(conn: duckdb.DuckDBPyConnection, table: RawTable, *, run_id: str) -> dg.AssetCheckResult:
    outcome = evaluate_bounds(conn, table, load_bounds()[table.table], run_id)
    metadata: dict[str, object] = {
        "severity": "WARN" if not outcome.passed else "none",
        "num_failures": dg.MetadataValue.int(0 if outcome.passed else max(1, len(outcome.rows) - 1)),
        "measure": outcome.measure,
        "summary": outcome.summary,
    }
    if outcome.rows:
        metadata["measured"] = dg.MetadataValue.md(markdown_table(outcome.rows[0], outcome.rows[1:]))
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(table.asset_key_path),
        check_name=BOUNDS_CHECK,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def table_exists(conn: duckdb.DuckDBPyConnection, table: RawTable) -> bool:
    return bool(
        conn.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, table.table],
        ).fetchone()[0]
    )


# -- raw.check_log ---------------------------------------------------------------------------------
def ensure_check_log(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    conn.execute(
        f"""create table if not exists {CHECK_LOG} (
            raw_table varchar not null, check_name varchar not null, source_file varchar not null,
            file_sha256 varchar not null, fingerprint varchar not null, outcome varchar not null,
            checked_at timestamp not null, run_id varchar)"""
    )


def _log_outcomes(
    conn: duckdb.DuckDBPyConnection,
    table: RawTable,
    check_name: str,
    fingerprint: str,
    outcomes: Sequence[tuple[str, str, str]],
    run_id: str,
) -> None:
    if not outcomes:
        return
    frame = pd.DataFrame(outcomes, columns=["source_file", "file_sha256", "outcome"])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with registered(conn, "_check_outcomes", frame):
        conn.execute(
            f"""insert into {CHECK_LOG}
                select ?, ?, source_file, file_sha256, ?, outcome, ?, ? from _check_outcomes""",
            [table.table, check_name, fingerprint, now, run_id],
        )


def _files_table(versions: Sequence[tuple[str, str]]) -> str:
    rows = [(source_file, sha[:12]) for source_file, sha in versions[:FILES_LISTED]]
    if len(versions) > FILES_LISTED:
        rows.append((f"... and {len(versions) - FILES_LISTED} more", ""))
    return markdown_table(("file", "sha256"), rows)
