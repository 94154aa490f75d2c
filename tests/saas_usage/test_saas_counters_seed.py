"""The SaaS counter seed names real Service Ping metrics, so the pump pivots SaaS and self-managed
values with one seed; checked against GitLab's metric dictionary (reference data) and the pump seed."""

from __future__ import annotations

import csv

import yaml

from tests.saas_usage.saas_landing import COUNTERS
from usage_platform.settings import DBT_PROJECT_DIR

SEEDS = DBT_PROJECT_DIR / "seeds"


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def dictionary_time_frames(reference_dir) -> dict[str, object]:
    time_frames = {}
    for path in (reference_dir / "metrics").rglob("*.yml"):
        definition = yaml.safe_load(path.read_text())
        if isinstance(definition, dict) and "key_path" in definition:
            time_frames[definition["key_path"]] = definition.get("time_frame")
    return time_frames


def test_every_counter_is_a_dictionary_metric_with_its_time_frame(reference_dir):
    time_frames = dictionary_time_frames(reference_dir)
    for row in seed_rows("saas_usage_ping_counters"):
        assert row["metrics_path"] in time_frames, row["metrics_path"]
        assert time_frames[row["metrics_path"]] == row["time_frame"], row["metrics_path"]


def test_pump_metrics_with_a_saas_equivalent_have_a_counter():
    counters = {row["metrics_path"] for row in seed_rows("saas_usage_ping_counters")}
    pump = {row["key_path"] for row in seed_rows("gainsight_pump_metrics")}
    for key_path in (
        "usage_activity_by_stage_monthly.create.merge_requests",
        "usage_activity_by_stage_monthly.verify.ci_pipelines",
        "usage_activity_by_stage_monthly.plan.issues",
    ):
        assert key_path in pump and key_path in counters


def test_the_tests_recompute_exactly_the_seeds_counters():
    seed = {
        row["metrics_path"]: (row["activity_name"], row["time_frame"], row["aggregation"] == "user")
        for row in seed_rows("saas_usage_ping_counters")
    }
    assert seed == COUNTERS
