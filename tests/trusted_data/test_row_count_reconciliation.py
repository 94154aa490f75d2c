"""Landing -> raw reconciliation: a landing file holding more records than were loaded or
quarantined fails the check (and stops dbt); single quarantined records are accounted for;
a landing file the loader never took is named."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest

from tests.conftest import load_raw, settings_for
from tests.trusted_data.trusted_landing import csv_records, evaluations, generated_settings, meta
from usage_platform.definitions import MATERIALIZE_ALL_JOB, build_definitions
from usage_platform.sources.catalog import raw_tables
from usage_platform.sources.landing import find_landing_files
from usage_platform.trusted_data.raw_checks import check_reconciliation, ensure_check_log

TABLES = {t.table: t for t in raw_tables()}
SUBSCRIPTIONS = TABLES["zuora_subscription"]


def lose_rows(settings, count: int, *, logged: bool) -> None:
    """Rows gone between the landing file and raw: deleted behind the loader's back, or (logged)
    never appended by a loader that logged what it kept, as a reader dropping rows would."""
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        ids = [r[0] for r in conn.execute('select "Id" from raw.zuora_subscription order by 1').fetchall()]
        conn.execute('delete from raw.zuora_subscription where "Id" in (select unnest(?))', [ids[:count]])
        if logged:
            conn.execute(
                "update raw.load_log set rows_loaded = rows_loaded - ? where raw_table = ?",
                [count, SUBSCRIPTIONS.table],
            )


def reconcile(settings):
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        ensure_check_log(conn)
        return check_reconciliation(
            conn, SUBSCRIPTIONS, find_landing_files(settings, SUBSCRIPTIONS), run_id="r"
        )


@pytest.fixture
def loaded(tmp_path):
    settings, _ = generated_settings(tmp_path)
    load_raw(settings)  # the loader alone: nothing reconciled yet
    return settings


def test_a_landing_file_with_more_records_than_landed_fails(loaded):
    records = csv_records(loaded.landing_dir / "zuora/subscription.csv")
    lose_rows(loaded, 2, logged=True)
    result = reconcile(loaded)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    discrepancies = meta(result, "discrepancies")
    assert "zuora/subscription.csv" in discrepancies
    assert (
        f"{records} records in the landing file, {records - 2} rows in raw + 0 quarantined" in discrepancies
    )
    assert (meta(result, "records_in_landing_files"), meta(result, "rows_loaded")) == (records, records - 2)


def test_rows_deleted_behind_the_loaders_back_fail(loaded):
    records = csv_records(loaded.landing_dir / "zuora/subscription.csv")
    lose_rows(loaded, 1, logged=False)
    discrepancies = meta(reconcile(loaded), "discrepancies")
    assert f"the loader logged {records} rows, raw holds {records - 1}" in discrepancies
    assert f"the table holds {records - 1} rows but the load log accounts for {records}" in discrepancies


def test_a_failed_reconciliation_stops_dbt_in_the_same_run(loaded):
    lose_rows(loaded, 2, logged=True)
    defs = build_definitions(loaded)
    prep = dg.AssetKey(["prep", "prep_subscription"])
    result = defs.resolve_job_def(MATERIALIZE_ALL_JOB).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        asset_selection=[*defs.resolve_asset_graph().get(prep).parent_keys, prep],
        raise_on_error=False,
    )
    assert not result.success
    assert not evaluations(result)["raw/zuora_subscription:row_count_reconciliation"].passed
    assert prep not in {e.asset_key for e in result.get_asset_materialization_events()}


def test_a_reconciled_file_version_is_not_counted_again(loaded):
    assert reconcile(loaded).passed
    again = reconcile(loaded)
    assert again.passed and meta(again, "file_versions_reconciled") == 0


def test_records_quarantined_one_by_one_are_accounted_for(tmp_path):
    settings = settings_for(tmp_path / "data")
    folder = settings.landing_dir / "service_ping/2026-10-05"
    folder.mkdir(parents=True)
    payload = {"uuid": "0b1b4b57-7782-4f01-b375-c0864c539f27", "hostname": "a.example", "version": "18.1.0"}
    lines = [json.dumps(payload), "[1, 2]", json.dumps({**payload, "hostname": "b.example"}), '"text"']
    (folder / "usage_data_20261005.ndjson").write_text("\n".join(lines) + "\n")
    load_raw(settings)
    pings = TABLES["service_ping_payloads"]
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        ensure_check_log(conn)
        result = check_reconciliation(conn, pings, find_landing_files(settings, pings), run_id="r")
    assert result.passed
    assert (meta(result, "records_in_landing_files"), meta(result, "rows_loaded")) == (len(lines), 2)
    assert meta(result, "records_quarantined") == 2


def test_a_landing_file_the_loader_never_took_is_named(loaded):
    # A new export arrives after the load and is not loaded.
    (loaded.landing_dir / "zuora/subscription.csv").write_text("Id,Name\nX1,A-S1\n")
    result = reconcile(loaded)
    assert not result.passed
    never = "zuora/subscription.csv: in the landing zone, never loaded nor quarantined"
    assert never in meta(result, "discrepancies")
    # The version that was loaded can no longer be counted: reported, not failed.
    assert meta(result, "unverifiable_file_versions") == 1
