"""The embedded DuckDB warehouse (the default target).

DuckDB is a single-writer file: every asset that writes it declares the `duckdb` pool, which
dagster.yaml limits to one slot, so concurrent runs queue instead of failing on the lock.
Readers that run while no writer holds the file (metadata read once dbt has ended, analysts'
queries) open it read-only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
from dagster_duckdb import DuckDBResource

from usage_platform.settings import Settings

DUCKDB_POOL = "duckdb"


def duckdb_resource(settings: Settings) -> DuckDBResource:
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(settings.duckdb_path))


@contextlib.contextmanager
def read_only_connection(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse file opened read-only, closed on exit. Fails at once (DuckDB's lock error)
    while a writer, such as a running `dbt build`, holds the file."""
    if not settings.duckdb_path.is_file():
        raise FileNotFoundError(f"no DuckDB warehouse at {settings.duckdb_path}")
    conn = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        yield conn
    finally:
        conn.close()
