"""Every kind of leaf lands, typed and flagged: sentinels, JSON nulls, arrays, booleans, strings,
failed histograms, and keys no definition knows, also where the schema sample never saw them."""

from __future__ import annotations

import json

import pytest

from tests.ping_flatten.ping_flatten_landing import (
    build,
    metrics_of,
    mismatches,
    payload,
    query,
    write_definitions,
    write_geo,
    write_pings,
)

DEFINITIONS = [
    {"key_path": "counts.issues", "value_type": "number"},
    {"key_path": "counts.timed_out", "value_type": "number"},
    {"key_path": "counts.errored", "value_type": "number"},
    {"key_path": "counts.deprecated", "value_type": "number"},
    {"key_path": "counts.nothing", "value_type": "number"},
    {"key_path": "counts.alerts_histogram", "value_type": "object"},
    {"key_path": "settings.ldap_enabled", "value_type": "boolean"},
    {"key_path": "settings.operating_system", "value_type": "string"},
    {
        "key_path": "redis_hll_counters.code_review.i_code_review_user_create_mr",
        "value_type": "number",
        "time_frame": ["28d", "7d"],
    },
]

# Sampled for the schema (the newest receipt dates): every kind of value.
TYPED = payload(
    "typed",
    counts={
        "issues": 5,
        "timed_out": -1,
        "errored": -2,
        "deprecated": -1000,
        "nothing": None,
        "alerts_histogram": {"1": 3, "5": 7},
        "fraction": 0.25,
        "negative": -7,
        "big": 12345678901234567890,
    },
    settings={
        "ldap_enabled": True,
        "smtp_enabled": False,
        "operating_system": 'debian "12" {stable}',
        "feature_list": [1, "a", None, {"b": 2}],
        "nothing_set": {},
    },
    redis_hll_counters={
        "code_review": {"i_code_review_user_create_mr_monthly": 11, "i_code_review_user_create_mr_weekly": 4}
    },
    licensee={"Name": "Ada", "Email": "ada@example.com"},
    topology={"nodes": [{"node_cpus": 8}], "failures": []},
)
FAILED_HISTOGRAM = payload(
    "failed-histogram", counts={"issues": 1, "alerts_histogram": {"-1": -1}}, licensee=None
)

# Received weeks before the others, so the schema sample never sees their shapes.
UNSEEN = payload(
    "unseen",
    recorded_at="2026-04-01T10:00:00.000+00:00",
    brand_new_section={"enabled": True, "nested": {"deeper": {"deepest": [1, 2]}}, "empty": None},
    counts={
        "issues": {"by_state": {"open": 2, "closed": 3}},
        "never_defined": 42,
        "a.dotted key": 1,
        'quoted "key"': 2,
        "apostrophe's": 3,
        "alerts_histogram": {"1": 1, "2": 2},
    },
    settings=None,
    licensee={"Name": "Bob", "Email": "bob@example.com", "Company": "Bob & Co"},
)

