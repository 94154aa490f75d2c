"""The parts of the model checks on hand-made data: a rule sees only rows with values, counts each
broken row once and names its values; a rule that cannot run says which; a warehouse check names a
missing table or column instead of failing its query; a scoped warehouse check reads only the rows
of invocations it has not passed, and keeps reading a failing one; the warehouse checks run as one
step that evaluates the selected checks on one connection; documented columns separate missing
(ERROR) from undocumented (WARN)."""

from __future__ import annotations

import contextlib
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pytest
from pandera.typing import Series

from usage_platform.trusted_data.model_checks import (
    CHECK_LOG,
    DocumentedRelation,
    WarehouseCheck,
    compare_columns,
    warehouse_checks_step,
)
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


SCOPED = WarehouseCheck(
    "common.fct_seats",
    "seats_not_negative",
    "Seats are never negative.",
    "select subscription, seats from {this} where seats < 0",
    ("subscription", "seats"),
    written_by="_dbt_invocation_id",
)


def seats_table(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("create schema common")
    conn.execute(
        "create table common.fct_seats (subscription varchar, seats integer, _dbt_invocation_id varchar)"
    )
    conn.executemany("insert into common.fct_seats values (?, ?, ?)", rows)
    return conn


def scoped(conn, check: WarehouseCheck = SCOPED) -> tuple[bool, dict]:
    result = check.evaluate(conn)
    return result.passed, metadata(result)


def test_a_scoped_check_reads_the_rows_of_invocations_it_has_not_passed():
    conn = seats_table([("A", 3, "run-1"), ("B", 5, "run-1"), ("C", 1, "run-2")])
    passed, found = scoped(conn)
    assert passed and (found["rows_checked"], found["invocations_checked"]) == (3, 2)
    assert conn.execute(f"select invocation_id, rows_checked from {CHECK_LOG} order by 1").fetchall() == [
        ("run-1", 2),
        ("run-2", 1),
    ]
    passed, found = scoped(conn)  # nothing new: nothing read
    assert passed and (found["rows_checked"], found["invocations_passed_before"]) == (0, 2)

    # A delivery with a broken row: only its rows are read, and it fails on them.
    conn.executemany("insert into common.fct_seats values (?, ?, ?)", [("D", -4, "run-3"), ("E", 2, "run-3")])
    passed, found = scoped(conn)
    assert not passed and found["num_failures"] == 1 and found["rows_checked"] == 2
    assert "| D | -4 |" in found["failure_cases"]
    # The failure does not disappear: read again, and again with a later delivery beside it.
    assert scoped(conn)[0] is False
    conn.execute("insert into common.fct_seats values ('F', 7, 'run-4')")
    passed, found = scoped(conn)
    assert not passed and (found["rows_checked"], found["invocations_checked"]) == (3, 2)
    assert found["num_failures"] == 1

    # The failing invocation's rows rewritten by a later one (delete+insert): it passes, and the
    # older rows were not read again.
    conn.execute("delete from common.fct_seats where _dbt_invocation_id = 'run-3'")
    conn.executemany("insert into common.fct_seats values (?, ?, ?)", [("D", 4, "run-5"), ("E", 2, "run-5")])
    passed, found = scoped(conn)
    assert passed and (found["rows_checked"], found["invocations_checked"]) == (3, 2)
    assert scoped(conn)[1]["rows_checked"] == 0


def test_a_changed_rule_or_view_reads_every_row_again():
    conn = seats_table([("A", 3, "run-1"), ("B", 0, "run-2")])
    assert scoped(conn)[0]
    stricter = WarehouseCheck(
        SCOPED.table,
        SCOPED.name,
        SCOPED.description,
        "select subscription, seats from {this} where seats <= 0",
        SCOPED.columns,
        written_by=SCOPED.written_by,
    )
    passed, found = scoped(conn, stricter)
    assert not passed and found["rows_checked"] == 2 and "| B | 0 |" in found["failure_cases"]

    # Over a view, the view's definition is part of the rule: a new definition reads every row.
    conn.execute("alter table common.fct_seats rename to seats_table")
    conn.execute("create view common.fct_seats as select * from common.seats_table")
    assert scoped(conn)[1]["rows_checked"] == 2
    assert scoped(conn)[1]["rows_checked"] == 0
    conn.execute(
        "create or replace view common.fct_seats as select subscription, seats - 1 as seats, "
        "_dbt_invocation_id from common.seats_table"
    )
    passed, found = scoped(conn)
    assert not passed and found["rows_checked"] == 2 and found["num_failures"] == 1


def test_rows_without_an_invocation_stamp_are_read_at_every_evaluation():
    conn = seats_table([("A", 3, "run-1"), ("B", -1, None)])
    for _ in range(2):
        passed, found = scoped(conn)
        assert not passed and found["num_failures"] == 1 and found["rows_checked"] == 2
        assert "| B | -1 |" in found["failure_cases"]
    conn.execute("update common.fct_seats set seats = 1 where subscription = 'B'")
    passed, found = scoped(conn)  # the failures kept run-1 from being logged: both rows
    assert passed and found["rows_checked"] == 2
    for _ in range(2):  # then run-1 is passed, and the unstamped row is read again
        passed, found = scoped(conn)
        assert passed and found["rows_checked"] == 1
    assert conn.execute(f"select count(*) from {CHECK_LOG} where invocation_id is null").fetchone() == (0,)


def test_a_scoped_check_without_its_invocation_column_fails_by_name():
    conn = duckdb.connect()
    conn.execute("create schema common")
    conn.execute("create table common.fct_seats (subscription varchar, seats integer)")
    result = SCOPED.evaluate(conn)
    assert not result.passed and metadata(result)["problem"] == "missing columns: ['_dbt_invocation_id']"


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


class CountedConnections(dg.ConfigurableResource):
    """A DuckDB file, opened the way the warehouse resource opens it; counts the connections."""

    database: str

    def get_connection(self):
        @contextlib.contextmanager
        def opened():
            CountedConnections.opened += 1
            conn = duckdb.connect(self.database)
            try:
                yield conn
            finally:
                conn.close()

        return opened()


CountedConnections.opened = 0
KEY_SEATS = dg.AssetKey(["common", "fct_seats"])
SEATS_DOUBLED = WarehouseCheck(
    "common.fct_seats",
    "seats_even",
    "Seats come in pairs.",
    "select subscription, seats from {this} where seats % 2 <> 0",
    ("subscription", "seats"),
)


def test_the_warehouse_checks_run_as_one_step_on_one_connection(tmp_path):
    database = str(tmp_path / "warehouse.duckdb")
    with duckdb.connect(database) as conn:
        conn.execute("create schema common")
        conn.execute("create table common.fct_seats (subscription varchar, seats integer)")
        conn.execute("insert into common.fct_seats values ('A', 4), ('B', -1)")
    step = warehouse_checks_step([CHECK, SEATS_DOUBLED])
    seats = dg.AssetSpec(KEY_SEATS)

    def run(selection: list[WarehouseCheck]) -> dict[str, bool]:
        CountedConnections.opened = 0
        job = dg.define_asset_job(
            "checks",
            selection=dg.AssetSelection.checks(*[dg.AssetCheckKey(KEY_SEATS, c.name) for c in selection]),
        )
        defs = dg.Definitions(
            assets=[seats],
            asset_checks=[step],
            jobs=[job],
            resources={"warehouse": CountedConnections(database=database)},
        )
        result = defs.resolve_job_def("checks").execute_in_process(raise_on_error=True)
        evaluations = result.get_asset_check_evaluations()
        return {e.check_name: e.passed for e in evaluations}

    assert run([CHECK, SEATS_DOUBLED]) == {"seats_not_negative": False, "seats_even": False}
    assert CountedConnections.opened == 1
    # A subset runs only the checks selected.
    assert run([SEATS_DOUBLED]) == {"seats_even": False}
    assert CountedConnections.opened == 1
