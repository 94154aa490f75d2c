"""The trusted-data summary: the table GitLab's "Product Usage Trusted Data Dashboard" shows, as an
asset in the `trusted_data` group.

For every key table (the raw sources, marts and pumps: the layers with a freshness policy; and
every asset with golden-record checks, such as the dims) one row: its source systems, tests
passed and failed (the latest evaluation of each check defined now), freshness state, record
count, last run and golden-record status (checks whose name contains "golden", such as the
`golden_records` dbt tests). The asset writes it to
`trusted_data.trusted_data_summary` and shows it as Markdown metadata (`dashboard`) headed by
the totals: tests, pass rate of the latest day, coverage, freshness.

- tests and golden records come from `rpt_trusted_data_asset_last_run` (a dbt view on the history
  the `trusted_data_history` asset copies, so the summary runs after every history update);
- freshness is each asset's policy evaluated when the summary runs, by the rule of Dagster's own
  evaluator (freshness.freshness_state) from the instance's last materialization;
- record counts are counted in the warehouse when the summary runs (dbt models do not report
  row counts yet; raw tables do, but a count is exact for every table).

`with_trusted_data_view(defs, settings)` adds this asset and the history asset to the root
definitions and applies the freshness policies.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from usage_platform.settings import Settings
from usage_platform.trusted_data.duckdb_utils import quote, registered
from usage_platform.trusted_data.freshness import POLICY_LAYERS, apply_freshness_policies, freshness_state
from usage_platform.trusted_data.history import (
    CHECK_RESULTS_KEY,
    GROUP,
    HISTORY_KEYS,
    OWNER,
    ROW_COUNT_METADATA,
    SCHEMA,
    AssetGraphSource,
    build_history_asset,
    utc,
)
from usage_platform.warehouse.duckdb import DUCKDB_POOL

SUMMARY = "trusted_data_summary"
SUMMARY_KEY = dg.AssetKey([SCHEMA, SUMMARY])
REPORT_MODELS = (
    "rpt_trusted_data_test_coverage",
    "rpt_trusted_data_pass_rate_daily",
    "rpt_trusted_data_asset_last_run",
    "rpt_trusted_data_pipeline_health",
)
REPORT_KEYS = tuple(dg.AssetKey([SCHEMA, model]) for model in REPORT_MODELS)
# The dbt models on the history (and the tests of the history tables): built by a dbt asset
# definition of their own, after the history; the platform's other models exclude them.
TRUSTED_DBT_SELECTION = f"source:{SCHEMA}+"
# The dbt step that builds them, after the history step.
TRUSTED_DBT_NAME = "trusted_data_dbt"
KEY_LAYERS = POLICY_LAYERS
FRESHNESS_LABELS = {
    "PASS": "passing",
    "WARN": "warning",
    "FAIL": "failed",
    "UNKNOWN": "not evaluated",
    "NOT_APPLICABLE": "no policy",
}
SUMMARY_COLUMNS = (
    "asset_key",
    "asset_layer",
    "source_systems",
    "table_name",
    "tests_passed",
    "tests_failed",
    "tests_not_evaluated",
    "freshness_state",
    "record_count",
    "last_run_at",
    "last_run_succeeded",
    "last_success_at",
    "golden_record_status",
    "summarized_at",
)


class SummaryError(RuntimeError):
    """The reports the summary reads are missing (their dbt models were not built)."""


def warehouse_tables(conn: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    rows = conn.execute("select table_schema, table_name from information_schema.tables").fetchall()
    return {(schema.lower(), table.lower()) for schema, table in rows}


def record_counts(conn: duckdb.DuckDBPyConnection, asset_keys: Iterable[str]) -> pd.DataFrame:
    """(asset_key, record_count) for the assets that are warehouse tables ([schema, table]), in
    one statement."""
    tables = warehouse_tables(conn)
    parts = []
    for asset_key in sorted(set(asset_keys)):
        path = asset_key.split("/")
        if len(path) == 2 and (path[0].lower(), path[1].lower()) in tables:
            literal = asset_key.replace("'", "''")
            table = f"{quote(path[0])}.{quote(path[1])}"
            parts.append(f"select '{literal}' as asset_key, count(*) as record_count from {table}")
    if not parts:
        return pd.DataFrame({"asset_key": pd.Series(dtype=str), "record_count": pd.Series(dtype="int64")})
    return conn.execute(" union all ".join(parts)).df()


def build_summary_table(
    conn: duckdb.DuckDBPyConnection, freshness: Mapping[str, str], summarized_at: dt.datetime
) -> None:
    """trusted_data.trusted_data_summary from the last-run report, the freshness states and the
    warehouse's record counts."""
    tables = warehouse_tables(conn)
    missing = [model for model in REPORT_MODELS if (SCHEMA, model) not in tables]
    if missing:
        raise SummaryError(
            f"the trusted-data reports {', '.join(missing)} are not in the warehouse: build the dbt "
            "models of dbt/models/trusted_data (they run after trusted_data_history) first"
        )
    layers = ", ".join(f"'{layer}'" for layer in KEY_LAYERS)
    layer_order = " ".join(f"when '{layer}' then {i}" for i, layer in enumerate(KEY_LAYERS))
    keys = [
        row[0]
        for row in conn.execute(
            f"select asset_key from {SCHEMA}.rpt_trusted_data_asset_last_run "
            f"where asset_layer in ({layers}) or golden_record_status <> 'none'"
        ).fetchall()
    ]
    states = pd.DataFrame({"asset_key": list(freshness), "freshness_state": list(freshness.values())})
    counts = record_counts(conn, keys)
    with registered(conn, "summary_freshness", states), registered(conn, "summary_counts", counts):
        conn.execute(
            f"""
            create or replace table {SCHEMA}.{SUMMARY} as
            select
                last_run.asset_key,
                last_run.asset_layer,
                last_run.source_systems,
                split_part(last_run.asset_key, '/', 2) as table_name,
                last_run.passed_check_count as tests_passed,
                last_run.failed_check_count as tests_failed,
                last_run.unevaluated_check_count as tests_not_evaluated,
                coalesce(freshness.freshness_state, 'NOT_APPLICABLE') as freshness_state,
                counts.record_count,
                last_run.last_run_at,
                last_run.last_run_succeeded,
                last_run.last_success_at,
                last_run.golden_record_status,
                cast(? as timestamp) as summarized_at
            from {SCHEMA}.rpt_trusted_data_asset_last_run as last_run
            left join summary_freshness as freshness on last_run.asset_key = freshness.asset_key
            left join summary_counts as counts on last_run.asset_key = counts.asset_key
            where last_run.asset_layer in ({layers}) or last_run.golden_record_status <> 'none'
            order by
                case last_run.asset_layer {layer_order} else {len(KEY_LAYERS)} end,
                last_run.source_systems,
                last_run.asset_key
            """,
            [summarized_at],
        )


