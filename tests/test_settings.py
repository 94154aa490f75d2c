from pathlib import Path

import pytest

from usage_platform.settings import Settings, SettingsError


def test_defaults_derive_from_the_data_dir(tmp_path):
    settings = Settings.from_env({"USAGE_PLATFORM_DATA_DIR": str(tmp_path)})
    assert settings.target == "duckdb"
    assert settings.landing_dir == tmp_path / "landing"
    assert settings.duckdb_path == tmp_path / "warehouse.duckdb"
    assert settings.metrics_dictionary_dir == tmp_path / "landing" / "metrics_dictionary"
    assert settings.dagster_home == tmp_path / "dagster_home"


def test_no_environment_means_dot_data(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.data_dir == tmp_path / "data"


def test_each_setting_can_be_overridden(tmp_path):
    settings = Settings.from_env(
        {
            "USAGE_PLATFORM_DATA_DIR": str(tmp_path / "d"),
            "USAGE_PLATFORM_LANDING_DIR": str(tmp_path / "in"),
            "USAGE_PLATFORM_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
            "USAGE_PLATFORM_METRICS_DICTIONARY_DIR": str(tmp_path / "metrics"),
            "DAGSTER_HOME": str(tmp_path / "home"),
        }
    )
    assert settings.landing_dir == tmp_path / "in"
    assert settings.duckdb_path == tmp_path / "w.duckdb"
    assert settings.metrics_dictionary_dir == tmp_path / "metrics"
    assert settings.dagster_home == tmp_path / "home"
    assert Path(settings.as_env()["USAGE_PLATFORM_DUCKDB_PATH"]) == tmp_path / "w.duckdb"


def test_unknown_target_is_a_clear_error():
    with pytest.raises(SettingsError, match="expected one of duckdb, snowflake"):
        Settings.from_env({"USAGE_PLATFORM_TARGET": "postgres"})
