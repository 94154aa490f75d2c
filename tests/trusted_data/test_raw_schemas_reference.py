"""GitLab's real files pass the raw schemas: the 518 metric definitions of the reference set and
the release list (read from shared/reference, never copied into the repository)."""

from __future__ import annotations

import shutil

import duckdb

from tests.conftest import load_raw, settings_for
from usage_platform.sources.catalog import raw_tables
from usage_platform.trusted_data.raw_checks import check_schema, ensure_check_log

TABLES = {t.table: t for t in raw_tables()}


def schema_result(settings, table_name: str):
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        ensure_check_log(conn)
        result = check_schema(conn, TABLES[table_name], run_id="reference")
    return {key: getattr(value, "value", value) for key, value in result.metadata.items()}, result.passed


def test_real_metric_definitions_pass(tmp_path, reference_dir):
    metrics = reference_dir / "metrics"
    settings = settings_for(tmp_path / "data", USAGE_PLATFORM_METRICS_DICTIONARY_DIR=str(metrics))
    load_raw(settings)
    found, passed = schema_result(settings, "metrics_dictionary")
    assert passed, found.get("failure_cases")
    assert found["rows_validated"] == len(list(metrics.rglob("*.yml")))


def test_the_real_release_list_passes(tmp_path, reference_dir):
    settings = settings_for(tmp_path / "data")
    (settings.landing_dir / "releases").mkdir(parents=True)
    source = reference_dir / "releases/gitlab_releases_version_date.csv"
    shutil.copy(source, settings.landing_dir / "releases/releases.csv")
    load_raw(settings)
    found, passed = schema_result(settings, "releases_releases")
    assert passed, found.get("failure_cases")
    assert found["rows_validated"] == len(source.read_text().splitlines()) - 1
