"""On the default synthetic landing zone every raw check passes (its messiness is real-world, not
an error), and what the checks report matches the landing files counted with Python alone."""

from __future__ import annotations

import pytest

from tests.trusted_data.trusted_landing import (
    csv_records,
    evaluations,
    generated_settings,
    json_records,
    materialize_raw,
    meta,
    query,
)
from usage_platform.sources.assets import build_raw_assets
from usage_platform.sources.catalog import raw_tables
from usage_platform.trusted_data.raw_checks import RAW_CHECK_NAMES

TABLES = {t.table: t for t in raw_tables()}
CSV_TABLES = [t for t in TABLES.values() if t.format == "csv"]


def loaded_ping_files(settings, summary):
    """The Service Ping files the loader accepts: all but the generator's malformed ones."""
    files = (settings.landing_dir / "service_ping").rglob("*.*json*")
    return [p for p in files if p not in summary.malformed_files]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    settings, summary = generated_settings(tmp_path_factory.mktemp("synthetic"))
    first = materialize_raw(settings)
    second = materialize_raw(settings)  # nothing new in the landing zone
    return settings, summary, first, second


def test_every_raw_asset_declares_the_three_checks(tmp_path):
    from tests.conftest import settings_for

    checks = {
        key.to_user_string()
        for assets in build_raw_assets(settings_for(tmp_path / "data"))
        for key in assets.check_keys
    }
    assert checks == {f"raw/{table}:{name}" for table in TABLES for name in RAW_CHECK_NAMES}
    blocking = {
        spec.key.to_user_string()
        for assets in build_raw_assets(settings_for(tmp_path / "data"))
        for spec in assets.check_specs
        if spec.blocking
    }
    assert blocking == {
        f"raw/{table}:{name}" for table in TABLES for name in ("pandera_schema", "row_count_reconciliation")
    }


def test_every_raw_check_passes_on_the_synthetic_landing_zone(loaded):
    _, _, first, _ = loaded
    assert first.success
    found = evaluations(first)
    assert set(found) == {f"raw/{table}:{name}" for table in TABLES for name in RAW_CHECK_NAMES}
    assert {key: meta(e, "severity") for key, e in found.items() if not e.passed} == {}


def test_every_loaded_row_was_validated(loaded):
    settings, summary, first, _ = loaded
    found = evaluations(first)
    for table in CSV_TABLES:
        path = settings.landing_dir / table.landing_root / table.globs[0]
        assert meta(found[f"raw/{table.table}:pandera_schema"], "rows_validated") == csv_records(path), table
    pings = [
        p
        for p in (settings.landing_dir / "service_ping").rglob("*.*json*")
        if p not in summary.malformed_files
    ]
    ping_check = found["raw/service_ping_payloads:pandera_schema"]
    assert meta(ping_check, "rows_validated") == sum(json_records(p) for p in pings)
    assert meta(ping_check, "file_versions_validated") == len(pings)


def test_reconciliation_counts_the_landing_records(loaded):
    settings, summary, first, _ = loaded
    found = evaluations(first)
    for table in CSV_TABLES:
        check = found[f"raw/{table.table}:row_count_reconciliation"]
        expected = csv_records(settings.landing_dir / table.landing_root / table.globs[0])
        assert (meta(check, "records_in_landing_files"), meta(check, "rows_loaded")) == (expected, expected)
    ping = found["raw/service_ping_payloads:row_count_reconciliation"]
    pings = [
        p
        for p in (settings.landing_dir / "service_ping").rglob("*.*json*")
        if p not in summary.malformed_files
    ]
    assert meta(ping, "records_in_landing_files") == sum(json_records(p) for p in pings)
    assert meta(ping, "rows_loaded") == meta(ping, "table_rows") == meta(ping, "rows_in_load_log")
    # The cut-off file is quarantined whole and reported with the lines it holds.
    (malformed,) = summary.malformed_files
    assert meta(ping, "files_quarantined_whole") == 1
    listed = meta(ping, "quarantined_files")
    lines = len(malformed.read_text().splitlines())
    assert f"| {malformed.relative_to(settings.landing_dir).as_posix()} | {lines} |" in listed


def test_a_run_with_nothing_new_reads_nothing_again(loaded):
    settings, _, _, second = loaded
    assert second.success
    found = evaluations(second)
    assert all(e.passed for e in found.values())
    for table in TABLES:
        assert meta(found[f"raw/{table}:pandera_schema"], "rows_validated") == 0
        assert meta(found[f"raw/{table}:row_count_reconciliation"], "file_versions_reconciled") == 0
    # What passed is remembered per file version, once per check.
    logged = dict(
        query(
            settings,
            "select check_name, count(*) from raw.check_log where outcome = 'passed' group by 1",
        )
    )
    versions = query(settings, "select count(*) from raw.load_log where status = 'loaded'")[0][0]
    assert logged["pandera_schema"] == versions
    assert logged["row_count_reconciliation"] == versions + 1  # the quarantined file too
