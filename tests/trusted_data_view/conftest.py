"""The trusted-data view tests read the session's shared project (tests/conftest.py): materialized
through the materialize_all job, with the trusted-data view."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import Project


def run_job(defs: dg.Definitions, asset_selection=None) -> dg.ExecuteInProcessResult:
    from usage_platform.definitions import MATERIALIZE_ALL_JOB

    with dg.DagsterInstance.get() as instance:
        return defs.resolve_job_def(MATERIALIZE_ALL_JOB).execute_in_process(
            instance=instance,
            asset_selection=asset_selection,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )


@pytest.fixture
def materialized(project, monkeypatch) -> Project:
    """The session's shared project, with its environment set (a test may run the history again)."""
    for name, value in project.env.items():
        monkeypatch.setenv(name, value)
    return project


def landing_csv_rows(path: Path) -> int:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))
