"""Small DuckDB helpers shared by the checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd


@contextmanager
def registered(conn: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> Iterator[str]:
    """`frame` as a view named `name` for the duration of the block.

    DuckDB refuses to register while an earlier result on the connection is unread (a
    `fetchone()` leaves one), so that result is run to its end first."""
    conn.complete()
    conn.register(name, frame)
    try:
        yield name
    finally:
        conn.complete()
        conn.unregister(name)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
