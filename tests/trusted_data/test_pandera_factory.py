"""The Pandera -> asset check factory: failure cases with the failing rows, severity per check,
every failure counted (also across chunks), and a standalone check that blocks what is downstream."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pandera.pandas as pa
from dagster_duckdb import DuckDBResource
from pandera.typing import Series

from usage_platform.trusted_data.pandera_checks import FAILURE_CASES_SHOWN, PanderaCheck, validate_relation
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


def test_a_standalone_check_blocks_the_assets_downstream(tmp_path):
    database = str(tmp_path / "warehouse.duckdb")

    @dg.asset(key=["common", "dim_plan"])
    def dim_plan(warehouse: DuckDBResource) -> None:
        with warehouse.get_connection() as conn:
            conn.execute("create schema if not exists common")
            conn.execute("create or replace table common.dim_plan (plan varchar)")
            conn.execute("insert into common.dim_plan values ('premium'), ('gold')")

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
