"""dim_ping_metric built from GitLab's real metric definitions (read from ../shared, never copied into
the repo) plus the 2021-format definition of a key path that the real set also defines today.
Expectations are computed here from the YAML files themselves."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import REFERENCE_DIR, dbt_build, load_raw, settings_for
from tests.dim_ping_metric.ping_metric_dictionary import (
    AGGREGATED_PREFIXES,
    INDICATOR_FLAGS,
    as_list,
    read_dim_ping_metric,
    read_seed,
)

LEGACY_FILE = REFERENCE_DIR / "metrics_old_format" / "20210216175055_merge_requests.yml"
# Where the 2021 file sits in the test's dictionary: beside today's tree, as an older export would.
LEGACY_FOLDER = Path("legacy_2021") / "config" / "metrics" / "counts_28d"


@dataclass(frozen=True)
class Dictionary:
    current: dict[str, dict]  # key_path -> today's definition (the real set has one file per key path)
    legacy: dict  # the 2021-format definition
    dim: dict[str, dict]  # metrics_path -> dim_ping_metric row


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory) -> Dictionary:
    if not REFERENCE_DIR.is_dir():
        pytest.fail(f"GitLab reference data not found at {REFERENCE_DIR}")
    root = tmp_path_factory.mktemp("metrics_dictionary_reference")
    landing = root / "metrics_dictionary"
    shutil.copytree(REFERENCE_DIR / "metrics", landing)
    (landing / LEGACY_FOLDER).mkdir(parents=True)
    shutil.copy(LEGACY_FILE, landing / LEGACY_FOLDER)

    current: dict[str, dict] = {}
    for path in (REFERENCE_DIR / "metrics").rglob("*.yml"):
        definition = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert definition["key_path"] not in current, "the real set defines each key path once"
        current[definition["key_path"]] = definition

    settings = settings_for(root / "data", USAGE_PLATFORM_METRICS_DICTIONARY_DIR=str(landing))
    load_raw(settings)
    dbt_build(settings, "+dim_ping_metric", tmp_dir=root)
    legacy = yaml.safe_load(LEGACY_FILE.read_text(encoding="utf-8"))
    return Dictionary(current, legacy, read_dim_ping_metric(settings))


def test_one_row_per_distinct_key_path(dictionary):
    assert len(dictionary.current) > 500
    # The 2021 file redefines a key path of today's set: 519 files, 518 distinct key paths.
    assert dictionary.legacy["key_path"] in dictionary.current
    assert set(dictionary.dim) == set(dictionary.current)


def test_todays_definition_wins_over_the_2021_one(dictionary):
    key_path = dictionary.legacy["key_path"]
    today, legacy, row = dictionary.current[key_path], dictionary.legacy, dictionary.dim[key_path]
    # Both are removed, so the current schema decides; they differ in performance_indicator_type.
    assert today["status"] == legacy["status"] == "removed"
    assert "customer_health_score" in today["performance_indicator_type"]
    assert "customer_health_score" not in legacy["performance_indicator_type"]
    assert row["is_health_score_metric"] is True
    assert row["tiers"] == sorted(today["tiers"])
    # Its stage comes from the seed, and agrees with what the 2021 file names.
    assert (row["product_stage"], row["product_section"]) == read_seed()[today["product_group"]]
    assert (row["product_stage"], row["product_section"]) == (
        legacy["product_stage"],
        legacy["product_section"],
    )


def test_time_frames_become_a_sorted_list_and_one_text(dictionary):
    lists = 0
    for key_path, definition in dictionary.current.items():
        frames = sorted(set(as_list(definition["time_frame"])))
        row = dictionary.dim[key_path]
        assert row["time_frames"] == frames, key_path
        assert row["time_frame"] == ",".join(frames), key_path
        lists += isinstance(definition["time_frame"], list)
    assert lists >= 30  # the real set has list-valued time frames, e.g. [28d, 7d] and [all, 28d, 7d]
    assert (
        dictionary.dim["redis_hll_counters.ci_templates.p_ci_templates_jobs_test"]["time_frame"] == "28d,7d"
    )


def test_tiers_and_scalars_are_kept(dictionary):
    for key_path, definition in dictionary.current.items():
        row = dictionary.dim[key_path]
        assert row["tiers"] == sorted(set(definition["tiers"])), key_path
        for field in ("description", "value_type", "status", "data_source", "product_group"):
            assert row[field] == definition[field], (key_path, field)
        assert row["data_category"] == definition["data_category"].lower(), key_path
        assert row["milestone"] == str(definition["milestone"]), key_path


def test_stage_and_section_come_from_the_seed(dictionary):
    seed = read_seed()
    for key_path, definition in dictionary.current.items():
        row = dictionary.dim[key_path]
        assert (row["product_stage"], row["product_section"]) == seed[definition["product_group"]], key_path
    # Only the few metrics of groups the seed lists as unmapped lack a stage.
    assert sum(row["product_stage"] is not None for row in dictionary.dim.values()) > 500


def test_indicator_flags_follow_performance_indicator_type(dictionary):
    seen = {flag: 0 for flag in INDICATOR_FLAGS}
    for key_path, definition in dictionary.current.items():
        written = definition.get("performance_indicator_type")  # a list, [] or absent
        types = as_list(written)
        row = dictionary.dim[key_path]
        assert row["performance_indicator_type"] == (None if written is None else sorted(set(types))), (
            key_path
        )
        for flag, indicator in INDICATOR_FLAGS.items():
            assert row[flag] is (indicator in types), (key_path, flag)
            seen[flag] += indicator in types
    assert all(seen.values()), f"every flag is true somewhere in the real set: {seen}"


def test_aggregated_metrics_are_recognised(dictionary):
    for key_path, row in dictionary.dim.items():
        assert row["is_aggregated_metric"] is key_path.startswith(AGGREGATED_PREFIXES), key_path
    assert dictionary.dim["counts_monthly.aggregated_metrics.code_review_category_monthly_active_users"][
        "is_aggregated_metric"
    ]
    assert dictionary.dim["counts_weekly.aggregated_metrics.xmau_project_management"]["is_aggregated_metric"]
    assert not dictionary.dim["counts_monthly.deployments"]["is_aggregated_metric"]


def test_removed_definitions_stay_flagged(dictionary):
    removed = {k for k, d in dictionary.current.items() if d["status"] == "removed"}
    assert len(removed) >= 10
    for key_path, row in dictionary.dim.items():
        assert row["is_removed"] is (key_path in removed), key_path
        assert (row["milestone_removed"] is not None) is (key_path in removed), key_path


METRIC_FORMATS = {
    # distinct users over a window: by name, by an internal event's unique user.id, by description
    "redis_hll_counters.code_review.i_code_review_user_create_mr_monthly": "user_based",
    "redis_hll_counters.count_distinct_user_id_from_attempt_passkey_registration": "user_based",
    "redis_hll_counters.analytics.g_analytics_valuestream_monthly": "user_based",
    "usage_activity_by_stage_monthly.verify.ci_pipelines": "user_based",
    "counts_monthly.aggregated_metrics.code_review_category_monthly_active_users": "user_based",
    # counts over a window: events, a total whose page name says "users", distinct projects
    "counts_monthly.deployments": "event_based",
    "counts.count_total_view_admin_users_pageload_monthly": "event_based",
    "redis_hll_counters.ci_templates.p_ci_templates_jobs_test": "event_based",
    "redis_hll_counters.count_distinct_project_id_from_click_delete_pod_weekly": "event_based",
    # all-time counters
    "counts.ci_builds": "total_count",
    "counts.deployments": "total_count",
    # true/false: a boolean, and a numeric settings flag
    "gravatar_enabled": "indicator",
    "user_cap_feature_enabled": "indicator",
    # instance facts: no usage format
    "version": None,
    "active_user_count": None,
    "license_md5": None,
    "topology": None,
}


@pytest.mark.parametrize(("key_path", "expected"), METRIC_FORMATS.items())
def test_metric_format_of_hand_picked_definitions(dictionary, key_path, expected):
    assert dictionary.dim[key_path]["metric_format"] == expected


def test_power_user_only_where_the_path_names_it(dictionary):
    # GitLab's real set has no histogram or power-user metric; the generator's test covers one.
    named = {k for k in dictionary.dim if "histogram" in k or "power_user" in k}
    power_user = {k for k, row in dictionary.dim.items() if row["metric_format"] == "power_user"}
    assert power_user == named


def test_every_number_over_a_window_or_all_time_has_a_usage_format(dictionary):
    for key_path, definition in dictionary.current.items():
        frames = set(as_list(definition["time_frame"]))
        if definition["value_type"] == "number" and frames & {"7d", "28d", "all"}:
            assert dictionary.dim[key_path]["metric_format"] in {"user_based", "event_based", "total_count"}
        if definition["value_type"] == "boolean":
            assert dictionary.dim[key_path]["metric_format"] == "indicator"
