"""The embedded DuckDB warehouse (the default target).

DuckDB is a single-writer file: every asset that writes it declares the `duckdb` pool, which
dagster.yaml limits to one slot, so concurrent runs queue instead of failing on the lock.
"""

from __future__ import annotations

from dagster_duckdb import DuckDBResource

from usage_platform.settings import Settings

DUCKDB_POOL = "duckdb"


def duckdb_resource(settings: Settings) -> DuckDBResource:
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(settings.duckdb_path))
