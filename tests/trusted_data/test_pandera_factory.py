"""The Pandera -> asset check factory: failure cases with the failing rows, severity per check,
every failure counted (also across chunks), a standalone check that blocks what is downstream, and
checks that validate only the rows they have not passed (`skip_passed_rows`)."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pandera.pandas as pa
import pytest
from dagster_duckdb import DuckDBResource
from pandera.typing import Series

from usage_platform.trusted_data.pandera_checks import (
    FAILURE_CASES_SHOWN,
    ROW_LOG,
    PanderaCheck,
    SchemaValidation,
    checks_not_row_wise,
    validate_relation,
    validate_unpassed_rows,
)
from usage_platform.trusted_data.raw_schemas import accepted


class Licenses(pa.DataFrameModel):
    """A small model: an id, a date that must parse, a plan that should be known."""

    id: Series[str] = pa.Field(nullable=False)
    starts_at: Series[str] = pa.Field(nullable=True, date_text=())
    plan: Series[str] = pa.Field(nullable=True)
    _plan = accepted("plan", ("premium", "ultimate"))

    class Config:
        name = "licenses"
        unique = ["id"]


KEY = dg.AssetKey(["common", "dim_license"])
CHECK = PanderaCheck(KEY, Licenses, row_key=("id",))


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "starts_at", "plan"], dtype=object)


def metadata(result: dg.AssetCheckResult) -> dict:
    return {key: getattr(value, "value", value) for key, value in result.metadata.items()}


def test_failure_cases_name_the_failing_rows_and_their_severity():
    result = CHECK.result(
        CHECK.validate_frame(
            frame(
                [
                    ("L1", "2026-01-01", "premium"),
                    ("L2", "2026-13-01", "ultimate"),  # ERROR: no 13th month
                    ("L3", "2026-02-01", "bronze"),  # WARN: unknown plan
                    (None, "2026-02-01", "premium"),  # ERROR: no id
                ]
            )
        )
    )
    found = metadata(result)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert (found["num_failures"], found["num_errors"], found["num_warnings"]) == (3, 2, 1)
    lines = found["failure_cases"].splitlines()
    assert "| ERROR | starts_at | date_text | 2026-13-01 | id=L2 |" in lines
    assert "| WARN | plan | accepted_values | bronze | id=L3 |" in lines
    assert "| ERROR | id | not_nullable | null | id=null |" in lines
    assert lines.index("| WARN | plan | accepted_values | bronze | id=L3 |") == len(lines) - 1  # errors first


def test_warnings_alone_do_not_make_an_error():
    result = CHECK.result(CHECK.validate_frame(frame([("L1", "2026-01-01", "bronze")])))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    passed = CHECK.result(CHECK.validate_frame(frame([("L1", "2026-01-01", "premium")])))
    assert passed.passed and metadata(passed)["severity"] == "none"


def test_every_failure_is_counted_and_the_first_ones_shown():
    rows = [(f"L{n}", "not a date", "premium") for n in range(FAILURE_CASES_SHOWN * 3)]
    found = metadata(CHECK.result(CHECK.validate_frame(frame(rows))))
    assert found["num_failures"] == FAILURE_CASES_SHOWN * 3
    assert found["failure_cases"].count("| date_text |") == FAILURE_CASES_SHOWN
    assert f"| ERROR | starts_at | date_text | {FAILURE_CASES_SHOWN * 3} |" in found["failures_by_check"]


def test_chunked_validation_finds_what_one_frame_finds():
    """Above chunk_rows, rows are validated chunk by chunk and uniqueness in SQL: same findings."""
    conn = duckdb.connect()
    conn.execute("create table licenses (id varchar, starts_at varchar, plan varchar)")
    ids = [f"L{n - 1 if n % 1000 == 999 else n}" for n in range(10_000)]  # 10 ids used twice
    dates = ["bad" if n % 7 == 0 else "2026-01-01" for n in range(10_000)]
    conn.execute("insert into licenses select * from (select unnest(?), unnest(?), 'premium')", [ids, dates])
    expected = {
        (dg.AssetCheckSeverity.ERROR, "id", "multiple_fields_uniqueness"): 20,
        (dg.AssetCheckSeverity.ERROR, "starts_at", "date_text"): dates.count("bad"),
    }
    whole = validate_relation(conn, Licenses, "select * from licenses", row_key=("id",))
    chunked = validate_relation(conn, Licenses, "select * from licenses", row_key=("id",), chunk_rows=2048)
    assert whole.rows_validated == chunked.rows_validated == 10_000
    assert dict(whole.counts) == dict(chunked.counts) == expected
    assert any(case.failure_case == "2 rows share id=L998" for case in chunked.cases)


class Plans(pa.DataFrameModel):
    """Plans must be known."""

    plan: Series[str] = pa.Field(isin=["premium", "ultimate"])


def dim_table(name: str, columns: str, values: str) -> dg.AssetsDefinition:
    """An asset that writes common.<name> (`columns`: its column list, `values`: its rows as SQL)."""

    @dg.asset(key=["common", name])
    def _dim(warehouse: DuckDBResource) -> None:
        with warehouse.get_connection() as conn:
            conn.execute("create schema if not exists common")
            conn.execute(f"create or replace table common.{name} ({columns})")
            conn.execute(f"insert into common.{name} values {values}")

    return _dim


def test_a_standalone_check_blocks_the_assets_downstream(tmp_path):
    database = str(tmp_path / "warehouse.duckdb")
    dim_plan = dim_table("dim_plan", "plan varchar", "('premium'), ('gold')")

    @dg.asset(key=["marts", "mart_plan"], deps=[dim_plan])
    def mart_plan() -> None:
        pass

    check = PanderaCheck(dim_plan.key, Plans).asset_check("common.dim_plan")
    result = dg.materialize(
        [dim_plan, mart_plan, check],
        resources={"warehouse": DuckDBResource(database=database)},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and "gold" in evaluation.metadata["failure_cases"].value
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {dim_plan.key}


# -- skip_passed_rows: a delivery validates the rows it changed ------------------------------------
class Seats(pa.DataFrameModel):
    """Row-wise checks only (a count never negative, a known plan: WARN), unique ids."""

    id: Series[str] = pa.Field(nullable=False)
    seats: Series[int] = pa.Field(nullable=True, ge=0)
    plan: Series[str] = pa.Field(nullable=True, isin=["premium", "ultimate"], raise_warning=True)

    class Config:
        name = "seats"
        unique = ["id"]


SEATS = "select id, seats, plan from seats"


def seats_table(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("create table seats (id varchar, seats bigint, plan varchar)")
    conn.executemany("insert into seats values (?, ?, ?)", rows)
    return conn


def evaluate(conn, relation: str = SEATS) -> tuple[SchemaValidation, int]:
    validation, scope = validate_unpassed_rows(conn, Seats, relation, check_id="seats/check", row_key=("id",))
    return validation, scope["rows_passed_before"].value


def test_rows_passed_before_are_not_read_again_and_a_changed_row_is():
    conn = seats_table([("S1", 5, "premium"), ("S2", 7, "ultimate"), ("S3", 0, "premium")])
    first, _ = evaluate(conn)
    assert first.passed and first.rows_validated == 3
    second, before = evaluate(conn)
    assert second.passed and (second.rows_validated, before) == (0, 3)

    conn.execute("update seats set seats = -1 where id = 'S2'")
    broken, before = evaluate(conn)
    assert not broken.passed and (broken.rows_validated, before) == (1, 2)
    assert [c.row for c in broken.cases] == ["id=S2"]
    again, _ = evaluate(conn)  # a failure is never logged: it is found until the row changes
    assert not again.passed and again.rows_validated == 1 and [c.row for c in again.cases] == ["id=S2"]

    conn.execute("update seats set seats = 9 where id = 'S2'")
    fixed, before = evaluate(conn)
    assert fixed.passed and (fixed.rows_validated, before) == (1, 2)
    # The log holds the rows of the table as it is: S2's broken version never entered it.
    assert conn.execute(f"select count(*) from {ROW_LOG}").fetchone()[0] == 3


def test_uniqueness_is_judged_on_every_row_and_warnings_are_found_again():
    conn = seats_table([("S1", 5, "premium"), ("S2", 7, "ultimate")])
    evaluate(conn)
    conn.execute("insert into seats values ('S1', 6, 'premium')")  # valid alone, a duplicate id
    duplicate, _ = evaluate(conn)
    assert not duplicate.passed and duplicate.rows_validated == 1
    assert dict(duplicate.counts) == {(dg.AssetCheckSeverity.ERROR, "id", "multiple_fields_uniqueness"): 2}

    conn.execute("delete from seats where seats = 6")
    conn.execute("insert into seats values ('S3', 1, 'gold')")
    warned, _ = evaluate(conn)
    rewarned, before = evaluate(conn)  # a warning keeps the rows out of the log
    assert warned.severity == rewarned.severity == dg.AssetCheckSeverity.WARN
    assert rewarned.num_warnings == 1 and (rewarned.rows_validated, before) == (1, 2)


def test_a_changed_query_reads_every_row_and_a_missing_column_fails_with_no_row_to_read():
    conn = seats_table([("S1", 5, "premium"), ("S2", 7, "ultimate")])
    evaluate(conn)
    assert evaluate(conn, "select id, seats, plan from seats where true")[0].rows_validated == 2
    conn.execute("delete from seats")
    missing, _ = evaluate(conn, "select id, seats from seats")
    assert not missing.passed and missing.rows_validated == 0
    assert [(c.column, c.check) for c in missing.cases] == [("plan", "column_in_dataframe")]


def test_skip_passed_rows_is_refused_for_checks_not_known_to_judge_a_row_alone():
    with pytest.raises(ValueError, match="date_text"):
        PanderaCheck(KEY, Licenses, skip_passed_rows=True)
    assert checks_not_row_wise(Seats.to_schema()) == []
    PanderaCheck(
        KEY, Licenses, skip_passed_rows=True, row_wise_checks=frozenset({"date_text", "accepted_values"})
    )


def test_the_standalone_check_says_what_it_read(tmp_path):
    database = str(tmp_path / "warehouse.duckdb")
    dim_seats = dim_table(
        "dim_seats", "id varchar, seats bigint, plan varchar", "('S1', 5, 'premium'), ('S2', 3, 'ultimate')"
    )
    check = PanderaCheck(dim_seats.key, Seats, row_key=("id",), skip_passed_rows=True)
    resources = {"warehouse": DuckDBResource(database=database)}
    runs = [
        dg.materialize([dim_seats, check.asset_check("common.dim_seats")], resources=resources)
        for _ in range(2)
    ]
    found = [metadata(run.get_asset_check_evaluations()[0]) for run in runs]
    assert [(f["rows_validated"], f["rows_passed_before"]) for f in found] == [(2, 0), (0, 2)]
    assert ROW_LOG in found[1]["scope"]
