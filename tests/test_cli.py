"""The command line's building blocks (the commands themselves run in the end-to-end test)."""

from __future__ import annotations

import pytest

from usage_platform.cli import build_parser, main, prepare_dagster_home
from usage_platform.settings import DAGSTER_YAML


def test_prepare_dagster_home_installs_and_refreshes_the_project_settings(settings, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = prepare_dagster_home(settings)
    installed = home / "dagster.yaml"
    assert installed.read_text() == DAGSTER_YAML.read_text()
    assert "default_limit: 1" in installed.read_text()
    installed.write_text(installed.read_text() + "\n# stale copy\n")
    prepare_dagster_home(settings)
    assert installed.read_text() == DAGSTER_YAML.read_text()


def test_a_hand_written_dagster_yaml_is_kept(settings, monkeypatch, capsys):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    settings.dagster_home.mkdir(parents=True)
    (settings.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    prepare_dagster_home(settings)
    assert (settings.dagster_home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
    assert "keeping your own" in capsys.readouterr().err


def test_generate_command_writes_a_landing_zone(tmp_path, capsys):
    assert main(["generate", "--out", str(tmp_path / "landing"), "--instances", "10", "--months", "1"]) == 0
    assert (tmp_path / "landing" / "zuora" / "subscription.csv").is_file()
    assert any((tmp_path / "landing" / "service_ping").glob("*/*"))
    assert "landing zone written" in capsys.readouterr().out


def test_generate_takes_an_end_date_and_a_week_later_adds_only_that_weeks_ping_files(tmp_path, capsys):
    common = ["--instances", "10", "--months", "1", "--seed", "5"]
    assert main(["generate", "--out", str(tmp_path / "october"), *common]) == 0
    assert main(["generate", "--out", str(tmp_path / "november"), *common, "--end-date", "2026-11-07"]) == 0
    assert "2026-10-01 .. 2026-11-07" in capsys.readouterr().out
    october, november = (
        {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        for folder in (tmp_path / "october" / "service_ping", tmp_path / "november" / "service_ping")
    )
    assert all(november.get(name) == data for name, data in october.items())
    new_days = {name.split("/")[0] for name in set(november) - set(october)}
    assert new_days and all("2026-11-01" <= day <= "2026-11-07" for day in new_days)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "--out", str(tmp_path), "--end-date", "31/10/2026"])


def test_demo_has_a_switch_that_skips_the_ui():
    args = build_parser().parse_args(["demo", "--no-ui"])
    assert args.no_ui is True
    with pytest.raises(SystemExit):
        build_parser().parse_args(["materialize", "--unknown"])
