"""The metrics dictionary loader on GitLab's real definitions (read from ../shared, never copied)."""

from __future__ import annotations

import shutil

import duckdb
import yaml

from tests.conftest import settings_for
from usage_platform.sources.catalog import raw_tables
from usage_platform.sources.landing import find_landing_files
from usage_platform.sources.load_duckdb import DuckDBRawLoader

METRICS_DICTIONARY = next(t for t in raw_tables() if t.table == "metrics_dictionary")


def test_real_gitlab_definitions_load_whole(reference_dir, tmp_path):
    metrics_dir = reference_dir / "metrics"
    settings = settings_for(tmp_path, USAGE_PLATFORM_METRICS_DICTIONARY_DIR=str(metrics_dir))
    expected = {}
    for path in metrics_dir.rglob("*.yml"):
        definition = yaml.safe_load(path.read_text())
        expected[path.relative_to(metrics_dir).as_posix()] = definition["key_path"]
    assert len(expected) > 500

    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        report = DuckDBRawLoader(conn).load(
            METRICS_DICTIONARY, find_landing_files(settings, METRICS_DICTIONARY)
        )
        assert report.quarantined == []
        loaded = dict(
            conn.execute(
                "select substr(_source_file, length('metrics_dictionary/') + 1), key_path "
                "from raw.metrics_dictionary"
            ).fetchall()
        )
        assert loaded == expected
        # Fields of the current schema survive as JSON: lists stay lists.
        tiers = conn.execute(
            "select definition -> 'tiers' from raw.metrics_dictionary "
            "where key_path = 'usage_activity_by_stage_monthly.create.merge_requests' "
            "and _source_file like '%counts_28d/20210216175055_merge_requests.yml'"
        ).fetchone()[0]
        assert yaml.safe_load(tiers) == ["free", "premium", "ultimate"]


def test_the_2021_format_loads_too(reference_dir, tmp_path):
    metrics_dir = tmp_path / "metrics_dictionary" / "config" / "metrics" / "counts_28d"
    metrics_dir.mkdir(parents=True)
    shutil.copy(reference_dir / "metrics_old_format" / "20210216175055_merge_requests.yml", metrics_dir)
    settings = settings_for(
        tmp_path, USAGE_PLATFORM_METRICS_DICTIONARY_DIR=str(tmp_path / "metrics_dictionary")
    )
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        DuckDBRawLoader(conn).load(METRICS_DICTIONARY, find_landing_files(settings, METRICS_DICTIONARY))
        assert conn.execute(
            "select key_path, definition ->> 'product_stage', definition -> 'tier' "
            "from raw.metrics_dictionary"
        ).fetchall() == [
            (
                "usage_activity_by_stage_monthly.create.merge_requests",
                "create",
                '["free","premium","ultimate"]',
            )
        ]
