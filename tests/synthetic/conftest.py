"""Landing zones generated and parsed once per test session: the default scale, and the smallest one
(where every planted case must exist too)."""

from __future__ import annotations

import os
import time

import pytest

from tests.synthetic.synthetic_landing import Landing, load_landing
from usage_platform.synthetic import generate

# The invariants must hold for any seed; CI can run the suite again with another one.
SEED = int(os.environ.get("SYNTHETIC_TEST_SEED", "42"))


@pytest.fixture(scope="session")
def seed() -> int:
    return SEED


@pytest.fixture(scope="session")
def landing(tmp_path_factory, seed) -> Landing:
    root = tmp_path_factory.mktemp("landing")
    started = time.perf_counter()
    summary = generate(root, seed=seed)
    return load_landing(root, summary, time.perf_counter() - started)


SMALLEST = {"instances": 10, "months": 2}


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory, seed) -> Landing:
    root = tmp_path_factory.mktemp("small_landing")
    started = time.perf_counter()
    summary = generate(root, seed=seed, **SMALLEST)
    return load_landing(root, summary, time.perf_counter() - started)