def summary_rows(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = conn.execute(f"select {', '.join(SUMMARY_COLUMNS)} from {SCHEMA}.{SUMMARY}")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def headline(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Totals for the top of the dashboard, over every asset (one row each in the last-run
    report): tests, coverage, the latest day's pass rate."""
    tests, unevaluated, passed, failed, assets, tested = conn.execute(
        f"""
        select
            coalesce(sum(check_count), 0), coalesce(sum(unevaluated_check_count), 0),
            coalesce(sum(passed_check_count), 0), coalesce(sum(failed_check_count), 0),
            count(*), coalesce(sum(case when check_count > 0 then 1 else 0 end), 0)
        from {SCHEMA}.rpt_trusted_data_asset_last_run
        """
    ).fetchone()
    latest_day = conn.execute(
        f"""
        select evaluation_date, sum(passed_count), sum(evaluation_count)
        from {SCHEMA}.rpt_trusted_data_pass_rate_daily
        group by evaluation_date
        order by evaluation_date desc
        limit 1
        """
    ).fetchone()
    return {
        "tests": int(tests),
        "tests_not_evaluated": int(unevaluated),
        "tests_passed": int(passed),
        "tests_failed": int(failed),
        "assets": int(assets),
        "tested_assets": int(tested),
        "pass_rate_date": latest_day[0] if latest_day else None,
        "pass_rate": (latest_day[1] / latest_day[2]) if latest_day and latest_day[2] else None,
    }


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value).replace("|", "/")


def dashboard_markdown(rows: Sequence[Mapping[str, Any]], totals: Mapping[str, Any]) -> str:
    """The dashboard as Markdown: a headline, then one table row per key table."""
    freshness = [row["freshness_state"] for row in rows]
    rate = totals["pass_rate"]
    lines = [
        "### Product usage trusted data",
        "",
        f"**Tests**: {totals['tests']} defined, {totals['tests_passed']} passed, "
        f"{totals['tests_failed']} failed, {totals['tests_not_evaluated']} not evaluated yet. "
        + (
            f"**Pass rate** on {totals['pass_rate_date']}: {rate:.1%}. "
            if rate is not None
            else "**Pass rate**: no evaluation yet. "
        ),
        f"**Coverage**: {totals['tested_assets']} of {totals['assets']} assets carry checks. "
        f"**Freshness** of the {len(rows)} key tables: {freshness.count('PASS')} passing, "
        f"{freshness.count('WARN')} warning, {freshness.count('FAIL')} failed, "
        f"{freshness.count('UNKNOWN')} not evaluated.",
        "",
        "| source | table | tests passed | tests failed | freshness | records | last run | golden records |",
        "|---|---|---:|---:|---|---:|---|---|",
    ]
    for row in rows:
        last_run = _cell(row["last_run_at"])
        if row["last_run_at"] is not None and row["last_run_succeeded"] is False:
            last_run += " (failed)"
        records = f"{row['record_count']:,}" if row["record_count"] is not None else "—"
        lines.append(
            f"| {_cell(row['source_systems'])} | {row['asset_layer']}.{row['table_name']} "
            f"| {row['tests_passed']} | {row['tests_failed']} "
            f"| {FRESHNESS_LABELS.get(row['freshness_state'], row['freshness_state'])} | {records} "
            f"| {last_run} | {_cell(row['golden_record_status'])} |"
        )
    return "\n".join(lines)


def current_freshness(
    instance: dg.DagsterInstance, asset_graph: Any, keys: Iterable[dg.AssetKey], now: float
) -> dict[str, str]:
    states = {}
    for key in keys:
        policy = asset_graph.get(key).freshness_policy if asset_graph.has(key) else None
        event = instance.get_latest_materialization_event(key) if policy is not None else None
        states[key.to_user_string()] = freshness_state(policy, event.timestamp if event else None, now)
    return states


def build_summary_asset(target: str, asset_graph: AssetGraphSource) -> dg.AssetsDefinition:
    @dg.asset(
        key=SUMMARY_KEY,
        # The reports are views on the history: the summary follows the history's updates (its
        # tables are written together; one is enough to order and trigger the summary).
        deps=[*REPORT_KEYS, CHECK_RESULTS_KEY],
        group_name=GROUP,
        owners=[OWNER],
        kinds={target, "python"},
        tags={"data_classification": "green"},
        pool=DUCKDB_POOL,
        metadata={"dagster/table_name": f"{SCHEMA}.{SUMMARY}"},
        description=(
            "The trusted-data dashboard: per key table (raw sources, marts, pumps, and assets with "
            "golden records) tests passed and "
            "failed, freshness, record count, last run and golden records, as Markdown metadata "
            "(`dashboard`) and the table trusted_data.trusted_data_summary."
        ),
    )
    def trusted_data_summary(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
        now = dt.datetime.now(dt.UTC)
        graph = asset_graph()
        keys = [node.key for node in graph.asset_nodes if node.group_name in KEY_LAYERS]
        freshness = current_freshness(context.instance, graph, keys, now.timestamp())
        with warehouse.get_connection() as conn:
            build_summary_table(conn, freshness, utc(now.timestamp()))
            rows = summary_rows(conn)
            totals = headline(conn)
        states = [row["freshness_state"] for row in rows]
        return dg.MaterializeResult(
            metadata={
                "dashboard": dg.MetadataValue.md(dashboard_markdown(rows, totals)),
                ROW_COUNT_METADATA: len(rows),
                "tests_defined": totals["tests"],
                "tests_passed": totals["tests_passed"],
                "tests_failed": totals["tests_failed"],
                "pass_rate_latest_day": dg.MetadataValue.float(
                    float(totals["pass_rate"]) if totals["pass_rate"] is not None else float("nan")
                ),
                "freshness_failed": states.count("FAIL"),
                "freshness_warning": states.count("WARN"),
            }
        )

    return trusted_data_summary


def history_upstream(assets: Iterable[dg.AssetsDefinition]) -> set[dg.AssetKey]:
    """The leaves of `assets` outside the trusted_data group: the assets nothing else among them
    reads (the pump, the reports). The history asset depends on them, so it runs after them and
    after their checks."""
    specs = [spec for assets_def in assets for spec in assets_def.specs if spec.group_name != GROUP]
    keys = {spec.key for spec in specs}
    read = {dep.asset_key for spec in specs for dep in spec.deps}
    return keys - read


class _ResolvedGraph:
    """The asset graph of the finished definitions, resolved once, when a run first asks."""

    def __init__(self) -> None:
        self.defs: dg.Definitions | None = None
        self._graph: Any = None

    def __call__(self) -> Any:
        if self._graph is None:
            if self.defs is None:
                raise RuntimeError("the trusted-data view was built outside with_trusted_data_view")
            self._graph = self.defs.resolve_asset_graph()
        return self._graph


class TrustedDataViewError(ValueError):
    """The definitions cannot run the history between the checks and the reports on it."""


def check_reports_are_separate(assets: Iterable[dg.AssetsDefinition]) -> None:
    """The dbt models on the history must be an asset definition of their own: in the one that
    builds the platform's models they would sit both before the history (with the models it
    waits for) and after it (reading its tables)."""
    for assets_def in assets:
        specs = list(assets_def.specs)
        readers = [s for s in specs if any(dep.asset_key in HISTORY_KEYS for dep in s.deps)]
        others = [s for s in specs if s.group_name != GROUP]
        if readers and others:
            raise TrustedDataViewError(
                f"{assets_def.node_def.name} builds both the reports on the trusted-data history "
                f"({', '.join(sorted(s.key.to_user_string() for s in readers))}) and the platform's "
                f"other assets: build the reports as their own dbt assets, with dbt selection "
                f"{TRUSTED_DBT_SELECTION!r} (and exclude it from the platform's dbt assets)"
            )


def with_trusted_data_view(defs: dg.Definitions, settings: Settings) -> dg.Definitions:
    """`defs` with the trusted-data view: the history asset (after the leaves of `defs`'s assets,
    so after their checks), the summary (after the dbt reports on the history), and a freshness
    policy on every raw table, mart and pump (freshness.apply_freshness_policies). Call once, at
    the root, before the automation policy. The dbt reports on the history must be in `defs` as
    their own dbt assets (dbt selection TRUSTED_DBT_SELECTION), excluded from the platform's."""
    upstream = [assets for assets in defs.assets or [] if isinstance(assets, dg.AssetsDefinition)]
    check_reports_are_separate(upstream)
    graph = _ResolvedGraph()
    view = dg.Definitions(
        assets=[
            build_history_asset(history_upstream(upstream), settings.target, graph),
            build_summary_asset(settings.target, graph),
        ]
    )
    graph.defs = apply_freshness_policies(dg.Definitions.merge(defs, view))
    return graph.defs