# Also unseen by the sample, every key known, but a known leaf now holds an object.
OBJECT_IN_A_LEAF = payload(
    "object-in-a-leaf",
    recorded_at="2026-04-02T10:00:00.000+00:00",
    counts={"issues": {"open": 1, "closed": None}},
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    root = tmp_path_factory.mktemp("ping_flatten_values")
    landing = root / "data" / "landing"
    write_geo(landing)
    write_definitions(landing / "metrics_dictionary", DEFINITIONS)
    write_pings(landing, "2026-05-04", [TYPED, FAILED_HISTOGRAM])
    write_pings(landing, "2026-04-01", [UNSEEN, OBJECT_IN_A_LEAF])
    return build(root / "data", root)


@pytest.mark.parametrize(
    "sent", [TYPED, FAILED_HISTOGRAM, UNSEEN, OBJECT_IN_A_LEAF], ids=lambda sent: sent["uuid"]
)
def test_every_leaf_lands_as_sent(settings, sent):
    assert mismatches(sent, metrics_of(settings, sent["uuid"])) == []


def test_sentinels_are_flags_not_values(settings):
    counts = {
        path.split(".", 1)[1]: row
        for path, row in metrics_of(settings, "typed").items()
        if path.startswith("counts.")
    }
    assert counts["issues"]["metric_value_number"] == 5
    flags = ("has_timed_out", "has_counter_error", "is_deprecated_value")
    for key, flag in zip(("timed_out", "errored", "deprecated"), flags, strict=True):
        assert counts[key]["metric_value_number"] is None
        assert {name: counts[key][name] for name in flags} == {name: name == flag for name in flags}
    assert counts["negative"]["metric_value_number"] == -7 and not counts["negative"]["has_timed_out"]
    assert counts["fraction"]["metric_value_number"] == 0.25
    assert counts["big"]["metric_value_number"] == pytest.approx(12345678901234567890)


def test_json_null_is_a_flagged_row(settings):
    row = metrics_of(settings, "typed")["counts.nothing"]
    assert (row["metric_value"], row["metric_value_type"], row["is_null_value"]) == ("null", "null", True)
    assert row["metric_value_number"] is None and row["is_known_metric"]


def test_a_failed_histogram_is_one_flagged_row(settings):
    landed = metrics_of(settings, "failed-histogram")
    histogram = landed["counts.alerts_histogram"]
    assert (histogram["metric_value"], histogram["is_failed_histogram"]) == ('{"-1":-1}', True)
    assert histogram["metric_value_number"] is None
    assert not any(path.startswith("counts.alerts_histogram.") for path in landed)
    # A histogram that worked is its buckets, known through the object-valued definition.
    bucket = metrics_of(settings, "typed")["counts.alerts_histogram.5"]
    assert (bucket["metric_value_number"], bucket["metric_key_path"]) == (7, "counts.alerts_histogram")


def test_booleans_strings_and_arrays_are_typed(settings):
    landed = metrics_of(settings, "typed")
    assert landed["settings.ldap_enabled"]["metric_value_boolean"] is True
    assert landed["settings.smtp_enabled"]["metric_value_boolean"] is False
    assert landed["settings.operating_system"]["metric_value_string"] == 'debian "12" {stable}'
    feature_list = landed["settings.feature_list"]
    assert feature_list["metric_value_type"] == "array"
    assert json.loads(feature_list["metric_value"]) == [1, "a", None, {"b": 2}]
    assert landed["settings.nothing_set"]["metric_value"] == "{}"
    assert {row["metric_value_type"] for row in landed.values()} == {
        "number",
        "string",
        "boolean",
        "null",
        "array",
        "object",
    }


def test_unknown_keys_land_as_unknown_metrics(settings):
    landed = metrics_of(settings, "unseen")
    for path in (
        "counts.never_defined",
        "brand_new_section.nested.deeper.deepest",
        "counts.issues.by_state.open",
    ):
        assert not landed[path]["is_known_metric"] and landed[path]["metric_key_path"] is None
    assert landed["counts.never_defined"]["metric_value_number"] == 42
    assert landed["counts.a.dotted key"]["metric_value_number"] == 1
    assert landed["licensee.Company"]["metric_value_string"] == "Bob & Co"


def test_multi_time_frame_metrics_map_back_to_their_definition(settings):
    landed = metrics_of(settings, "typed")
    for suffix, frame in (("_monthly", "28d"), ("_weekly", "7d")):
        row = landed[f"redis_hll_counters.code_review.i_code_review_user_create_mr{suffix}"]
        assert row["is_known_metric"] and row["metric_time_frame"] == frame
        assert row["metric_key_path"] == "redis_hll_counters.code_review.i_code_review_user_create_mr"


def test_keys_are_unique_per_ping(settings):
    duplicated = query(
        settings,
        """select dim_ping_instance_id, metrics_path from prep.prep_ping_instance_flattened
           group by all having count(*) > 1""",
    )
    assert duplicated == []
