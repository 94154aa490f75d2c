"""The shared helpers that load raw tables and build dbt selections for model tests."""

import duckdb
import pytest

from tests.conftest import dbt_build, load_raw, settings_for
from usage_platform.synthetic import generate


def test_load_raw_then_build_a_selection(tmp_path):
    settings = settings_for(tmp_path / "data")
    generate(settings.landing_dir, instances=10, months=1, seed=3)
    load_raw(settings)
    output = dbt_build(settings, "+prep_license", tmp_dir=tmp_path)
    assert "Completed successfully" in output
    # dbt_build fails the test, with dbt's output, when dbt fails (here: raw was never loaded).
    empty = settings_for(tmp_path / "empty")
    with pytest.raises(pytest.fail.Exception, match="prep_license"):
        dbt_build(empty, "prep_license", tmp_dir=tmp_path / "empty")
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        assert conn.execute("select count(*) from prep.prep_license").fetchone()[0] > 0
