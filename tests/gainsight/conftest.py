"""One generated landing zone with the planted Gainsight cases, loaded and built up to the pump
once per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.conftest import dbt_build, load_raw, settings_for
from tests.gainsight.gainsight_landing import Planted, plant_cases
from usage_platform.settings import Settings
from usage_platform.synthetic import generate

PUMP = "pumps.pump_gainsight_metrics_monthly_paid"


@dataclass(frozen=True)
class PumpBuild:
    settings: Settings
    planted: Planted
    dbt_target: Path

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.settings.duckdb_path), read_only=True) as conn:
            return conn.execute(sql).fetchall()

    def query_dicts(self, sql: str) -> list[dict]:
        with duckdb.connect(str(self.settings.duckdb_path), read_only=True) as conn:
            cursor = conn.execute(sql)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="session")
def pump_build(tmp_path_factory) -> PumpBuild:
    tmp = tmp_path_factory.mktemp("gainsight_pump")
    settings = settings_for(tmp / "data")
    generate(settings.landing_dir, instances=10, months=2, seed=11)
    planted = plant_cases(settings.landing_dir)
    load_raw(settings)
    # The publishing tests read the grants dbt compiled, in its manifest.json.
    dbt_build(settings, "+pump_gainsight_metrics_monthly_paid", tmp_dir=tmp, write_json=True)
    return PumpBuild(settings, planted, tmp / "dbt_target")
