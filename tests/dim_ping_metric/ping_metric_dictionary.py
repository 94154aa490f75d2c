"""Test-side readers for the metrics dictionary tests: the seed as a file, dim_ping_metric as rows."""

from __future__ import annotations

import csv

import duckdb

from usage_platform.settings import DBT_PROJECT_DIR, Settings

SEED_FILE = DBT_PROJECT_DIR / "seeds" / "product_group_stages.csv"

AGGREGATED_PREFIXES = (
    "counts_weekly.aggregated_metrics.",
    "counts_monthly.aggregated_metrics.",
    "counts.aggregate_",
)
INDICATOR_FLAGS = {
    "is_smau": "smau",
    "is_gmau": "gmau",
    "is_paid_gmau": "paid_gmau",
    "is_umau": "umau",
    "is_health_score_metric": "customer_health_score",
}


def read_seed() -> dict[str, tuple[str | None, str | None]]:
    """product_group -> (stage, section) as the seed file holds them; empty fields are None."""
    with SEED_FILE.open(newline="", encoding="utf-8") as handle:
        return {
            row["product_group"]: (row["stage"] or None, row["section"] or None)
            for row in csv.DictReader(handle)
        }


def read_dim_ping_metric(settings: Settings) -> dict[str, dict]:
    """metrics_path -> the dim_ping_metric row as a dict (lists come back as lists)."""
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        cursor = conn.execute("select * from common.dim_ping_metric")
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    return {row["metrics_path"]: row for row in rows}


def as_list(value: object) -> list:
    """A YAML field that may be a list, a scalar or absent, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
