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
    assert settings.outbox_dir == tmp_path / "outbox"
    assert settings.gainsight_role == "GAINSIGHT"


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
            "USAGE_PLATFORM_OUTBOX_DIR": str(tmp_path / "out"),
            "USAGE_PLATFORM_GAINSIGHT_ROLE": "GAINSIGHT_READER",
        }
    )
    assert settings.landing_dir == tmp_path / "in"
    assert settings.duckdb_path == tmp_path / "w.duckdb"
    assert settings.metrics_dictionary_dir == tmp_path / "metrics"
    assert settings.dagster_home == tmp_path / "home"
    assert settings.outbox_dir == tmp_path / "out"
    assert settings.gainsight_role == "GAINSIGHT_READER"
    assert Path(settings.as_env()["USAGE_PLATFORM_DUCKDB_PATH"]) == tmp_path / "w.duckdb"


def test_the_environment_round_trips(tmp_path):
    settings = Settings.from_env(
        {"USAGE_PLATFORM_DATA_DIR": str(tmp_path), "USAGE_PLATFORM_GAINSIGHT_ROLE": "CS_READ"}
    )
    assert Settings.from_env(settings.as_env()) == settings


def test_unknown_target_is_a_clear_error():
    with pytest.raises(SettingsError, match="expected one of duckdb, snowflake"):
        Settings.from_env({"USAGE_PLATFORM_TARGET": "postgres"})


def test_the_outbox_follows_a_moved_data_dir_unless_set(tmp_path):
    moved = Settings.from_env({"USAGE_PLATFORM_DATA_DIR": str(tmp_path / "elsewhere")})
    assert moved.outbox_dir == tmp_path / "elsewhere" / "outbox"


@pytest.mark.parametrize("role", ["gainsight; drop table x", "1ROLE", "GAIN-SIGHT", '"QUOTED"'])
def test_a_gainsight_role_that_is_not_a_role_name_is_a_clear_error(role):
    with pytest.raises(SettingsError, match="USAGE_PLATFORM_GAINSIGHT_ROLE"):
        Settings.from_env({"USAGE_PLATFORM_GAINSIGHT_ROLE": role})
