"""The checks of the dbt-built assets beyond their dbt tests, as Dagster asset checks.

`build_model_checks(dbt_assets)` returns them all, for the root definitions to add:

- **Pandera schemas** of the dimensions and the Gainsight pump (`model_schemas`), through the
  factory of `pandera_checks`. The dims' checks do not block (the models downstream of a dim are
  built in the same dbt step, before any check of it can run: blocking would promise what it
  cannot keep); the pump's blocks, so a pump that breaks its rules is never exported to Gainsight.
  `dim_ping_instance`, rebuilt whole by every build with a row per ping, is validated only in the
  rows its check has not passed (`skip_passed_rows`: a hash per row in
  `trusted_data.pandera_row_log`), so a delivery's check reads the rows that changed.
- **Warehouse SQL checks** of the facts and the flattened Service Ping table (`FACT_CHECKS`):
  tables far too large for pandas are checked where they live, by a query that selects the rows
  breaking a rule (sentinels never counted as values, monthly all-time deltas never negative,
  every ping flattened, ...). The check counts them and shows the first ones. A rule that
  holds row by row on a table a delivery appends to (`written_by`: the column stamping the dbt
  invocation that wrote each row) reads only the rows of invocations it has not passed yet: what
  it passed is kept in the warehouse (`trusted_data.warehouse_check_log`, per check, rule
  fingerprint and invocation), so a delivery reads its own rows, and a failure keeps being read
  until the rows behind it are rewritten.
- **documented_columns** on every dbt model and seed (the TDF schema test "expected tables and
  columns exist"): every column the model's yml documents exists in the warehouse (ERROR if
  not, and if the relation itself is missing); columns the yml does not document: WARN. One
  query of the warehouse's information schema serves every selected asset.
- **column_schema_change** on every dbt model and seed: Dagster's check comparing the
  `dagster/column_schema` metadata of an asset's last two materializations (added, removed or
  retyped columns: WARN). The dbt asset attaches that metadata to every built model and seed.

Every check but the last reads the warehouse through the `warehouse` resource (DuckDB) in the
`duckdb` pool. The SQL checks fail with the missing columns named when their table lacks one;
they run as one step (`warehouse_checks_step`), the selected ones on one connection.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dagster as dg

from usage_platform.trusted_data.model_schemas import MODEL_SCHEMAS, show_value
from usage_platform.trusted_data.pandera_checks import FAILURE_CASES_SHOWN, PanderaCheck, markdown_table
from usage_platform.warehouse.duckdb import DUCKDB_POOL

ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN
RESOURCE_KEY = "warehouse"
PANDERA_CHECK_NAME = "pandera_schema"
DOCUMENTED_COLUMNS_CHECK_NAME = "documented_columns"
BLOCKING_PANDERA_MODELS = frozenset({"pump_gainsight_metrics_monthly_paid"})  # what leaves the platform
# Rebuilt whole by every build, a row per ping: a delivery changes a few of the history's rows, so
# the check reads the rows it has not passed (`skip_passed_rows`). Hashing and logging every row
# costs more than it saves where a delivery changes much of a table or the table is small (the
# pump: the current month of every subscription), so the others read every row.
ROW_SCOPED_PANDERA_MODELS = frozenset({"dim_ping_instance"})
CHECK_LOG = "trusted_data.warehouse_check_log"  # what each scoped warehouse check has passed


# -- warehouse SQL checks --------------------------------------------------------------------------
@dataclass(frozen=True)
class WarehouseCheck:
    """A rule checked by a query in the warehouse. `failing_rows` selects the rows that break it
    (`{this}` is the asset's table); `columns` are the asset's columns it reads: a missing one
    fails the check by name instead of failing the query.

    `written_by`: for a rule that holds row by row, the column that stamps each row with the dbt
    invocation that wrote it. The check then reads only the rows of invocations it has not passed
    under this rule (`{this}` becomes those rows) and, when they pass, logs those invocations in
    CHECK_LOG. Sound because an invocation's rows are never changed by a later one (incremental
    models delete and insert; a full refresh stamps every row anew); a failing invocation is not
    logged, so its rows are read again by every evaluation until they are rewritten. The rule's
    fingerprint (its query, and the relation's definition when the relation is a view) is part
    of the log: a changed rule or view reads every row again."""

    table: str  # schema.table of the asset
    name: str
    description: str
    failing_rows: str
    columns: tuple[str, ...]
    severity: dg.AssetCheckSeverity = ERROR
    written_by: str | None = None

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(self.table.split("."))

    @property
    def query(self) -> str:
        return self.failing_rows.format(this=self.table)

    def evaluate(self, conn) -> dg.AssetCheckResult:
        present = _columns_of(conn, self.table)
        needed = [*self.columns, *([self.written_by] if self.written_by else [])]
        missing = [c for c in needed if c not in present] if present is not None else needed
        if present is None or missing:
            problem = f"{self.table} does not exist" if present is None else f"missing columns: {missing}"
            return self._result(False, ERROR, num_failures=0, problem=problem)
        scope = _Scope.pending(conn, self) if self.written_by else None
        if scope is not None and not scope.invocations:
            return self._result(True, self.severity, num_failures=0, scope=scope)
        query = self.query if scope is None else self.failing_rows.format(this=scope.relation)
        cursor = conn.execute(
            f"select *, count(*) over () as _failures from ({query}) as failing limit {FAILURE_CASES_SHOWN}"
        )
        header = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        failures = int(rows[0][-1]) if rows else 0
        cases = (
            markdown_table(header[:-1], [[show_value(v) for v in row[:-1]] for row in rows]) if rows else None
        )
        if scope is not None and failures == 0:
            scope.log_passed(conn)
        return self._result(
            failures == 0, self.severity, num_failures=failures, failure_cases=cases, scope=scope
        )

    def _result(self, passed: bool, severity, *, num_failures: int, **extra) -> dg.AssetCheckResult:
        metadata: dict[str, object] = {
            "severity": "none" if passed else severity.value,
            "num_failures": dg.MetadataValue.int(num_failures),
            "query": dg.MetadataValue.md(f"```sql\n{self.query.strip()}\n```"),
        }
        if extra.get("problem"):
            metadata["problem"] = extra["problem"]
        if extra.get("failure_cases"):
            metadata["failure_cases"] = dg.MetadataValue.md(extra["failure_cases"])
        if extra.get("scope") is not None:
            metadata.update(extra["scope"].metadata())
        return dg.AssetCheckResult(
            asset_key=self.asset_key,
            check_name=self.name,
            passed=passed,
            severity=severity,
            metadata=metadata,
        )


def warehouse_checks_step(
    checks: Sequence[WarehouseCheck], *, name: str = "warehouse_sql_checks", resource_key: str = RESOURCE_KEY
) -> dg.AssetChecksDefinition:
    """The checks as one step that opens the warehouse once for the checks selected. A step per
    check paid Dagster's step events and a DuckDB open and close each: 0.1-0.3 s per check at
    3,000-10,000 instances (the close of a connection that wrote the check log checkpoints)."""
    by_key = {dg.AssetCheckKey(check.asset_key, check.name): check for check in checks}
    if len(by_key) < len(checks):
        raise ValueError("two warehouse checks share an asset and a name")

    @dg.multi_asset_check(
        name=name,
        specs=[
            dg.AssetCheckSpec(
                check.name, asset=check.asset_key, description=check.description, blocking=False
            )
            for check in checks
        ],
        can_subset=True,
        required_resource_keys={resource_key},
        pool=DUCKDB_POOL,
    )
    def _warehouse_checks(context):  # (Dagster rejects a string annotation)
        selected = [check for key, check in by_key.items() if key in context.selected_asset_check_keys]
        with getattr(context.resources, resource_key).get_connection() as conn:
            for check in selected:
                yield check.evaluate(conn)

    return _warehouse_checks


@dataclass(frozen=True)
class _Scope:
    """The rows a scoped WarehouseCheck reads: those of the invocations it has not passed."""

    check: WarehouseCheck
    fingerprint: str
    invocations: tuple[tuple[str, int], ...]  # (invocation id, rows), not passed yet
    invocations_held: int  # invocations with rows in the table

    @classmethod
    def pending(cls, conn, check: WarehouseCheck) -> _Scope:
        _ensure_check_log(conn)
        schema, name = check.table.split(".")
        view = conn.execute(
            "select sql from duckdb_views() where schema_name = ? and view_name = ?", [schema, name]
        ).fetchone()
        text = check.failing_rows + "\n" + (view[0] if view else "")
        fingerprint = hashlib.sha256(text.encode()).hexdigest()[:16]
        written_by = check.written_by
        held = conn.execute(
            f"""select {written_by}, count(*), {written_by} in (
                    select invocation_id from {CHECK_LOG}
                    where checked_table = ? and check_name = ? and fingerprint = ?
                ) as passed
                from {check.table} group by {written_by} order by {written_by}""",
            [check.table, check.name, fingerprint],
        ).fetchall()
        # Rows without a stamp (None) are pending at every evaluation: nothing says what wrote them.
        pending = tuple((invocation, int(rows)) for invocation, rows, passed in held if not passed)
        return cls(check, fingerprint, pending, len(held))

    @property
    def relation(self) -> str:
        written_by = self.check.written_by
        ids = [invocation for invocation, _ in self.invocations if invocation is not None]
        scope = [f"{written_by} is null"] if len(ids) < len(self.invocations) else []
        if ids:
            scope.append(f"{written_by} in (" + ", ".join(_sql_text(i) for i in ids) + ")")
        return f"(select * from {self.check.table} where {' or '.join(scope)})"

    def log_passed(self, conn) -> None:
        passed = [
            [self.check.table, self.check.name, self.fingerprint, invocation, rows]
            for invocation, rows in self.invocations
            if invocation is not None
        ]
        if passed:
            conn.executemany(f"insert into {CHECK_LOG} values (?, ?, ?, ?, ?, now())", passed)

    def metadata(self) -> dict[str, object]:
        return {
            "rows_checked": dg.MetadataValue.int(sum(rows for _, rows in self.invocations)),
            "invocations_checked": dg.MetadataValue.int(len(self.invocations)),
            "invocations_passed_before": dg.MetadataValue.int(self.invocations_held - len(self.invocations)),
            "scope": (
                f"the rows of the dbt invocations ({self.check.written_by}) this rule had not passed yet; "
                f"what it passed is in {CHECK_LOG}"
            ),
        }


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ensure_check_log(conn) -> None:
    schema = CHECK_LOG.split(".")[0]
    conn.execute(f"create schema if not exists {schema}")
    conn.execute(
        f"""create table if not exists {CHECK_LOG} (
            checked_table varchar not null,
            check_name varchar not null,
            fingerprint varchar not null,
            invocation_id varchar not null,
            rows_checked bigint not null,
            passed_at timestamp not null
        )"""
    )


def _columns_of(conn, table: str) -> set[str] | None:
    """The relation's columns, None when it does not exist."""
    schema, name = table.split(".")
    rows = conn.execute(
        "select column_name from information_schema.columns "
        "where lower(table_schema) = ? and lower(table_name) = ?",
        [schema.lower(), name.lower()],
    ).fetchall()
    return {row[0].lower() for row in rows} or None


_FLATTENED = "prep.prep_ping_instance_flattened"
_FACT = "common.fct_ping_instance_metric"
_MONTHLY = "common.fct_ping_instance_metric_monthly"
_SEAT_LINK = "common.fct_usage_self_managed_seat_link"
_SAAS_MONTHLY = "common.fct_saas_namespace_metric_monthly"
_SENTINELS = "('-1', '-2', '-1000')"
_WRITTEN_BY = "_dbt_invocation_id"  # the incremental models' stamp of the invocation that wrote a row

FACT_CHECKS: tuple[WarehouseCheck, ...] = (
    # -- the flattened Service Ping leaves -------------------------------------------------------
    WarehouseCheck(
        _FLATTENED,
        "sentinels_not_values",
        "Service Ping sentinels (-1 timed out, -2 counter error, -1000 deprecated) are flagged and "
        "never numeric values: no metric_value_number is a sentinel, and every leaf sent as -1, -2 "
        "or -1000 carries its flag and no number.",
        f"""
        select dim_ping_instance_id, metrics_path, metric_value, metric_value_number,
            has_timed_out, has_counter_error, is_deprecated_value
        from {{this}}
        where metric_value_number in (-1, -2, -1000)
            or (metric_value = '-1' and not (has_timed_out and metric_value_number is null))
            or (metric_value = '-2' and not (has_counter_error and metric_value_number is null))
            or (metric_value = '-1000' and not (is_deprecated_value and metric_value_number is null))
            or ((has_timed_out or has_counter_error or is_deprecated_value)
                and metric_value not in {_SENTINELS})
        """,
        (
            "dim_ping_instance_id",
            "metrics_path",
            "metric_value",
            "metric_value_number",
            "has_timed_out",
            "has_counter_error",
            "is_deprecated_value",
        ),
        written_by=_WRITTEN_BY,
    ),
    WarehouseCheck(
        _FLATTENED,
        "every_ping_flattened",
        "Every received ping (prep_ping_payload) has its leaves in the table, its uuid leaf among "
        "them: a ping without rows was lost by the flatten.",
        # The pings without a uuid leaf first (an anti-join on the uuid rows), then their leaves
        # counted: grouping every leaf of the history by ping took three times as long.
        """
        with without_uuid as (
            select payloads.dim_ping_instance_id, payloads.ping_created_at
            from prep.prep_ping_payload as payloads
            anti join (select dim_ping_instance_id from {this} where metrics_path = 'uuid') as uuids
                on payloads.dim_ping_instance_id = uuids.dim_ping_instance_id
        )
        select without_uuid.dim_ping_instance_id, without_uuid.ping_created_at,
            count(leaves.metrics_path) as leaf_rows, 0 as uuid_leaves
        from without_uuid
        left join {this} as leaves on without_uuid.dim_ping_instance_id = leaves.dim_ping_instance_id
        group by without_uuid.dim_ping_instance_id, without_uuid.ping_created_at
        """,
        ("dim_ping_instance_id", "metrics_path"),
    ),
    WarehouseCheck(
        _FLATTENED,
        "leaf_count_plausible",
        "No ping has fewer than a tenth of the median number of leaves per ping (a truncated "
        "payload, or leaves lost on the way).",
        """
        with per_ping as (
            select dim_ping_instance_id, count(*) as leaf_rows from {this} group by dim_ping_instance_id
        ),
        typical as (select median(leaf_rows) as median_leaf_rows from per_ping)
        select per_ping.dim_ping_instance_id, per_ping.leaf_rows, typical.median_leaf_rows
        from per_ping cross join typical
        where per_ping.leaf_rows * 10 < typical.median_leaf_rows
        """,
        ("dim_ping_instance_id",),
        severity=WARN,
    ),
    # -- the typed fact (a view over the flattened table) ----------------------------------------
    WarehouseCheck(
        _FACT,
        "sentinels_not_values",
        'Sentinels and failed histograms ({"-1": -1}) are flags, never values: a flagged leaf has '
        "no numeric value, and no numeric value is -1, -2 or -1000.",
        """
        select dim_ping_instance_id, metrics_path, metric_value, metric_value_number,
            has_timed_out, has_counter_error, is_deprecated_value, is_failed_histogram
        from {this}
        where metric_value_number in (-1, -2, -1000)
            or ((has_timed_out or has_counter_error or is_deprecated_value or is_failed_histogram)
                and metric_value_number is not null)
        """,
        (
            "dim_ping_instance_id",
            "metrics_path",
            "metric_value",
            "metric_value_number",
            "has_timed_out",
            "has_counter_error",
            "is_deprecated_value",
            "is_failed_histogram",
        ),
        written_by=_WRITTEN_BY,
    ),
    WarehouseCheck(
        _FACT,
        "typed_value_matches_type",
        "Each leaf's typed value matches its JSON type: a number has metric_value_number unless it is "
        "a sentinel, a boolean metric_value_boolean, a string metric_value_string; is_known_metric "
        "exactly when metric_key_path is set.",
        f"""
        select dim_ping_instance_id, metrics_path, metric_value, metric_value_type, metric_key_path,
            is_known_metric
        from {{this}}
        where (metric_value_type = 'number' and metric_value_number is null
                and metric_value not in {_SENTINELS})
            or (metric_value_type <> 'number' and metric_value_number is not null)
            or (metric_value_type = 'boolean' and metric_value_boolean is null)
            or (metric_value_type = 'string' and metric_value_string is null)
            or (is_known_metric <> (metric_key_path is not null))
        """,
        (
            "dim_ping_instance_id",
            "metrics_path",
            "metric_value",
            "metric_value_type",
            "metric_value_number",
            "metric_value_boolean",
            "metric_value_string",
            "metric_key_path",
            "is_known_metric",
        ),
        written_by=_WRITTEN_BY,
    ),
    # -- monthly values per installation ---------------------------------------------------------
    WarehouseCheck(
        _MONTHLY,
        "all_time_monthly_not_negative",
        "The monthly value of an all-time counter (its increase since the previous monthly ping) "
        "is never negative.",
        """
        select dim_installation_id, snapshot_month, metrics_path, metric_value, previous_metric_value,
            monthly_metric_value
        from {this}
        where time_frame = 'all' and monthly_metric_value < 0
        """,
        ("time_frame", "monthly_metric_value", "metric_value", "previous_metric_value"),
        written_by=_WRITTEN_BY,
    ),
    WarehouseCheck(
        _MONTHLY,
        "monthly_value_rule",
        "What a month is worth: a 28d, 7d or none metric's value in the month's last ping; an "
        "all-time counter's increase since the previous value (0 when it went down, null without "
        "an earlier value); a timed-out metric has no value.",
        """
        select dim_installation_id, snapshot_month, metrics_path, time_frame, metric_value,
            previous_metric_value, monthly_metric_value, has_timed_out
        from {this}
        where (has_timed_out and (metric_value is not null or monthly_metric_value is not null))
            or (metric_value in (-1, -2, -1000))
            or (time_frame <> 'all' and not (monthly_metric_value is not distinct from metric_value))
            or (time_frame = 'all' and (metric_value is null or previous_metric_value is null)
                and monthly_metric_value is not null)
            or (time_frame = 'all' and metric_value >= previous_metric_value
                and monthly_metric_value <> metric_value - previous_metric_value)
            or (time_frame = 'all' and metric_value < previous_metric_value and monthly_metric_value <> 0)
        """,
        ("time_frame", "metric_value", "previous_metric_value", "monthly_metric_value", "has_timed_out"),
        written_by=_WRITTEN_BY,
    ),
    WarehouseCheck(
        _MONTHLY,
        "ping_of_the_month",
        "Each row's ping is the installation's last ping of snapshot_month (dim_ping_instance).",
        """
        select monthly.dim_installation_id, monthly.snapshot_month, monthly.dim_ping_instance_id,
            pings.snapshot_month as ping_month, pings.is_last_ping_of_month
        from (
            select distinct dim_installation_id, snapshot_month, dim_ping_instance_id from {this}
        ) as monthly
        left join common.dim_ping_instance as pings
            on monthly.dim_ping_instance_id = pings.dim_ping_instance_id
        where pings.dim_ping_instance_id is null
            or pings.snapshot_month <> monthly.snapshot_month
            or pings.dim_installation_id <> monthly.dim_installation_id
            or not pings.is_last_ping_of_month
        """,
        ("dim_installation_id", "snapshot_month", "dim_ping_instance_id"),
    ),
    # -- Seat Link -------------------------------------------------------------------------------
    WarehouseCheck(
        _SEAT_LINK,
        "report_of_the_month",
        "The chosen report is of its snapshot_month and attributed to the latest version of the "
        "subscription it names.",
        """
        select facts.dim_subscription_id, facts.subscription_name, facts.snapshot_month, facts.report_date,
            versions.is_latest_version, versions.subscription_name as version_subscription_name
        from {this} as facts
        left join common.dim_subscription as versions
            on facts.dim_subscription_id = versions.dim_subscription_id
        where cast(date_trunc('month', facts.report_date) as date) <> facts.snapshot_month
            or versions.dim_subscription_id is null
            or not versions.is_latest_version
            or versions.subscription_name <> facts.subscription_name
        """,
        ("dim_subscription_id", "subscription_name", "snapshot_month", "report_date"),
    ),
    WarehouseCheck(
        _SEAT_LINK,
        "user_counts_not_negative",
        "Seat Link user counts (active, licensed, historical maximum) are never negative.",
        """
        select dim_subscription_id, snapshot_month, active_user_count, license_user_count,
            max_historical_user_count
        from {this}
        where active_user_count < 0 or license_user_count < 0 or max_historical_user_count < 0
        """,
        ("active_user_count", "license_user_count", "max_historical_user_count"),
    ),
    WarehouseCheck(
        _SEAT_LINK,
        "active_within_historical_max",
        "A report's active users do not exceed its historical maximum of users.",
        """
        select dim_subscription_id, snapshot_month, active_user_count, max_historical_user_count
        from {this}
        where active_user_count > max_historical_user_count
        """,
        ("active_user_count", "max_historical_user_count"),
        severity=WARN,
    ),
    # -- SaaS namespaces -------------------------------------------------------------------------
    WarehouseCheck(
        _SAAS_MONTHLY,
        "monthly_value_rule",
        "A snapshot is of its month; an all-time counter's monthly value is never negative; any "
        "other counter's monthly value is its value.",
        """
        select dim_namespace_id, snapshot_month, ping_date, metrics_path, time_frame, metric_value,
            monthly_metric_value
        from {this}
        where cast(date_trunc('month', ping_date) as date) <> snapshot_month
            or (time_frame = 'all' and monthly_metric_value < 0)
            or (time_frame <> 'all' and not (monthly_metric_value is not distinct from metric_value))
        """,
        (
            "dim_namespace_id",
            "snapshot_month",
            "ping_date",
            "time_frame",
            "metric_value",
            "monthly_metric_value",
        ),
    ),
)


# -- documented columns ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DocumentedRelation:
    asset_key: dg.AssetKey
    schema: str
    table: str
    columns: tuple[str, ...]  # as the yml documents them


def documented_relations(dbt_assets: dg.AssetsDefinition) -> list[DocumentedRelation]:
    """Every dbt model and seed of the asset with the columns its yml documents (dagster-dbt puts
    them and the relation's name in each asset's definition metadata)."""
    found = []
    for spec in dbt_assets.specs:
        table_name = _value(spec.metadata.get("dagster/table_name"))
        if not table_name:
            raise ValueError(f"dbt asset {spec.key.to_user_string()} has no dagster/table_name metadata")
        schema, name = str(table_name).split(".")[-2:]
        column_schema = _value(spec.metadata.get("dagster/column_schema"))
        columns = tuple(c.name for c in column_schema.columns) if column_schema else ()
        found.append(DocumentedRelation(spec.key, schema, name, columns))
    return sorted(found, key=lambda r: r.asset_key.to_user_string())


def _value(entry: object) -> object:
    return getattr(entry, "value", entry)


def compare_columns(relation: DocumentedRelation, built: Sequence[str] | None) -> dg.AssetCheckResult:
    documented = [c.lower() for c in relation.columns]
    metadata: dict[str, object] = {"relation": f"{relation.schema}.{relation.table}"}
    if built is None:
        metadata["problem"] = "the relation does not exist"
        return dg.AssetCheckResult(
            asset_key=relation.asset_key,
            check_name=DOCUMENTED_COLUMNS_CHECK_NAME,
            passed=False,
            severity=ERROR,
            metadata={**metadata, "num_failures": dg.MetadataValue.int(1)},
        )
    missing = [c for c in documented if c not in built]
    undocumented = [c for c in built if c not in documented]
    rows = [("missing", c) for c in missing] + [("undocumented", c) for c in undocumented]
    metadata["num_failures"] = dg.MetadataValue.int(len(rows))
    metadata["columns_documented"] = dg.MetadataValue.int(len(documented))
    if rows:
        metadata["failure_cases"] = dg.MetadataValue.md(markdown_table(("problem", "column"), rows))
    return dg.AssetCheckResult(
        asset_key=relation.asset_key,
        check_name=DOCUMENTED_COLUMNS_CHECK_NAME,
        passed=not rows,
        severity=ERROR if missing else WARN,
        metadata=metadata,
    )


def documented_columns_check(
    relations: Sequence[DocumentedRelation],
    *,
    resource_key: str = RESOURCE_KEY,
    name: str = "documented_columns",
) -> dg.AssetChecksDefinition:
    by_key = {r.asset_key: r for r in relations}

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                DOCUMENTED_COLUMNS_CHECK_NAME,
                asset=r.asset_key,
                description=(
                    "TDF schema test: the relation exists with every column its dbt yml documents "
                    "(ERROR when one is missing); columns the yml does not document: WARN."
                ),
            )
            for r in relations
        ],
        name=name,
        can_subset=True,
        required_resource_keys={resource_key},
        pool=DUCKDB_POOL,
    )
    def _documented_columns(context):
        with getattr(context.resources, resource_key).get_connection() as conn:
            rows = conn.execute(
                """
                select lower(table_schema), lower(table_name), lower(column_name)
                from information_schema.columns
                order by table_schema, table_name, ordinal_position
                """
            ).fetchall()
        built: dict[tuple[str, str], list[str]] = {}
        for schema, table, name in rows:
            built.setdefault((schema, table), []).append(name)
        for check_key in sorted(
            context.selected_asset_check_keys, key=lambda k: k.asset_key.to_user_string()
        ):
            relation = by_key[check_key.asset_key]
            yield compare_columns(relation, built.get((relation.schema.lower(), relation.table.lower())))

    return _documented_columns


