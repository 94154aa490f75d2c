"""The text checks accept what the sources send and never accept what prep's try_cast would turn
into a silent null (the warehouse's own casts are the oracle)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from usage_platform.trusted_data import text_checks
from usage_platform.trusted_data.raw_schemas import GITLAB_VERSION, IPV4, IPV4_NETWORK, UUID

SAMPLES = [
    "2026-09-01",
    "2026-09-01 03:49:50",
    "2026-09-01T03:49:50",
    "2026-09-01T03:49:50.123+02:00",
    "2026-09-01T03:49:50.000Z",
    "2022-07-01T17:19:10.000+0000",
    "2026-02-30",
    "2026-13-01",
    "01/02/2026",
    "2026-9-1",
    "20260901",
    "yesterday",
    "",
    " ",
    "42",
    "-1",
    "+7",
    "4.5",
    "24750.00",
    ".5",
    "1e3",
    "1,000",
    "0x10",
    "true",
    "FALSE",
    "t",
    "F",
    "1",
    "0",
    "yes",
    "No",
    "y",
    "maybe",
    "truthy",
]
# check -> the cast prep applies to such a column
CASTS = {
    text_checks.timestamp_text: "timestamptz",
    text_checks.date_text: "date",
    text_checks.integer_text: "bigint",
    text_checks.decimal_text: "double",
    text_checks.boolean_text: "boolean",
}


@pytest.mark.parametrize("check", list(CASTS), ids=lambda check: check.__name__)
def test_accepted_text_always_casts(check):
    accepted = check(pd.Series(SAMPLES, dtype=object))
    with duckdb.connect() as conn:
        casts = conn.execute(
            f"select try_cast(value as {CASTS[check]}) is not null from unnest(?) as t(value)", [SAMPLES]
        ).fetchall()
    sneaking_through = [
        value for value, ok, (cast,) in zip(SAMPLES, accepted, casts, strict=True) if ok and not cast
    ]
    assert sneaking_through == []
    assert accepted.any()


def test_the_sources_formats_are_accepted():
    def ok(check, values):
        return bool(check(pd.Series(values, dtype=object)).all())

    assert ok(text_checks.timestamp_text, ["2026-09-01 03:49:50", "2026-10-03T21:39:47.913+00:00"])
    assert ok(text_checks.timestamp_text, ["2026-10-03T21:39:47.913-05:30", "2022-07-01T17:19:10.000Z"])
    assert ok(text_checks.date_text, ["2026-09-01", "2099-12-31"])
    assert ok(text_checks.integer_text, ["310001", "-1", "4000004276"])
    assert ok(text_checks.decimal_text, ["24750.00", "297000.00", "250"])
    assert ok(text_checks.boolean_text, ["true", "false", "0", "1"])
    assert not ok(text_checks.date_text, ["2026-02-30"])
    assert not ok(text_checks.timestamp_text, ["2026-09-01 25:00:00"])


@pytest.mark.parametrize(
    ("regex", "good", "bad"),
    [
        (
            UUID,
            ["601d0000-0000-4000-8000-000000099001", "0B1B4B57-7782-4F01-B375-C0864C539F27"],
            ["0000000-0000-0000-0000-000000000000", "601d0000-0000-4000-8000-00000009900"],
        ),
        (
            GITLAB_VERSION,
            ["17.3.2", "16.11.0-ee", "18.0.0-pre", "12.10.0-rc42-ee"],
            ["17.3", "v17.3.2", "latest"],
        ),
        (IPV4, ["64.240.21.143", "10.0.0.1"], ["256.1.1.1", "1.2.3", "::1"]),
        (IPV4_NETWORK, ["2.56.0.0/16", "5.8.0.0/21"], ["2.56.0.0", "2.56.0.0/33", "300.1.0.0/8"]),
    ],
)
def test_identifier_shapes(regex, good, bad):
    matches = pd.Series(good + bad, dtype=object).str.match(regex).tolist()
    assert matches == [True] * len(good) + [False] * len(bad)
