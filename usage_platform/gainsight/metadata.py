"""The match rate of the Gainsight pump, as numeric metadata on every build of the pump.

Match rate = the share of the month's last Service Pings of customer self-managed installations
on a paid tier (not trials, not GitLab's own installations) that reach a paid subscription in the
pump: before Gainsight = through their license alone; after Gainsight = through their license or
through Gainsight's instance record (`is_mapped_through_gainsight`). The headline numbers are
those of the latest month with pings; a table gives every month. Dagster plots numeric metadata
across materializations, so the UI shows the rate over time.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
import duckdb

from usage_platform.dbt.model_metadata import MetadataProvider

PUMP_TABLE = "pumps.pump_gainsight_metrics_monthly_paid"
PING_TABLE = "common.dim_ping_instance"
PAID_TIERS = ("Starter", "Premium", "Ultimate")

MATCH_RATE_SQL = f"""
with eligible_pings as (
    select dim_ping_instance_id, snapshot_month
    from {PING_TABLE}
    where is_last_ping_of_month
        and delivery_type = 'Self-Managed'
        and not is_internal
        and not is_trial
        and product_tier in ({", ".join(f"'{tier}'" for tier in PAID_TIERS)})
),

pumped_pings as (
    select dim_ping_instance_id, bool_or(not is_mapped_through_gainsight) as is_mapped_by_license
    from {PUMP_TABLE}
    where dim_ping_instance_id is not null
    group by dim_ping_instance_id
)

select
    eligible_pings.snapshot_month,
    count(*) as pings,
    count(case when pumped_pings.is_mapped_by_license then 1 end) as mapped_by_license,
    count(pumped_pings.dim_ping_instance_id) as mapped_after_gainsight
from eligible_pings
left join pumped_pings on eligible_pings.dim_ping_instance_id = pumped_pings.dim_ping_instance_id
group by eligible_pings.snapshot_month
order by eligible_pings.snapshot_month
"""


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4)


def match_rate_metadata(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    months = conn.execute(MATCH_RATE_SQL).fetchall()
    if not months:
        return {"match_rate_pings": dg.MetadataValue.int(0)}
    month, pings, by_license, after = months[-1]
    lines = [
        "| month | pings | by license | after Gainsight | rate before | rate after |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {m:%Y-%m} | {n} | {b} | {a} | {_rate(b, n):.2%} | {_rate(a, n):.2%} |" for m, n, b, a in months
    ]
    return {
        "match_rate_month": dg.MetadataValue.text(f"{month:%Y-%m}"),
        "match_rate_before_gainsight": dg.MetadataValue.float(_rate(by_license, pings)),
        "match_rate_after_gainsight": dg.MetadataValue.float(_rate(after, pings)),
        "match_rate_pings": dg.MetadataValue.int(pings),
        "match_rate_mapped_by_license": dg.MetadataValue.int(by_license),
        "match_rate_mapped_through_gainsight": dg.MetadataValue.int(after - by_license),
        "match_rate_by_month": dg.MetadataValue.md("\n".join(lines)),
    }


PROVIDERS: dict[str, MetadataProvider] = {"pump_gainsight_metrics_monthly_paid": match_rate_metadata}
