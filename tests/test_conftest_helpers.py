"""The shared helpers that load raw tables and build dbt selections for model tests."""

import duckdb

from tests.conftest import dbt_build, load_raw, settings_for
from usage_platform.synthetic import generate


def test_load_raw_then_build_a_selection(tmp_path):
    settings = settings_for(tmp_path / "data")
    generate(settings.landing_dir, instances=10, months=1, seed=3)
    load_raw(settings)
    output = dbt_build(settings, "+prep_license", tmp_dir=tmp_path)
    assert "Completed successfully" in output
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        assert conn.execute("select count(*) from prep.prep_license").fetchone()[0] > 0
