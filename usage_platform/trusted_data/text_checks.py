"""Pandera checks for values that arrive as text and are typed later.

Raw keeps CSV and Parquet fields as VARCHAR exactly as exported, and prep types them with
`try_cast`, which turns anything unparseable into a silent null. These checks say, in raw and
before dbt runs, whether each value will parse. They accept what the warehouse's casts accept
for the formats the sources use: ISO 8601 dates and timestamps (with or without `T`, fraction,
`Z` or offset), whole and decimal numbers, and DuckDB's boolean spellings. Nulls are not judged
here (Pandera drops them before a check; nullability is the field's own `nullable`).

Importing this module registers the checks, so models use them as field options:
`created_at: Series[str] = Field(nullable=True, timestamp_text=())` (the checks take no options).
"""

from __future__ import annotations

import warnings

import pandas as pd
import pandera.extensions as extensions

# DuckDB's accepted boolean spellings (case-insensitive): what try_cast(x as boolean) reads.
BOOLEAN_SPELLINGS = frozenset({"true", "false", "t", "f", "1", "0", "yes", "no", "y", "n"})
_DATE_START = r"^\d{4}-\d{2}-\d{2}(?:$|[ T])"
_INTEGER = r"^[+-]?\d+$"
_DECIMAL = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


def _parses_as_timestamp(text: pd.Series) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    return parsed.notna()


@extensions.register_check_method()
def timestamp_text(text: pd.Series) -> pd.Series:
    """An ISO 8601 date-time (or date) such as `2026-09-01 03:49:50` or `2026-09-01T03:49:50.123+02:00`."""
    return text.str.match(_DATE_START) & _parses_as_timestamp(text)


@extensions.register_check_method()
def date_text(text: pd.Series) -> pd.Series:
    """A calendar date `YYYY-MM-DD` (a time part after it is tolerated, as the warehouse's cast does)."""
    return text.str.match(_DATE_START) & _parses_as_timestamp(text)


@extensions.register_check_method()
def integer_text(text: pd.Series) -> pd.Series:
    """A whole number, optionally signed (Service Ping sentinels such as -1 are whole numbers)."""
    return text.str.match(_INTEGER)


@extensions.register_check_method()
def decimal_text(text: pd.Series) -> pd.Series:
    """A decimal number such as `24750.00`, `-3`, `.5` or `1e3`."""
    return text.str.match(_DECIMAL)


@extensions.register_check_method()
def boolean_text(text: pd.Series) -> pd.Series:
    """A boolean the warehouse reads: true/false, t/f, 1/0, yes/no, y/n in any case."""
    return text.str.lower().isin(BOOLEAN_SPELLINGS)