# -- all of them -----------------------------------------------------------------------------------
def pandera_model_checks(resource_key: str = RESOURCE_KEY) -> list[dg.AssetChecksDefinition]:
    checks = []
    for name, spec in MODEL_SCHEMAS.items():
        check = PanderaCheck(
            dg.AssetKey([spec.schema, name]),
            spec.model,
            name=PANDERA_CHECK_NAME,
            blocking=name in BLOCKING_PANDERA_MODELS,
            row_key=spec.row_key,
            skip_passed_rows=name in ROW_SCOPED_PANDERA_MODELS,
            row_wise_checks=spec.model.rule_texts(),
        )
        checks.append(check.asset_check(f"{spec.schema}.{name}", resource_key=resource_key, pool=DUCKDB_POOL))
    return checks


def build_model_checks(
    dbt_assets: dg.AssetsDefinition | Sequence[dg.AssetsDefinition], *, resource_key: str = RESOURCE_KEY
) -> list[dg.AssetChecksDefinition]:
    """Every check of this module for the assets of the @dbt_assets definition(s)."""
    definitions = [dbt_assets] if isinstance(dbt_assets, dg.AssetsDefinition) else list(dbt_assets)
    pandera = pandera_model_checks(resource_key)
    facts = [warehouse_checks_step(FACT_CHECKS, resource_key=resource_key)]
    built = {key.to_user_string() for definition in definitions for key in definition.keys}
    unknown = sorted({k.asset_key.to_user_string() for k in check_keys([*pandera, *facts])} - built)
    if unknown:  # a model renamed or removed: say so rather than drop its checks
        raise ValueError(f"model checks target assets the dbt project does not build: {unknown}")
    # One step of schema checks per dbt asset: a step spanning two dbt assets would wait for the
    # later one, and the check history (between them) would see its checks still running.
    schema_checks: list[dg.AssetChecksDefinition] = []
    for definition in definitions:
        relations = sorted(documented_relations(definition), key=lambda r: r.asset_key.to_user_string())
        if not relations:
            continue
        name = (
            "documented_columns"
            if definition is definitions[0]
            else f"documented_columns_{definition.op.name.removesuffix('_dbt')}"
        )
        schema_checks.append(documented_columns_check(relations, resource_key=resource_key, name=name))
        with warnings.catch_warnings():  # a beta Dagster API, used knowingly (see docs/decisions.md)
            warnings.simplefilter("ignore", dg.BetaWarning)
            schema_checks += dg.build_column_schema_change_checks(assets=[r.asset_key for r in relations])
    return [*pandera, *facts, *schema_checks]


def check_keys(checks: Iterable[dg.AssetChecksDefinition]) -> set[dg.AssetCheckKey]:
    return {key for check in checks for key in check.check_keys}
