"""The parts of the model checks on hand-made data: a rule sees only rows with values, counts each
broken row once and names its values; a rule that cannot run says which; a warehouse check names a
missing table or column instead of failing its query; documented columns separate missing (ERROR)
from undocumented (WARN)."""

from __future__ import annotations

from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pytest
from pandera.typing import Series

from usage_platform.trusted_data.model_checks import DocumentedRelation, WarehouseCheck, compare_columns
from usage_platform.trusted_data.model_schemas import ModelRows, RuleError, column, model_columns, rule
from usage_platform.trusted_data.pandera_checks import PanderaCheck

KEY = dg.AssetKey(["common", "dim_term"])


class Terms(ModelRows):
    """Terms: the end is not before the start; a cancelled term has a cancellation date."""

    term_id: Series[Any] = column()
    term_start: Series[Any] = column()
    term_end: Series[Any] = column()
    status: Series[Any] = column()
    cancelled_on: Series[Any] = column()

    _rules = (
        rule(
            "term_order",
            "term_end >= term_start",
            ("term_start", "term_end"),
            lambda f: f.term_end >= f.term_start,
        ),
        rule(
            "cancellation",
            "cancelled_on exactly on Cancelled terms",
            ("status", "cancelled_on"),
            lambda f: (f.status == "Cancelled") == f.cancelled_on.notna(),
            warn=True,
            needs_values=False,
        ),
    )


def terms(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["term_id", "term_start", "term_end", "status", "cancelled_on"])
    for name in ("term_start", "term_end", "cancelled_on"):
        frame[name] = pd.to_datetime(frame[name])
    return frame


def metadata(result: dg.AssetCheckResult) -> dict:
    return {key: getattr(value, "value", value) for key, value in result.metadata.items()}


def test_rules_count_each_broken_row_once_and_show_its_values():
    check = PanderaCheck(KEY, Terms, row_key=("term_id",))
    frame = terms(
        [
            ("T1", "2026-01-01", "2027-01-01", "Active", None),
            ("T2", "2026-03-01", "2026-02-01", "Active", None),  # ends before it starts
            ("T3", None, "2026-02-01", "Cancelled", None),  # no start: the order rule does not apply
        ]
    )
    found = metadata(check.result(check.validate_frame(frame)))
    assert (found["num_failures"], found["num_errors"], found["num_warnings"]) == (2, 1, 1)
    lines = found["failure_cases"].splitlines()
    order = "| ERROR | term_order | term_end >= term_start | term_start=2026-03-01, term_end=2026-02-01 |"
    assert f"{order} term_id=T2 |" in lines
    cancellation = "| WARN | cancellation | cancelled_on exactly on Cancelled terms |"
    assert f"{cancellation} status=Cancelled, cancelled_on=null | term_id=T3 |" in lines


def test_rule_columns_are_not_model_columns_and_a_missing_column_is_reported():
    assert model_columns(Terms) == ["term_id", "term_start", "term_end", "status", "cancelled_on"]
    check = PanderaCheck(KEY, Terms, row_key=("term_id",))
    frame = terms([("T1", "2026-01-01", "2027-01-01", "Active", None)]).drop(columns=["term_end"])
    found = metadata(check.result(check.validate_frame(frame)))
    assert "| ERROR | term_end | column_in_dataframe | term_end |  |" in found["failure_cases"].splitlines()
    assert found["num_failures"] == 1


def test_a_rule_that_cannot_run_says_which_rule():
    class Broken(ModelRows):
        value: Series[Any] = column()
        _rules = (rule("shouting", "value is upper case", ("value",), lambda f: f.value.str.isupper()),)

    with pytest.raises(RuleError, match="shouting"):
        PanderaCheck(KEY, Broken).validate_frame(pd.DataFrame({"value": [1, 2]}))


def test_a_rule_name_may_not_hide_a_column():
    class Clash(ModelRows):
        status: Series[Any] = column()
        _rules = (rule("status", "status is set", ("status",), lambda f: f.status.notna()),)

    with pytest.raises(ValueError, match="status"):
        Clash.to_schema()


CHECK = WarehouseCheck(
    "common.fct_seats",
    "seats_not_negative",
    "Seats are never negative.",
    "select subscription, seats from {this} where seats < 0",
    ("subscription", "seats"),
)


def test_a_warehouse_check_counts_and_shows_the_failing_rows():
    conn = duckdb.connect()
    conn.execute("create schema common")
    conn.execute("create table common.fct_seats (subscription varchar, seats integer)")
    conn.execute("insert into common.fct_seats values ('A', 3), ('B', -1), ('C', -2)")
    result = CHECK.evaluate(conn)
    found = metadata(result)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert found["num_failures"] == 2
    assert sorted(found["failure_cases"].splitlines()[2:]) == ["| B | -1 |", "| C | -2 |"]
    conn.execute("delete from common.fct_seats where seats < 0")
    assert CHECK.evaluate(conn).passed


def test_a_warehouse_check_names_a_missing_table_or_column():
    conn = duckdb.connect()
    missing_table = metadata(CHECK.evaluate(conn))
    assert missing_table["problem"] == "common.fct_seats does not exist"
    conn.execute("create schema common")
    conn.execute("create table common.fct_seats (subscription varchar)")
    result = CHECK.evaluate(conn)
    assert not result.passed and metadata(result)["problem"] == "missing columns: ['seats']"


def test_documented_columns_missing_is_an_error_undocumented_a_warning():
    relation = DocumentedRelation(KEY, "common", "dim_term", ("term_id", "term_start"))
    assert compare_columns(relation, ["term_id", "term_start"]).passed
    undocumented = compare_columns(relation, ["term_id", "term_start", "note"])
    assert not undocumented.passed and undocumented.severity == dg.AssetCheckSeverity.WARN
    missing = compare_columns(relation, ["term_id", "note"])
    assert not missing.passed and missing.severity == dg.AssetCheckSeverity.ERROR
    assert "| missing | term_start |" in metadata(missing)["failure_cases"]
    gone = compare_columns(relation, None)
    assert not gone.passed and metadata(gone)["problem"] == "the relation does not exist"
