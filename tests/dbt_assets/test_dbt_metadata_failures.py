"""Through Dagster: a model dbt could not build gets no provider call, and a provider that raises
fails the step naming its model, after every built model's materialization is recorded."""

from __future__ import annotations

import csv
import shutil

import dagster as dg
import duckdb

from tests.conftest import settings_for
from tests.dbt_assets import registered_providers
from tests.dbt_assets.conftest import materialize
from usage_platform.dbt import model_metadata

RELEASES = ["prep/prep_app_release_major_minor", "common/dim_app_release_major_minor"]
LOCATIONS = ["common/location_region_map", "prep/prep_location_country", "common/dim_location"]


def countries_in_landing(landing_dir) -> int:
    """Countries of the locations export: geoname ids that carry a country code."""
    with (landing_dir / "ip_to_geo" / "locations.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return len({row["geoname_id"].strip() for row in rows if row["country_iso_code"].strip()})


def test_failed_models_get_no_provider_call_and_a_raising_provider_fails_the_step(
    materialized, tmp_path, monkeypatch
):
    # A copy of the session's warehouse whose releases export is gone: the releases models fail.
    settings = settings_for(tmp_path / "data")
    settings.duckdb_path.parent.mkdir(parents=True)
    shutil.copy(materialized.settings.duckdb_path, settings.duckdb_path)
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        conn.execute("drop table raw.releases_releases")

    calls: list[str] = []

    def counting(model: str, table: str):
        def provider(conn):
            calls.append(model)
            return {"provided_rows": conn.execute(f"select count(*) from {table}").fetchone()[0]}

        return provider

    def raising(conn):
        calls.append("dim_location")
        raise RuntimeError("no headline numbers today")

    monkeypatch.setenv("DBT_TARGET_PATH", str(materialized.dbt_target))
    monkeypatch.setattr(model_metadata, "PROVIDER_MODULES", ("tests.dbt_assets.registered_providers",))
    monkeypatch.setattr(
        registered_providers,
        "PROVIDERS",
        {
            "prep_app_release_major_minor": counting("prep_app_release_major_minor", "prep.x"),
            "dim_app_release_major_minor": counting("dim_app_release_major_minor", "common.x"),
            "prep_location_country": counting("prep_location_country", "prep.prep_location_country"),
            "dim_location": raising,
        },
    )
    keys = [dg.AssetKey(path.split("/")) for path in RELEASES + LOCATIONS]
    run = materialize(settings, materialized.dbt_target, keys)

    assert not run.result.success
    assert sorted(calls) == ["dim_location", "prep_location_country"]

    built = run.materializations()
    assert set(built) == set(LOCATIONS), "the releases models failed or were skipped"
    assert built["prep/prep_location_country"].metadata["provided_rows"].value == countries_in_landing(
        materialized.settings.landing_dir
    )
    assert "dagster/column_lineage" in built["common/dim_location"].metadata
    assert "provided_rows" not in built["common/dim_location"].metadata

    (failure,) = run.result.get_step_failure_events()
    error = failure.event_specific_data.error.to_string()
    assert "WarehouseMetadataError" in error
    assert "dbt model dim_location: RuntimeError: no headline numbers today" in error
    assert "dbt failed too" in error
