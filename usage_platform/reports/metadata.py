"""Headline numbers and a Markdown preview for each rpt_product_usage_* report.

Each provider runs a few aggregate queries in the warehouse and fetches only their small results
(see usage_platform.dbt.model_metadata for the interface). Numbers are about the latest month with
pings (the newest snapshot_month of rpt_product_usage_installation_monthly), so a materialization's
metadata plots month by month in the Dagster UI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg
import duckdb

from usage_platform.dbt.model_metadata import MetadataProvider
from usage_platform.reports.markdown import markdown_table

SCHEMA = "marts"
PREVIEW_ROWS = 10
_LATEST_MONTH = f"(select max(snapshot_month) from {SCHEMA}.rpt_product_usage_installation_monthly)"


def _one(conn: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    return conn.execute(sql).fetchone()


def _preview(conn: duckdb.DuckDBPyConnection, sql: str, *, empty: str) -> dg.MetadataValue:
    relation = conn.execute(sql)
    columns = [description[0] for description in relation.description]
    return dg.MetadataValue.md(markdown_table(columns, relation.fetchall(), empty=empty))


def _int(value: Any) -> dg.MetadataValue:
    return dg.MetadataValue.int(int(value) if value is not None else 0)


def _float(value: Any) -> dg.MetadataValue:
    return dg.MetadataValue.float(float(value) if value is not None else None)


def _month(conn: duckdb.DuckDBPyConnection) -> dg.MetadataValue:
    (latest,) = _one(conn, f"select {_LATEST_MONTH}")
    return dg.MetadataValue.text(latest.isoformat() if latest else "none")


def _entries(conn: duckdb.DuckDBPyConnection, names: Sequence[str], sql: str, kinds: str) -> dict[str, Any]:
    """Run one aggregate query; `kinds` says per column whether it is an int (i) or a float (f)."""
    row = _one(conn, sql)
    return {
        name: (_int(value) if kind == "i" else _float(value))
        for name, value, kind in zip(names, row, kinds, strict=True)
    }


def installation_monthly(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    table = f"{SCHEMA}.rpt_product_usage_installation_monthly"
    metadata = {"latest_month": _month(conn)}
    metadata |= _entries(
        conn,
        ("installations", "account_mapped_installations", "crm_accounts", "account_mapped_share"),
        f"""
        select
            count(*),
            count_if(is_account_mapped),
            count(distinct dim_crm_account_id),
            count_if(is_account_mapped) / nullif(count(*), 0)
        from {table} where snapshot_month = {_LATEST_MONTH}
        """,
        "iiif",
    )
    metadata["preview"] = _preview(
        conn,
        f"""
        select account_mapping_status, count(*) as installations, sum(active_user_count) as active_users,
            count(distinct dim_crm_account_id) as crm_accounts
        from {table} where snapshot_month = {_LATEST_MONTH}
        group by account_mapping_status order by installations desc, account_mapping_status
        """,
        empty="No installation has pinged yet.",
    )
    return metadata


def stage_adoption(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    table = f"{SCHEMA}.rpt_product_usage_stage_adoption_monthly"
    metadata = {"latest_month": _month(conn)}
    metadata |= _entries(
        conn,
        (
            "crm_accounts",
            "crm_accounts_adopting_a_stage",
            "avg_stages_adopted_per_account",
            "stages_reported",
        ),
        f"""
        with accounts as (
            select dim_crm_account_id, max(account_adopted_stage_count) as adopted
            from {table}
            where snapshot_month = {_LATEST_MONTH} and is_account_mapped
            group by dim_crm_account_id
        )
        select
            (select count(*) from accounts),
            (select count_if(adopted > 0) from accounts),
            (select avg(adopted) from accounts),
            (select count(distinct product_stage) from {table} where snapshot_month = {_LATEST_MONTH})
        """,
        "iifi",
    )
    metadata["preview"] = _preview(
        conn,
        f"""
        select
            product_stage as stage,
            product_section as section,
            count_if(is_account_mapped and is_stage_adopted) as accounts_adopting,
            count_if(is_account_mapped) as accounts_reporting,
            sum(adopting_installation_count) as installations_adopting,
            sum(stage_user_count) as stage_users
        from {table}
        where snapshot_month = {_LATEST_MONTH}
        group by product_stage, product_section
        order by accounts_adopting desc, installations_adopting desc, stage
        limit {PREVIEW_ROWS}
        """,
        empty="No stage reported in the latest month.",
    )
    return metadata


def active_user_drops(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    table = f"{SCHEMA}.rpt_product_usage_active_user_drops"
    metadata = {"latest_month": _month(conn)}
    metadata |= _entries(
        conn,
        ("drops", "significant_drops", "users_lost_in_significant_drops", "significant_drops_all_months"),
        f"""
        select
            count_if(snapshot_month = {_LATEST_MONTH}),
            count_if(snapshot_month = {_LATEST_MONTH} and is_significant_drop),
            sum(case when snapshot_month = {_LATEST_MONTH} and is_significant_drop then active_user_drop end),
            count_if(is_significant_drop)
        from {table}
        """,
        "iiii",
    )
    metadata["preview"] = _preview(
        conn,
        f"""
        select
            hostname,
            dim_crm_account_id as crm_account,
            previous_month_active_user_count as previous_users,
            active_user_count as users,
            active_user_drop as users_lost,
            round(100 * active_user_drop_share, 1) as percent_lost
        from {table}
        where snapshot_month = {_LATEST_MONTH} and is_significant_drop
        order by active_user_drop desc, active_user_drop_share desc, hostname
        limit {PREVIEW_ROWS}
        """,
        empty="No significant drop in active users in the latest month.",
    )
    return metadata


def versions_behind(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    table = f"{SCHEMA}.rpt_product_usage_versions_behind"
    metadata = {"latest_month": _month(conn)}
    metadata |= _entries(
        conn,
        (
            "crm_accounts",
            "crm_accounts_far_behind",
            "installations_far_behind",
            "max_versions_behind",
            "avg_versions_behind",
        ),
        f"""
        select
            count_if(is_account_mapped),
            count_if(is_account_mapped and is_far_behind),
            sum(far_behind_installation_count),
            max(max_versions_behind),
            -- installation-weighted, over installations with a known version
            sum(avg_versions_behind * known_version_installation_count)
                / nullif(sum(known_version_installation_count), 0)
        from {table} where snapshot_month = {_LATEST_MONTH}
        """,
        "iiiif",
    )
    metadata["preview"] = _preview(
        conn,
        f"""
        select
            coalesce(dim_crm_account_id, '(no CRM account)') as crm_account,
            installation_count as installations,
            far_behind_installation_count as far_behind,
            max_versions_behind,
            oldest_major_minor_version as oldest_version,
            latest_major_minor_version as latest_release
        from {table}
        where snapshot_month = {_LATEST_MONTH} and is_far_behind
        order by max_versions_behind desc, far_behind_installation_count desc, crm_account
        limit {PREVIEW_ROWS}
        """,
        empty="No account is far behind in the latest month.",
    )
    return metadata


def installation_types(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    table = f"{SCHEMA}.rpt_product_usage_installation_types"
    metadata = {"latest_month": _month(conn)}
    metadata |= _entries(
        conn,
        ("installations", "self_managed_installations", "installation_types"),
        f"""
        select sum(installation_count), sum(self_managed_installation_count), count_if(installation_count > 0)
        from {table} where snapshot_month = {_LATEST_MONTH}
        """,
        "iii",
    )
    metadata["preview"] = _preview(
        conn,
        f"""
        select
            coalesce(installation_type, '(not sent)') as installation_type,
            installation_count as installations,
            round(100 * installation_share, 1) as percent,
            installation_count_change as change,
            crm_account_count as crm_accounts
        from {table}
        where snapshot_month = {_LATEST_MONTH}
        order by installation_count desc, installation_type
        limit {PREVIEW_ROWS}
        """,
        empty="No installation has pinged yet.",
    )
    return metadata


def runners(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    table = f"{SCHEMA}.rpt_product_usage_runners_monthly"
    metadata = {"latest_month": _month(conn)}
    metadata |= _entries(
        conn,
        ("installations_reporting_runners", "ci_runners", "active_runners", "ci_runner_change"),
        f"""
        select count_if(has_runner_metrics), sum(ci_runner_count), sum(active_runner_count),
            sum(ci_runner_count_change)
        from {table} where snapshot_month = {_LATEST_MONTH}
        """,
        "iiii",
    )
    metadata["preview"] = _preview(
        conn,
        f"""
        select
            snapshot_month as month,
            count_if(has_runner_metrics) as installations,
            sum(ci_runner_count) as runners,
            sum(instance_runner_active_count) as active_instance,
            sum(group_runner_active_count) as active_group,
            sum(project_runner_active_count) as active_project
        from {table}
        group by snapshot_month
        order by snapshot_month desc
        limit {PREVIEW_ROWS}
        """,
        empty="No installation has pinged yet.",
    )
    return metadata


def architecture(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    table = f"{SCHEMA}.rpt_product_usage_architecture_monthly"
    metadata = {"latest_month": _month(conn)}
    metadata |= _entries(
        conn,
        (
            "installations_compared",
            "scaling_up",
            "scaling_down",
            "mixed",
            "topology_nodes",
            "gitaly_servers",
            "geo_enabled_installations",
        ),
        f"""
        select
            count(architecture_change),
            count_if(architecture_change = 'scaling_up'),
            count_if(architecture_change = 'scaling_down'),
            count_if(architecture_change = 'mixed'),
            sum(topology_node_count),
            sum(gitaly_server_count),
            count_if(is_geo_enabled)
        from {table} where snapshot_month = {_LATEST_MONTH}
        """,
        "iiiiiii",
    )
    metadata["preview"] = _preview(
        conn,
        f"""
        select
            hostname,
            dim_crm_account_id as crm_account,
            architecture_change as change,
            topology_node_change as nodes,
            topology_cpu_change as cpus,
            gitaly_server_change as gitaly_servers,
            geo_secondary_site_change as geo_secondaries
        from {table}
        where snapshot_month = {_LATEST_MONTH}
            and architecture_change in ('scaling_up', 'scaling_down', 'mixed')
        order by architecture_change, abs(coalesce(topology_node_change, 0)) desc, hostname
        limit {PREVIEW_ROWS}
        """,
        empty="No installation scaled up or down in the latest month.",
    )
    return metadata


PROVIDERS: dict[str, MetadataProvider] = {
    "rpt_product_usage_installation_monthly": installation_monthly,
    "rpt_product_usage_stage_adoption_monthly": stage_adoption,
    "rpt_product_usage_active_user_drops": active_user_drops,
    "rpt_product_usage_versions_behind": versions_behind,
    "rpt_product_usage_installation_types": installation_types,
    "rpt_product_usage_runners_monthly": runners,
    "rpt_product_usage_architecture_monthly": architecture,
}
