"""attach_warehouse_metadata on its own: dbt events held until dbt has ended, column schema and
lineage read from a small DuckDB file, providers called on built models only, failures loud;
lineage served from its cache while the model's inputs are unchanged."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from usage_platform.dbt import model_metadata
from usage_platform.dbt.model_metadata import (
    WarehouseMetadataError,
    attach_warehouse_metadata,
    unknown_models,
)

MODEL = "model.shop.orders"
SOURCE = "source.shop.raw.order_lines"


def asset_key_for(props) -> dg.AssetKey:
    return dg.AssetKey([props["schema"], props.get("identifier") or props["alias"]])


@pytest.fixture
def warehouse(tmp_path: Path) -> dict:
    """A DuckDB file `wh` with raw.order_lines and the model prep.orders built from it, the model's
    compiled SQL under a dbt target folder, and the manifest entries that describe both."""
    path = tmp_path / "wh.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema raw; create schema prep")
        conn.execute("create table raw.order_lines (order_id integer, amount varchar, note varchar)")
        conn.execute("insert into raw.order_lines values (1, '2.5', 'a'), (1, '1.5', 'b'), (2, '4', null)")
        sql = (
            "select order_id, sum(try_cast(amount as double)) as total "
            'from "wh"."raw"."order_lines" group by 1'
        )
        conn.execute(f"create table prep.orders as {sql}")
    target = tmp_path / "target"
    compiled = target / "compiled" / "shop" / "models" / "orders.sql"
    compiled.parent.mkdir(parents=True)
    compiled.write_text(sql)
    manifest = {
        "metadata": {"adapter_type": "duckdb"},
        "nodes": {
            MODEL: {
                "unique_id": MODEL,
                "name": "orders",
                "resource_type": "model",
                "package_name": "shop",
                "original_file_path": "models/orders.sql",
                "schema": "prep",
                "alias": "orders",
                "relation_name": '"wh"."prep"."orders"',
                "depends_on": {"nodes": [SOURCE]},
                "columns": {"total": {"description": "Sum of the order's amounts.", "tags": ["money"]}},
            }
        },
        "sources": {
            SOURCE: {
                "unique_id": SOURCE,
                "name": "order_lines",
                "identifier": "order_lines",
                "resource_type": "source",
                "schema": "raw",
                "relation_name": '"wh"."raw"."order_lines"',
            }
        },
    }
    return {"path": path, "target": target, "manifest": manifest}


def built(output_name: str = "orders") -> dg.Output:
    return dg.Output(None, output_name=output_name, metadata={"unique_id": MODEL})


def check() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(asset_key=dg.AssetKey(["prep", "orders"]), check_name="unique", passed=True)


def run(warehouse, events, providers=None, connect=None, lineage_cache=None):
    def read_only():
        return duckdb.connect(str(warehouse["path"]), read_only=True)

    return attach_warehouse_metadata(
        events,
        manifest=warehouse["manifest"],
        target_path=warehouse["target"],
        asset_key_for=asset_key_for,
        connect=connect or read_only,
        providers=providers or {},
        lineage_cache=lineage_cache,
    )


def test_events_wait_for_dbt_to_end_keep_their_order_and_get_columns_and_lineage(warehouse):
    dbt_running = {"yes": True}

    def dbt_events():
        yield dg.AssetObservation(asset_key=dg.AssetKey(["raw", "order_lines"]))
        yield built()
        yield check()
        dbt_running["yes"] = False

    @contextlib.contextmanager
    def connect():
        assert not dbt_running["yes"], "the warehouse was opened while dbt still held it"
        with duckdb.connect(str(warehouse["path"]), read_only=True) as conn:
            yield conn

    out = list(run(warehouse, dbt_events(), connect=connect))
    assert [type(event) for event in out] == [dg.AssetObservation, dg.Output, dg.AssetCheckResult]
    metadata = out[1].metadata
    columns = metadata["dagster/column_schema"].value.columns
    schema = {c.name: (c.type, c.description, dict(c.tags)) for c in columns}
    assert schema == {
        "order_id": ("INTEGER", None, {}),
        "total": ("DOUBLE", "Sum of the order's amounts.", {"money": ""}),
    }
    lineage = metadata["dagster/column_lineage"].value.deps_by_column
    raw = dg.AssetKey(["raw", "order_lines"])
    assert lineage == {
        "order_id": [dg.TableColumnDep(asset_key=raw, column_name="order_id")],
        "total": [dg.TableColumnDep(asset_key=raw, column_name="amount")],
    }
    table = metadata["column lineage"].value.splitlines()
    assert "| `total` | `raw/order_lines`.`amount` |" in table


def test_providers_get_a_read_only_connection_and_only_for_built_models(warehouse):
    calls = []

    def totals(conn):
        calls.append("orders")
        with pytest.raises(duckdb.Error):
            conn.execute("create table prep.scratch (x integer)")
        return {"order_count": conn.execute("select count(*) from prep.orders").fetchone()[0]}

    def never(conn):
        calls.append("order_lines")
        return {}

    out = list(run(warehouse, iter([built(), check()]), providers={"orders": totals, "order_lines": never}))
    assert calls == ["orders"]
    assert out[0].metadata["order_count"].value == 2


def test_a_failing_dbt_still_gives_its_built_models_their_metadata_then_fails(warehouse):
    def dbt_events():
        yield built()
        raise RuntimeError("dbt build failed: 1 of 2 models errored")

    out = []
    with pytest.raises(RuntimeError, match="1 of 2 models errored"):
        for event in run(warehouse, dbt_events()):
            out.append(event)
    assert len(out) == 1 and "dagster/column_schema" in out[0].metadata


def test_a_raising_provider_fails_loudly_naming_its_model(warehouse):
    def broken(conn):
        raise ValueError("division by zero in the headline")

    out = []
    with pytest.raises(WarehouseMetadataError, match=r"dbt model orders: ValueError: division by zero"):
        for event in run(warehouse, iter([built(), check()]), providers={"orders": broken}):
            out.append(event)
    # dbt did build the model: its materialization is recorded, without the provider's metadata.
    assert [type(event) for event in out] == [dg.Output, dg.AssetCheckResult]
    assert "dagster/column_schema" in out[0].metadata


def test_a_warehouse_that_cannot_be_opened_fails_after_the_events_are_out(warehouse):
    def locked():
        raise duckdb.IOException("Could not set lock on file")

    out = []
    with pytest.raises(WarehouseMetadataError, match="could not be read: IOException"):
        for event in run(warehouse, iter([built()]), connect=locked):
            out.append(event)
    assert len(out) == 1 and "dagster/column_schema" not in out[0].metadata


def test_providers_must_name_models_of_the_manifest(warehouse):
    providers = {"orders": lambda conn: {}, "ordres": lambda conn: {}}
    assert unknown_models(providers, warehouse["manifest"]) == ["ordres"]


def test_a_column_schema_fetched_by_dagster_dbt_gets_the_yml_descriptions(warehouse):
    # The path of targets other than DuckDB: dagster-dbt's fetch_column_metadata gives the types.
    from usage_platform.dbt.assets import with_documented_columns

    fetched = dg.TableSchema([dg.TableColumn("order_id", "integer"), dg.TableColumn("total", "double")])
    metadata = {"unique_id": MODEL, "dagster/column_schema": fetched}
    event = dg.Output(None, output_name="orders", metadata=metadata)
    (out,) = with_documented_columns([event], warehouse["manifest"])
    columns = out.metadata["dagster/column_schema"].value.columns
    assert [(c.name, c.type, c.description) for c in columns] == [
        ("order_id", "integer", None),
        ("total", "double", "Sum of the order's amounts."),
    ]


# -- the column lineage cache -------------------------------------------------------------------
@pytest.fixture
def traced(monkeypatch) -> list[str]:
    """Counts sqlglot lineage traces (one per model traced)."""
    calls: list[str] = []
    real = model_metadata.lineage

    def counting(column, sql, *args, **kwargs):
        calls.append(sql)
        return real(column, sql, *args, **kwargs)

    monkeypatch.setattr(model_metadata, "lineage", counting)
    return calls


def lineage_of(warehouse, cache=None):
    (out,) = run(warehouse, iter([built()]), lineage_cache=cache)
    return out.metadata["dagster/column_lineage"].value.deps_by_column


def test_unchanged_model_gets_its_lineage_from_the_cache(warehouse, tmp_path, traced):
    cache = tmp_path / "cache" / "column_lineage_cache.json"
    first = lineage_of(warehouse, cache)
    assert len(traced) == 1 and cache.is_file()
    assert lineage_of(warehouse, cache) == first
    assert len(traced) == 1, "served from the cache, without sqlglot"
    # The cached lineage is what a fresh trace gives.
    assert lineage_of(warehouse) == first
    assert len(traced) == 2
    raw = dg.AssetKey(["raw", "order_lines"])
    assert first["total"] == [dg.TableColumnDep(asset_key=raw, column_name="amount")]
    stored = json.loads(cache.read_text())["models"][MODEL]["lineage"]
    assert stored["total"] == [[["raw", "order_lines"], "amount"]]


def test_a_changed_sql_or_parent_column_is_traced_again(warehouse, tmp_path, traced):
    cache = tmp_path / "column_lineage_cache.json"
    lineage_of(warehouse, cache)
    compiled = warehouse["target"] / "compiled" / "shop" / "models" / "orders.sql"
    compiled.write_text(compiled.read_text().replace("try_cast(amount", "try_cast(note"))
    changed = lineage_of(warehouse, cache)
    assert len(traced) == 2
    raw = dg.AssetKey(["raw", "order_lines"])
    assert changed["total"] == [dg.TableColumnDep(asset_key=raw, column_name="note")]

    # A parent's column changes type: traced again (same SQL), then cached again.
    with duckdb.connect(str(warehouse["path"])) as conn:
        conn.execute("alter table raw.order_lines alter note type text")  # same type: no change
    lineage_of(warehouse, cache)
    assert len(traced) == 2
    with duckdb.connect(str(warehouse["path"])) as conn:
        conn.execute("alter table raw.order_lines add column region varchar")
    assert lineage_of(warehouse, cache) == changed
    assert len(traced) == 3
    lineage_of(warehouse, cache)
    assert len(traced) == 3


def test_values_compiled_into_the_sql_do_not_defeat_the_cache(warehouse, tmp_path, traced):
    # dbt compiles values that change from run to run into some models: the invocation id, an
    # incremental watermark, the flatten's list of known key paths. Lineage never depends on them.
    cache = tmp_path / "column_lineage_cache.json"
    compiled = warehouse["target"] / "compiled" / "shop" / "models" / "orders.sql"
    base = compiled.read_text()
    for invocation, watermark, paths in (
        ("0b7f6c9e-3c1a-4f7e-9d2b-1a2b3c4d5e6f", "2026-10-31 10:00:00", "'$.a', '$.b'"),
        ("9f8e7d6c-5b4a-4392-8172-6a5b4c3d2e1f", "2026-11-07 09:30:12.5", "'$.a', '$.b', '$.c'"),
    ):
        compiled.write_text(
            base.replace("select order_id,", f"select '{invocation}' as run, [{paths}] as paths, order_id,")
            + f" having max(order_id) > 7 or timestamp '{watermark}' is not null"
        )
        lineage_of(warehouse, cache)
    assert len(traced) == 1
    # A change hidden behind a comment's apostrophe is still a change.
    commented = compiled.read_text().replace("select '", "-- it's\nselect '")
    compiled.write_text(commented.replace("(amount", "(note"))
    assert lineage_of(warehouse, cache)["total"] == [
        dg.TableColumnDep(asset_key=dg.AssetKey(["raw", "order_lines"]), column_name="note")
    ]
    assert len(traced) == 2


def test_a_corrupt_cache_is_ignored_and_rewritten(warehouse, tmp_path, traced, caplog):
    cache = tmp_path / "column_lineage_cache.json"
    expected = lineage_of(warehouse)
    for corrupt in ('{"version": "1", "models": {"model.shop.orders": {"key": ', '["not", "a", "cache"]'):
        cache.write_text(corrupt)
        before = len(traced)
        assert lineage_of(warehouse, cache) == expected
        assert len(traced) == before + 1
        assert MODEL in json.loads(cache.read_text())["models"]  # rewritten whole
    assert "column lineage cache" in caplog.text and "ignored" in caplog.text
    # An entry of the wrong shape under the right key is ignored too, never fatal.
    content = json.loads(cache.read_text())
    content["models"][MODEL]["lineage"] = {"total": [["raw"]]}
    cache.write_text(json.dumps(content))
    assert lineage_of(warehouse, cache) == expected
