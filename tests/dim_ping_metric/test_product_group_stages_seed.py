"""The seed product_group_stages against GitLab's own stages.yml (its derived CSV in ../shared) and
against every product group the real definitions and the synthetic generator use."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest
import yaml

from tests.conftest import REFERENCE_DIR
from tests.dim_ping_metric.ping_metric_dictionary import read_seed
from usage_platform.synthetic.metrics import METRIC_DEFINITIONS

# Groups the seed lists with an empty stage because no source here tells their stage.
EXPECTED_UNMAPPED = {"security_infrastructure"}


@pytest.fixture(scope="module")
def reference_dir_module():
    if not REFERENCE_DIR.is_dir():
        pytest.fail(f"GitLab reference data not found at {REFERENCE_DIR}")
    return REFERENCE_DIR


@pytest.fixture(scope="module")
def gitlab_stages(reference_dir_module) -> dict[str, tuple[str, str]]:
    """product_group -> (stage, section) from GitLab's stages.yml."""
    path = reference_dir_module / "stages" / "product_groups_to_stages.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["product_group"]: (row["stage"], row["section"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def real_definitions(reference_dir_module) -> list[dict]:
    paths = [
        *(reference_dir_module / "metrics").rglob("*.yml"),
        *(reference_dir_module / "metrics_old_format").glob("*.yml"),
    ]
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in paths]


def groups_in_use(real_definitions: list[dict]) -> dict[str, list[str | None]]:
    """product_group -> the 2021 product_stage of each definition using it (None for today's schema)."""
    used: dict[str, list[str | None]] = defaultdict(list)
    for definition in real_definitions:
        used[definition["product_group"]].append(definition.get("product_stage"))
    for definition in METRIC_DEFINITIONS:
        used[definition.product_group].append(definition.legacy[1] if definition.legacy else None)
    return used


def test_seed_agrees_with_gitlab_stages_yml(gitlab_stages):
    seed = read_seed()
    shared = set(seed) & set(gitlab_stages)
    assert len(shared) >= 30
    for group in shared:
        assert seed[group] == gitlab_stages[group], group


def test_seed_has_one_row_per_product_group_in_use(real_definitions):
    assert set(read_seed()) == set(groups_in_use(real_definitions))


def test_every_group_in_use_gets_a_stage_or_is_listed_as_unmapped(real_definitions):
    seed = read_seed()
    for group, legacy_stages in groups_in_use(real_definitions).items():
        stage, section = seed[group]
        from_seed = stage is not None and section is not None
        from_2021_file = all(legacy_stages)  # every definition of the group names its own stage
        explicitly_unmapped = stage is None and section is None
        assert from_seed or from_2021_file or explicitly_unmapped, group
    assert {group for group, (stage, _) in seed.items() if stage is None} == EXPECTED_UNMAPPED


def test_each_stage_belongs_to_one_section():
    sections = defaultdict(set)
    for stage, section in read_seed().values():
        if stage is not None:
            sections[stage].add(section)
    assert all(len(found) == 1 for found in sections.values()), dict(sections)
