"""The seed gainsight_pump_metrics against GitLab's real metrics dictionary: every key path is a
real Service Ping metric and every column is named by GitLab's pump convention,
`<name>_<28_days|7_days|all_time>_<user|event>`, with the definition's own time frame."""

from __future__ import annotations

import re

import yaml

from tests.expected_pump import pump_metric_columns

COLUMN = re.compile(r"(?P<name>[a-z0-9_]+?)_(?P<frame>28_days|7_days|all_time)_(?P<unit>user|event)")
FRAMES = {"28d": "28_days", "7d": "7_days", "all": "all_time"}
SUFFIXES = {"28d": "_monthly", "7d": "_weekly"}


def _definitions(reference_dir) -> dict[str, dict]:
    definitions = {}
    for path in (reference_dir / "metrics").rglob("*.yml"):
        definition = yaml.safe_load(path.read_text())
        if isinstance(definition, dict) and definition.get("key_path"):
            definitions[definition["key_path"]] = definition
    return definitions


def _definition_of(payload_path: str, definitions: dict[str, dict]) -> tuple[dict, str] | None:
    """The definition a payload path belongs to, and the time frame it is sent in."""
    if payload_path in definitions:
        frame = definitions[payload_path]["time_frame"]
        return definitions[payload_path], frame if isinstance(frame, str) else "all"
    for frame, suffix in SUFFIXES.items():
        base = payload_path.removesuffix(suffix)
        if base != payload_path and isinstance(definitions.get(base, {}).get("time_frame"), list):
            return definitions[base], frame
    return None


def test_the_seed_has_the_health_score_metrics():
    metrics = pump_metric_columns()
    assert len(metrics) >= 10
    assert len({path for path, _ in metrics}) == len(metrics)
    assert len({column for _, column in metrics}) == len(metrics)


def test_every_key_path_is_a_gitlab_metric_named_by_the_convention(reference_dir):
    definitions = _definitions(reference_dir)
    problems = []
    for payload_path, column in pump_metric_columns():
        found = _definition_of(payload_path, definitions)
        match = COLUMN.fullmatch(column)
        if found is None:
            problems.append(f"{payload_path}: not in GitLab's metrics dictionary")
        elif match is None:
            problems.append(f"{column}: not <name>_<28_days|7_days|all_time>_<user|event>")
        else:
            definition, frame = found
            if FRAMES.get(frame) != match["frame"]:
                problems.append(f"{column}: the definition's time frame is {frame}")
            counts_users = re.search(r"\b(users?|authors?)\b", definition["description"], re.IGNORECASE)
            if (match["unit"] == "user") != bool(counts_users):
                problems.append(f"{column}: '{definition['description']}' is not a {match['unit']} count")
    assert problems == []
