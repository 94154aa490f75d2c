import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from usage_platform.synthetic.metrics import (
    METRIC_DEFINITIONS,
    PUMP_METRIC_KEY_PATHS,
    dictionary_files,
    render_yaml,
    yaml_fields,
)
from usage_platform.synthetic.releases import release_calendar

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "gitlab"


def test_definitions_cover_the_dictionary_shapes():
    assert 80 <= len(METRIC_DEFINITIONS) <= 120
    key_paths = [d.key_path for d in METRIC_DEFINITIONS]
    assert len(key_paths) == len(set(key_paths))
    assert sum(d.legacy is not None for d in METRIC_DEFINITIONS) >= 5
    assert any(isinstance(d.time_frame, tuple) for d in METRIC_DEFINITIONS)
    assert sum(d.status == "removed" for d in METRIC_DEFINITIONS) >= 2
    assert Counter(d.value_type for d in METRIC_DEFINITIONS).keys() == {
        "number",
        "string",
        "boolean",
        "object",
    }
    assert {d.time_frame for d in METRIC_DEFINITIONS if isinstance(d.time_frame, str)} == {
        "7d",
        "28d",
        "all",
        "none",
    }


@pytest.mark.parametrize("key_path", PUMP_METRIC_KEY_PATHS)
def test_pump_metrics_exist_and_are_sent_by_every_version(key_path):
    definition = next(d for d in METRIC_DEFINITIONS if d.key_path == key_path)
    assert definition.status == "active"
    for release in release_calendar(dt.date(2026, 10, 31)):
        assert definition.is_sent_by(release.key, is_ee=False)


def test_removed_and_new_metrics_depend_on_version():
    removed = next(d for d in METRIC_DEFINITIONS if d.key_path == "counts.web_ide_commits")
    assert removed.is_sent_by((17, 5), True) and not removed.is_sent_by((17, 6), True)
    ee_only = next(d for d in METRIC_DEFINITIONS if d.key_path == "counts.epics")
    assert ee_only.is_sent_by((18, 0), True) and not ee_only.is_sent_by((18, 0), False)


def test_yaml_round_trips_to_the_definition():
    for definition in METRIC_DEFINITIONS:
        fields = yaml_fields(definition)
        assert yaml.safe_load(render_yaml(fields)) == dict(fields), definition.key_path


def test_yaml_quotes_what_yaml_would_misread():
    text = render_yaml(
        [
            ("milestone", "16.3"),
            ("description", "Counts: all, 'quoted' # not a comment"),
            ("flag", "true"),
            ("old", "<13.9"),
            ("empty", ""),
        ]
    )
    assert yaml.safe_load(text) == {
        "milestone": "16.3",
        "description": "Counts: all, 'quoted' # not a comment",
        "flag": "true",
        "old": "<13.9",
        "empty": "",
    }


def test_file_paths_are_unique_and_laid_out_like_gitlab():
    paths = [path for path, _ in dictionary_files()]
    assert len(paths) == len(set(paths)) == len(METRIC_DEFINITIONS)
    assert any(p.startswith("ee/config/metrics/") for p in paths)
    assert all(
        p.split("/")[-2] in ("counts_28d", "counts_7d", "counts_all", "settings", "license") for p in paths
    )


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="GitLab reference data not available")
def test_groups_and_fields_are_valid_for_gitlab_schema():
    schema_dir = REFERENCE / "metrics_schema" / "config" / "metrics" / "schema"
    groups = set(json.loads((schema_dir / "product_groups.json").read_text())["enum"])
    base = json.loads((schema_dir / "base.json").read_text())
    allowed = set(base["properties"])
    for definition in METRIC_DEFINITIONS:
        if definition.legacy:
            continue
        document = dict(yaml_fields(definition))
        assert definition.product_group in groups, definition.key_path
        assert set(document) <= allowed
        assert set(base["required"]) <= set(document)


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="GitLab reference data not available")
def test_release_calendar_matches_gitlab_history():
    text = (REFERENCE / "releases" / "gitlab_releases_version_date.csv").read_text().splitlines()[1:]
    reference = dict(line.split(",") for line in text)
    calendar = release_calendar(dt.date(2026, 10, 31))
    overlapping = [r for r in calendar if r.label in reference]
    assert len(overlapping) >= 60
    assert all(reference[r.label] == r.date.isoformat() for r in overlapping)
