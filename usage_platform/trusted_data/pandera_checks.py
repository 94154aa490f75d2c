"""Pandera schemas as Dagster asset checks.

dagster-pandera only turns a schema into a DagsterType (a failed type check fails the step, with no
asset check and no failure cases). This module is the small factory that makes a Pandera
`DataFrameModel` an asset check instead:

- `PanderaCheck` describes the check (asset, model, name, blocking) and gives its `AssetCheckSpec`,
  to declare on the asset that yields the result (`check_specs=`), or a standalone
  `AssetChecksDefinition` that reads a warehouse relation (`asset_check(...)`: how dims and the pump
  plug in).
- Validation is lazy, so every failure is counted, and bounded in memory: a relation is read in
  chunks of `chunk_rows` rows; when it spans more than one chunk, uniqueness (which no chunk can
  judge alone) is checked in the warehouse with one GROUP BY instead.
- Severity per check: a check declared with Pandera's own `raise_warning=True` counts as WARN,
  everything else (nullability, dtypes, uniqueness, missing columns, plain checks) as ERROR. The
  result is ERROR if any ERROR-level failure, else WARN if any failure; only ERROR results block.
- Metadata: severity, num_failures (and per severity), rows_validated, failures per check, and the
  first failure cases as a Markdown table with each failing row's key columns.
- `skip_passed_rows`: a model whose every check judges a row alone may validate only the rows it
  has not passed before (`validate_unpassed_rows`), so a table rebuilt whole on every delivery
  costs its changed rows in pandas, not its history.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import dagster as dg
import duckdb
import pandas as pd
import pandera.pandas as pa
from pandera.pandas import DataFrameModel

from usage_platform.trusted_data.duckdb_utils import quote

ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN
FAILURE_CASES_SHOWN = 20
# Rows per pandas frame: a few text columns of this many rows stay well under a few hundred MB.
DEFAULT_CHUNK_ROWS = 200_000
_CELL_CHARS = 80
_VECTOR_ROWS = 2048
# The rows each check with `skip_passed_rows` has passed: a 64-bit hash of the row's columns, per
# check and fingerprint (the model's module source and the query that reads the rows).
ROW_LOG = "trusted_data.pandera_row_log"
# Pandera's built-in checks that judge each value alone.
ROW_WISE_BUILTINS = frozenset(
    {
        "equal_to",
        "not_equal_to",
        "greater_than",
        "greater_than_or_equal_to",
        "less_than",
        "less_than_or_equal_to",
        "in_range",
        "isin",
        "notin",
        "str_matches",
        "str_contains",
        "str_startswith",
        "str_endswith",
        "str_length",
    }
)


@dataclass(frozen=True)
class FailureCase:
    severity: dg.AssetCheckSeverity
    column: str
    check: str
    failure_case: str
    row: str  # the failing row's key columns ("id=7, _source_file=zuora/account.csv"), or ""


@dataclass
class SchemaValidation:
    """What validating rows against a Pandera model found (all failures counted, a few kept)."""

    schema_name: str
    rows_validated: int = 0
    counts: Counter = field(default_factory=Counter)  # (severity, column, check) -> failures
    # The first FAILURE_CASES_SHOWN cases of each (severity, column, check).
    kept: dict[tuple, list[FailureCase]] = field(default_factory=dict)

    @property
    def cases(self) -> list[FailureCase]:
        """The failure cases to show: errors first, taking turns between the failing checks so
        that one check failing on every row does not hide the others."""
        groups = sorted(self.kept.items(), key=lambda item: (item[0][0] != ERROR, item[0][1], item[0][2]))
        shown: list[FailureCase] = []
        for severity in (ERROR, WARN):
            lists = [cases for key, cases in groups if key[0] == severity]
            for turn in range(FAILURE_CASES_SHOWN):
                shown += [cases[turn] for cases in lists if turn < len(cases)]
        return shown[:FAILURE_CASES_SHOWN]

    @property
    def num_errors(self) -> int:
        return sum(n for (severity, _, _), n in self.counts.items() if severity == ERROR)

    @property
    def num_warnings(self) -> int:
        return sum(n for (severity, _, _), n in self.counts.items() if severity == WARN)

    @property
    def num_failures(self) -> int:
        return self.num_errors + self.num_warnings

    @property
    def severity(self) -> dg.AssetCheckSeverity:
        """WARN when every failure is a warning; ERROR otherwise (and when nothing failed)."""
        return WARN if self.num_warnings and not self.num_errors else ERROR

    @property
    def passed(self) -> bool:
        return self.num_failures == 0

    def add(self, case: FailureCase, count: int = 1) -> None:
        key = (case.severity, case.column, case.check)
        self.counts[key] += count
        kept = self.kept.setdefault(key, [])
        if len(kept) < FAILURE_CASES_SHOWN:
            kept.append(case)

    def metadata(self) -> dict[str, object]:
        metadata: dict[str, object] = {
            "severity": self.severity.value if not self.passed else "none",
            "num_failures": dg.MetadataValue.int(self.num_failures),
            "num_errors": dg.MetadataValue.int(self.num_errors),
            "num_warnings": dg.MetadataValue.int(self.num_warnings),
            "rows_validated": dg.MetadataValue.int(self.rows_validated),
            "schema": self.schema_name,
        }
        if self.counts:
            metadata["failures_by_check"] = dg.MetadataValue.md(
                markdown_table(
                    ("severity", "column", "check", "failures"),
                    [
                        (severity.value, column, check, str(n))
                        for (severity, column, check), n in sorted(
                            self.counts.items(), key=lambda item: (item[0][0] != ERROR, -item[1])
                        )
                    ],
                )
            )
        if self.cases:
            metadata["failure_cases"] = dg.MetadataValue.md(
                markdown_table(
                    ("severity", "column", "check", "failure case", "row"),
                    [(c.severity.value, c.column, c.check, c.failure_case, c.row) for c in self.cases],
                )
            )
        return metadata


@dataclass(frozen=True)
class PanderaCheck:
    """A Pandera DataFrameModel as an asset check of one asset."""

    asset_key: dg.AssetKey
    model: type[DataFrameModel]
    name: str = "pandera_schema"
    blocking: bool = True
    row_key: tuple[str, ...] = ()  # columns that identify a failing row in the failure cases
    description: str | None = None
    # Validate only the rows not passed before (`validate_unpassed_rows`). Sound only when every
    # check judges a row alone: Pandera's built-in value checks, and the model's own checks named
    # in `row_wise_checks`; any other check is refused here. Uniqueness is still judged on all rows.
    skip_passed_rows: bool = False
    row_wise_checks: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.skip_passed_rows:
            others = checks_not_row_wise(self.model.to_schema(), self.row_wise_checks)
            if others:
                raise ValueError(
                    f"{self.model.__name__}: skip_passed_rows needs checks that judge a row alone; "
                    f"not known to: {others}"
                )

    @property
    def check_key(self) -> dg.AssetCheckKey:
        return dg.AssetCheckKey(self.asset_key, self.name)

    def spec(self) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(
            self.name,
            asset=self.asset_key,
            blocking=self.blocking,
            description=self.description or _describe(self.model),
            metadata={"schema": self.model.__name__},
        )

    def result(self, validation: SchemaValidation, **metadata: object) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            asset_key=self.asset_key,
            check_name=self.name,
            passed=validation.passed,
            severity=validation.severity,
            metadata={**validation.metadata(), **metadata},
        )

    def validate_frame(self, frame: pd.DataFrame) -> SchemaValidation:
        return validate_frames(self.model, [frame], row_key=self.row_key)

    def validate_relation(
        self,
        conn: duckdb.DuckDBPyConnection,
        relation: str,
        params: Sequence[object] = (),
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> SchemaValidation:
        return validate_relation(
            conn, self.model, relation, params, row_key=self.row_key, chunk_rows=chunk_rows
        )

    def asset_check(
        self, relation: str, *, resource_key: str = "warehouse", pool: str | None = None
    ) -> dg.AssetChecksDefinition:
        """A standalone check that validates `relation` (a table, or a query in parentheses) in
        the warehouse: the model's columns the relation has (a missing one is a failure), read
        chunk by chunk. For assets built elsewhere, e.g. dims and the pump built by dbt."""
        check = self

        @dg.asset_check(
            asset=self.asset_key,
            name=self.name,
            blocking=self.blocking,
            description=self.description or _describe(self.model),
            required_resource_keys={resource_key},
            pool=pool,
        )
        def _pandera_check(context) -> dg.AssetCheckResult:  # (Dagster rejects a string annotation)
            with getattr(context.resources, resource_key).get_connection() as conn:
                present = {row[0] for row in conn.execute(f"describe select * from {relation}").fetchall()}
                columns = [quote(c) for c in model_columns(check.model) if c in present] or ["1 as _none"]
                query = f"select {', '.join(columns)} from {relation}"
                if not check.skip_passed_rows:
                    return check.result(check.validate_relation(conn, query))
                validation, scope = validate_unpassed_rows(
                    conn, check.model, query, check_id=check.check_key.to_user_string(), row_key=check.row_key
                )
            return check.result(validation, **scope)

        return _pandera_check


# -- validation ------------------------------------------------------------------------------------
def validate_frames(
    model: type[DataFrameModel],
    frames: Iterable[pd.DataFrame],
    *,
    row_key: Sequence[str] = (),
    check_uniqueness: bool = True,
) -> SchemaValidation:
    """Validate each frame lazily; row indexes of later frames continue those of earlier ones.

    Uniqueness only holds within one frame, so pass one frame, or check_uniqueness=False and
    check it elsewhere (`validate_relation` does it in SQL)."""
    schema = model.to_schema()
    warn_checks = _warn_checks(schema)
    strict = _without_warnings(schema, keep_uniqueness=check_uniqueness)
    validation = SchemaValidation(schema_name=schema.name or model.__name__)
    offset = 0
    for frame in frames:
        frame = frame.set_axis(pd.RangeIndex(offset, offset + len(frame)), axis=0)
        offset += len(frame)
        validation.rows_validated += len(frame)
        try:
            strict.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as errors:
            _collect(validation, errors.failure_cases, frame, schema, warn_checks, row_key)
    return validation


def validate_relation(
    conn: duckdb.DuckDBPyConnection,
    model: type[DataFrameModel],
    relation: str,
    params: Sequence[object] = (),
    *,
    row_key: Sequence[str] = (),
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> SchemaValidation:
    """Validate the rows of a SQL relation (a `select`), reading at most chunk_rows rows at a time."""
    rows = conn.execute(f"select count(*) from ({relation})", list(params)).fetchone()[0]
    if rows <= chunk_rows:
        return validate_frames(model, [conn.execute(relation, list(params)).df()], row_key=row_key)
    validation = validate_frames(
        model, _chunks(conn, relation, params, chunk_rows), row_key=row_key, check_uniqueness=False
    )
    _unique_in_sql(conn, model.to_schema(), relation, params, validation)
    return validation


def validate_unpassed_rows(
    conn: duckdb.DuckDBPyConnection,
    model: type[DataFrameModel],
    relation: str,
    *,
    check_id: str,
    row_key: Sequence[str] = (),
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> tuple[SchemaValidation, dict[str, object]]:
    """Validate the rows of `relation` (a `select`) that `check_id` has not passed before, and
    uniqueness over all its rows; returns the validation and metadata saying what was read.

    A row is known by a 64-bit hash of its columns (DuckDB's `hash`): a changed row is read again,
    a row the check passed is not. Rows are logged in ROW_LOG only when the whole validation found
    nothing, not even a warning, so a failure or a warning keeps being found until the rows behind
    it change; an edit of the model's module or of the query reads every row again (fingerprint).
    Only for models whose every check judges a row alone (`PanderaCheck.skip_passed_rows`)."""
    fingerprint = _fingerprint(model, relation)
    _ensure_row_log(conn)
    names = [row[0] for row in conn.execute(f"describe {relation}").fetchall()]
    row_hash = f"hash({', '.join(quote(n) for n in names)})"
    passed = f"(select row_hash from {ROW_LOG} where check_id = ? and fingerprint = ?)"
    # Only the hashes are kept aside (8 bytes a row); the unpassed rows are read from the relation.
    unpassed_rows = f"""select * exclude (_pandera_row_hash)
        from (select *, {row_hash} as _pandera_row_hash from ({relation})) as rows
        anti join {passed} as passed on rows._pandera_row_hash = passed.row_hash"""
    try:
        conn.execute(
            f"create or replace temp table _pandera_hashes as select {row_hash} as row_hash from ({relation})"
        )
        total = conn.execute("select count(*) from _pandera_hashes").fetchone()[0]
        unpassed = conn.execute(
            f"select count(*) from _pandera_hashes as rows anti join {passed} as passed using (row_hash)",
            [check_id, fingerprint],
        ).fetchone()[0]
        params = (check_id, fingerprint)
        # No row to read still validates the columns: a missing one is a failure (column_in_dataframe).
        frames = (
            _chunks(conn, unpassed_rows, params, chunk_rows)
            if unpassed
            else [conn.execute(f"{unpassed_rows} limit 0", list(params)).df()]
        )
        validation = validate_frames(model, frames, row_key=row_key, check_uniqueness=False)
        _unique_in_sql(conn, model.to_schema(), relation, (), validation)
        if validation.num_failures == 0:
            _log_passed(conn, check_id, fingerprint)
    finally:
        conn.execute("drop table if exists _pandera_hashes")
    scope = {
        "rows_passed_before": dg.MetadataValue.int(int(total - unpassed)),
        "scope": (
            f"the rows this check had not passed yet (uniqueness: all {total} rows); "
            f"what it passed is in {ROW_LOG}"
        ),
    }
    return validation, scope


def checks_not_row_wise(schema: pa.DataFrameSchema, row_wise: Iterable[str] = ()) -> list[str]:
    """The schema's checks not known to judge a row alone (frame-level checks never are)."""
    known = ROW_WISE_BUILTINS | set(row_wise)
    found = [
        f"{name}: {c.name}" for name, col in schema.columns.items() for c in col.checks if c.name not in known
    ]
    return found + [f"(frame): {c.name}" for c in schema.checks]


def _fingerprint(model: type[DataFrameModel], relation: str) -> str:
    source = inspect.getsource(sys.modules[model.__module__])
    return hashlib.sha256(f"{model.__name__}\n{source}\n{relation}".encode()).hexdigest()[:16]


def _log_passed(conn: duckdb.DuckDBPyConnection, check_id: str, fingerprint: str) -> None:
    """The relation's rows join the log (those read now; the others are there already); rows no
    longer in the relation, or of an older fingerprint, leave it. One transaction."""
    conn.execute("begin transaction")
    try:
        conn.execute(
            f"""delete from {ROW_LOG} where check_id = ?
                and (fingerprint <> ? or row_hash not in (select row_hash from _pandera_hashes))""",
            [check_id, fingerprint],
        )
        conn.execute(
            f"""insert into {ROW_LOG} select distinct ?, ?, row_hash from _pandera_hashes
                where row_hash not in (select row_hash from {ROW_LOG} where check_id = ?)""",
            [check_id, fingerprint, check_id],
        )
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")


def _ensure_row_log(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"create schema if not exists {ROW_LOG.split('.')[0]}")
    conn.execute(
        f"""create table if not exists {ROW_LOG} (
            check_id varchar not null, fingerprint varchar not null, row_hash ubigint not null
        )"""
    )


def _chunks(
    conn: duckdb.DuckDBPyConnection, relation: str, params: Sequence[object], chunk_rows: int
) -> Iterator[pd.DataFrame]:
    result = conn.execute(relation, list(params))
    vectors = max(1, chunk_rows // _VECTOR_ROWS)  # DuckDB hands rows over in vectors of 2048
    while not (chunk := result.fetch_df_chunk(vectors)).empty:
        yield chunk


def _unique_in_sql(
    conn: duckdb.DuckDBPyConnection,
    schema: pa.DataFrameSchema,
    relation: str,
    params: Sequence[object],
    validation: SchemaValidation,
) -> None:
    key_sets = [(list(schema.unique), "multiple_fields_uniqueness")] if schema.unique else []
    key_sets += [([name], "field_uniqueness") for name, column in schema.columns.items() if column.unique]
    for columns, check in key_sets:
        keys = ", ".join(quote(c) for c in columns)
        duplicates = conn.execute(
            f"""select {keys}, count(*) as n, sum(count(*)) over () as total
                from ({relation}) group by all having count(*) > 1
                order by n desc limit {FAILURE_CASES_SHOWN}""",
            list(params),
        ).fetchall()
        if not duplicates:
            continue
        shown = [c for c in columns if c != "_file_sha256"]
        for number, row in enumerate(duplicates):
            values = dict(zip(columns, row, strict=False))
            text = ", ".join(f"{c}={_cell(values[c])}" for c in shown)
            case = FailureCase(ERROR, ", ".join(columns), check, f"{row[-2]} rows share {text}", text)
            # Every duplicated row counts once (the total over all groups, on the first case).
            validation.add(case, count=int(row[-1]) if number == 0 else 0)


def _collect(
    validation: SchemaValidation,
    failure_cases: pd.DataFrame,
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    warn_checks: set[tuple[str | None, int]],
    row_key: Sequence[str],
) -> None:
    key = [c for c in row_key if c in frame.columns]
    duplicates_seen: set[object] = set()
    for case in failure_cases.itertuples(index=False):
        column = case.column if case.schema_context == "Column" else ""
        check = str(case.check)
        index = case.index if pd.notna(case.index) else None
        if check == "multiple_fields_uniqueness":
            # Pandera lists a duplicated row once per key column: count the row once.
            if index in duplicates_seen:
                continue
            duplicates_seen.add(index)
            column = ", ".join(schema.unique or ())
        elif check == "column_in_dataframe":
            column = str(case.failure_case)
        number = int(case.check_number) if pd.notna(case.check_number) else None
        severity = WARN if (column or None, number) in warn_checks else ERROR
        row = _describe_row(frame, index, key)
        failure_case = _cell(case.failure_case)
        if check == "multiple_fields_uniqueness":
            unique = [c for c in schema.unique or () if c != "_file_sha256"]
            failure_case = "duplicate " + _describe_row(frame, index, unique)
        validation.add(FailureCase(severity, column, check, failure_case, row))


def _describe_row(frame: pd.DataFrame, index: object, columns: Sequence[str]) -> str:
    if index is None or not columns:
        return ""
    values = frame.loc[index, list(columns)]
    return ", ".join(f"{c}={_cell(v)}" for c, v in zip(columns, values, strict=True))


def _warn_checks(schema: pa.DataFrameSchema) -> set[tuple[str | None, int]]:
    """(column or None for frame-level, check number) of the checks declared raise_warning=True."""
    found = {
        (name, i) for name, col in schema.columns.items() for i, c in enumerate(col.checks) if c.raise_warning
    }
    found |= {(None, i) for i, c in enumerate(schema.checks) if c.raise_warning}
    return found


def _without_warnings(schema: pa.DataFrameSchema, *, keep_uniqueness: bool) -> pa.DataFrameSchema:
    """A copy whose warning checks raise like the others, so lazy validation collects them too."""
    strict = copy.deepcopy(schema)
    for column in strict.columns.values():
        for check in column.checks:
            check.raise_warning = False
        if not keep_uniqueness:
            column.unique = False
    for check in strict.checks:
        check.raise_warning = False
    if not keep_uniqueness:
        strict.unique = None
    return strict


# -- helpers ---------------------------------------------------------------------------------------
def model_columns(model: type[DataFrameModel]) -> list[str]:
    return list(model.to_schema().columns)


def _describe(model: type[DataFrameModel]) -> str:
    doc = " ".join((model.__doc__ or "").split())
    return f"Pandera schema {model.__name__}: {doc}" if doc else f"Pandera schema {model.__name__}."


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    def escape(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(escape(str(v)) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = "null" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = " ".join(text.split()) if text.strip() else repr(text)
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"
