"""Monthly metric values (28d vs all-time) and versions behind, on a hand-checked landing zone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import dbt_build, load_raw, settings_for
from tests.minimal_landing import write_minimal_landing

RELEASES = (
    "major_minor_version,release_date\n17.3,2024-08-15\n17.2,2024-07-18\n17.1,2024-06-20\n17.0,2024-05-16\n"
)
DEFINITIONS = {
    "counts_all/20210101_ci_builds.yml": "key_path: counts.ci_builds\ntime_frame: all\nvalue_type: number\n"
    "status: active\nproduct_group: pipeline_execution\n",
    "counts_28d/20210101_merge_requests.yml": "key_path: "
    "usage_activity_by_stage_monthly.create.merge_requests\n"
    "time_frame: 28d\nvalue_type: number\nstatus: active\nproduct_group: code_review\n",
}
# (receipt folder, version, counts.ci_builds, 28d merge request authors)
PINGS = [
    ("2024-06-28", "17.0.1", 100, 5),
    ("2024-07-29", "17.1.0-ee", 160, 7),
    ("2024-08-10", "17.1.1", 170, 9),  # not the last ping of August
    ("2024-08-26", "17.1.2", 150, -1),  # the counter went down (restored backup); 28d timed out
]


def write_landing(landing: Path) -> None:
    write_minimal_landing(landing)
    (landing / "releases").mkdir()
    (landing / "releases/releases.csv").write_text(RELEASES)
    for relative, text in DEFINITIONS.items():
        path = landing / "metrics_dictionary" / "config" / "metrics" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder, version, builds, authors in PINGS:
        payload = {
            "uuid": "u1",
            "hostname": "gitlab.example.com",
            "version": version,
            "edition": "EE",
            "recorded_at": f"{folder}T06:00:00+00:00",
            "counts": {"ci_builds": builds},
            "usage_activity_by_stage_monthly": {"create": {"merge_requests": authors}},
        }
        path = landing / "service_ping" / folder / "usage.ndjson"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(payload) + "\n")


@pytest.fixture(scope="module")
def mart(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("monthly")
    settings = settings_for(tmp / "data")
    write_landing(settings.landing_dir)
    load_raw(settings)
    dbt_build(settings, "+mart_ping_instance_metric_monthly", tmp_dir=tmp)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        rows = conn.execute(
            "select snapshot_month, metrics_path, metric_value, monthly_metric_value, has_timed_out, "
            "cleaned_version, versions_behind_latest, days_since_release "
            "from marts.mart_ping_instance_metric_monthly order by 1, 2"
        ).fetchall()
    return {(row[0], row[1]): row[2:] for row in rows}


BUILDS, AUTHORS = "counts.ci_builds", "usage_activity_by_stage_monthly.create.merge_requests"
JUNE, JULY, AUGUST = dt.date(2024, 6, 1), dt.date(2024, 7, 1), dt.date(2024, 8, 1)


def test_all_time_counters_count_the_increase_never_negative(mart):
    assert mart[(JUNE, BUILDS)][:2] == (100, None)  # no earlier ping: no monthly value
    assert mart[(JULY, BUILDS)][:2] == (160, 60)
    assert mart[(AUGUST, BUILDS)][:2] == (150, 0)  # went down: 0, and the last ping (not 170) counts


def test_28_day_metrics_take_the_last_pings_value_and_sentinels_count_as_nothing(mart):
    assert mart[(JUNE, AUTHORS)][:3] == (5, 5, False)
    assert mart[(JULY, AUTHORS)][:3] == (7, 7, False)
    assert mart[(AUGUST, AUTHORS)][:3] == (None, None, True)


def test_versions_behind_and_days_since_release(mart):
    # June 28: latest release 17.1, ping on 17.0 (released May 16); July 29: latest 17.2, ping on
    # 17.1 (June 20); August 26: latest 17.3, ping on 17.1.
    assert mart[(JUNE, BUILDS)][3:] == ("17.0.1", 1, 43)
    assert mart[(JULY, BUILDS)][3:] == ("17.1.0", 1, 39)
    assert mart[(AUGUST, BUILDS)][3:] == ("17.1.2", 2, 67)
