"""One small project materialized through the materialize_all job, with the trusted-data view,
shared by the end-to-end history test and the browser test (materializing takes minutes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import settings_for
from usage_platform.settings import DAGSTER_YAML, Settings


@dataclass(frozen=True)
class Materialized:
    settings: Settings
    defs: dg.Definitions
    result: dg.ExecuteInProcessResult
    env: dict[str, str]  # the environment the project ran with (for subprocesses)


def run_job(defs: dg.Definitions, asset_selection=None) -> dg.ExecuteInProcessResult:
    from usage_platform.definitions import MATERIALIZE_ALL_JOB

    with dg.DagsterInstance.get() as instance:
        return defs.resolve_job_def(MATERIALIZE_ALL_JOB).execute_in_process(
            instance=instance,
            asset_selection=asset_selection,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )


@pytest.fixture(scope="session")
def materialized(tmp_path_factory):
    """A synthetic landing zone (10 instances, 2 months) -> every asset and check, once."""
    from tests.trusted_data_view.trusted_view_defs import trusted_view_definitions
    from usage_platform.synthetic import generate

    settings = settings_for(tmp_path_factory.mktemp("trusted_view") / "data")
    generate(settings.landing_dir, instances=10, months=2, seed=11)
    settings.dagster_home.mkdir(parents=True)
    (settings.dagster_home / "dagster.yaml").write_text(DAGSTER_YAML.read_text())
    env = {**settings.as_env(), "DAGSTER_HOME": str(settings.dagster_home), "DO_NOT_TRACK": "1"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        defs = trusted_view_definitions(settings)
        result = run_job(defs)
        yield Materialized(settings=settings, defs=defs, result=result, env=env)


def landing_csv_rows(path: Path) -> int:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))
