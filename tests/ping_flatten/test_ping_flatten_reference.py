"""Flattening real GitLab shapes: a payload holding every key path of the real metric definitions,
and the Service Ping docs' example payload, each loaded and flattened leaf by leaf."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.conftest import REFERENCE_DIR
from tests.ping_flatten.ping_flatten_landing import build, leaves, metrics_of, mismatches, query, write_geo

SUFFIX_BY_TIME_FRAME = {"28d": "_monthly", "7d": "_weekly", "all": ""}
DOCS_EXAMPLE = REFERENCE_DIR / "service_ping" / "docs_example_payload_with_ellipses.jsonc"
EVERY_KEY_PATH_UUID = "every-key-path-0000-0000-000000000001"


def real_definitions() -> list[dict]:
    """The parseable reference definitions, one per key path (the loader quarantines the rest)."""
    by_key_path = {}
    for path in sorted((REFERENCE_DIR / "metrics").rglob("*.yml")):
        try:
            definition = yaml.safe_load(path.read_text())
        except yaml.YAMLError:
            continue
        if isinstance(definition, dict) and isinstance(definition.get("key_path"), str):
            by_key_path.setdefault(definition["key_path"], definition)
    return list(by_key_path.values())


def sample_value(value_type: str, number: int):
    if value_type == "string":
        return f"text-{number}"
    if value_type == "boolean":
        return number % 2 == 0
    if value_type == "object":
        return {"count": number, "label": f"object-{number}"}
    return 1000 + number


def payload_of_every_key_path() -> tuple[dict, dict[str, tuple[str, str | None]]]:
    """A payload nesting a value of each definition's value_type at its dotted key path (a
    multi-time-frame definition once per frame, as `<key_path>_monthly` / `_weekly`), and the
    definition each placed path belongs to: path -> (key_path, time frame or None)."""
    document: dict = {}
    placed: dict[str, tuple[str, str | None]] = {}
    for number, definition in enumerate(real_definitions()):
        frames = definition.get("time_frame")
        forms = (
            [(SUFFIX_BY_TIME_FRAME[f], f) for f in frames]
            if isinstance(frames, list) and len(frames) > 1
            else [("", None)]
        )
        for suffix, frame in forms:
            segments = (definition["key_path"] + suffix).split(".")
            node = document
            for segment in segments[:-1]:
                node = node.setdefault(segment, {})
                if not isinstance(node, dict):
                    break
            else:
                if segments[-1] not in node:
                    node[segments[-1]] = sample_value(definition.get("value_type", "number"), number)
                    placed[".".join(segments)] = (definition["key_path"], frame)
    document.update(
        uuid=EVERY_KEY_PATH_UUID,
        hostname="every-key-path.example.com",
        recorded_at="2026-05-04T07:43:54.162+00:00",
    )
    return document, placed


def docs_example() -> dict:
    """The docs' example payload without its `...` placeholder lines (and the commas they strand)."""
    text = "\n".join(line for line in DOCS_EXAMPLE.read_text().splitlines() if line.strip() != "...")
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("ping_flatten_reference")
    every_key_path, placed = payload_of_every_key_path()
    landing = root / "data" / "landing"
    write_geo(landing)
    folder = landing / "service_ping" / "2026-05-04"
    folder.mkdir(parents=True)
    (folder / "every_key_path.json").write_text(json.dumps(every_key_path, indent=2))
    (landing / "service_ping" / "2020-04-17").mkdir(parents=True)
    # The docs example lands byte for byte as the test derived it, pretty-printed.
    docs_text = json.dumps(docs_example(), indent=2)
    (landing / "service_ping" / "2020-04-17" / "docs_example.json").write_text(docs_text)
    settings = build(
        root / "data", root, USAGE_PLATFORM_METRICS_DICTIONARY_DIR=str(REFERENCE_DIR / "metrics")
    )
    return {"settings": settings, "every_key_path": every_key_path, "placed": placed}


def test_the_payload_holds_every_real_key_path(warehouse):
    definitions = real_definitions()
    assert len(definitions) > 400  # the reference selection
    placed_key_paths = {key_path for key_path, _ in warehouse["placed"].values()}
    assert placed_key_paths == {definition["key_path"] for definition in definitions}


def test_every_leaf_of_the_every_key_path_payload_lands(warehouse):
    landed = metrics_of(warehouse["settings"], EVERY_KEY_PATH_UUID)
    assert mismatches(warehouse["every_key_path"], landed) == []


def test_every_key_path_is_known_typed_and_mapped_back(warehouse):
    landed = metrics_of(warehouse["settings"], EVERY_KEY_PATH_UUID)
    sent = leaves(warehouse["every_key_path"])
    problems = []
    for path, (key_path, frame) in warehouse["placed"].items():
        paths = [leaf for leaf in sent if leaf == path or leaf.startswith(path + ".")]
        for leaf in paths:
            row, value = landed[leaf], sent[leaf]
            typed = {
                bool: row["metric_value_boolean"],
                int: row["metric_value_number"],
                str: row["metric_value_string"],
            }[type(value)]
            if typed != value or not row["is_known_metric"] or row["metric_key_path"] != key_path:
                problems.append((leaf, value, typed, row["metric_key_path"]))
            if frame and row["metric_time_frame"] != frame:
                problems.append((leaf, "time frame", frame, row["metric_time_frame"]))
    assert problems == []


def test_the_docs_example_loads_unchanged(warehouse):
    settings = warehouse["settings"]
    [raw] = query(
        settings,
        """select payload::varchar as payload from raw.service_ping_payloads
           where _source_file like '%docs_example.json'""",
    )
    assert json.loads(raw["payload"]) == docs_example()


def test_every_leaf_of_the_docs_example_lands(warehouse):
    sent = docs_example()
    landed = metrics_of(warehouse["settings"], sent["uuid"])
    assert len(landed) == len(leaves(sent)) > 50
    assert mismatches(sent, landed) == []
    # Arrays stay whole; an empty object is a leaf.
    assert json.loads(landed["gitaly.filesystems"]["metric_value"]) == ["EXT_2_3_4"]
    assert landed["topology.failures"]["metric_value_type"] == "array"
    assert landed["license_add_ons"]["metric_value"] == "{}"
