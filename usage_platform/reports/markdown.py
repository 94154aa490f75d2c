"""Small Markdown tables for asset previews (a few rows fetched from the warehouse)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any


def cell(value: Any) -> str:
    """One table cell: empty for null, ISO dates, floats to two decimals, pipes escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str = "No rows.") -> str:
    """A GitHub-flavoured Markdown table; `empty` when there are no rows."""
    if not rows:
        return empty
    lines = [
        "| " + " | ".join(cell(column) for column in columns) + " |",
        "|" + "|".join(" --- " for _ in columns) + "|",
    ]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)
