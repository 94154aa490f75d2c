"""The dbt resource takes dbt's version from the installed dbt-core: no `dbt --version` process
per dbt invocation. Fails if a dagster-dbt upgrade stops going through the overridden member."""

from __future__ import annotations

import importlib.metadata
import stat

import pytest
from dagster_dbt import DbtCliResource
from dagster_dbt.core import resource as dagster_dbt_resource

from tests.conftest import settings_for
from usage_platform.dbt.assets import dbt_resource
from usage_platform.dbt.project import dbt_env, environment
from usage_platform.dbt.resource import UsagePlatformDbtCliResource
from usage_platform.settings import DBT_PROJECT_DIR


@pytest.fixture
def version_calls(monkeypatch) -> list[list[str]]:
    """Every `check_output` dagster-dbt's resource makes, answered as `dbt --version` would."""
    calls: list[list[str]] = []

    def check_output(command, *args, **kwargs):
        calls.append([str(part) for part in command])
        return b"Core:\n  - installed: 9.8.7\n"

    monkeypatch.setattr(dagster_dbt_resource, "check_output", check_output)
    return calls


def test_a_dbt_invocation_starts_no_version_process(tmp_path, version_calls):
    settings = settings_for(tmp_path / "data")
    resource = dbt_resource(settings)
    assert isinstance(resource, UsagePlatformDbtCliResource)
    with environment(dbt_env(settings)):
        invocation = resource.cli(["parse"], target_path=tmp_path / "target").wait()
    assert invocation.is_successful()
    assert version_calls == []
    assert invocation.cli_version == resource._cli_version
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")


def test_dagster_dbt_itself_still_asks_dbt_for_its_version(tmp_path, version_calls):
    # Guards the test above: the patched name is the one dagster-dbt uses to run `dbt --version`.
    settings = settings_for(tmp_path / "data")
    plain = DbtCliResource(**{**dbt_resource(settings).model_dump(), "target": settings.target})
    assert str(plain._cli_version) == "9.8.7"
    assert [call[1:] for call in version_calls] == [["--version"]]


def test_a_dbt_outside_this_environment_is_asked(tmp_path, version_calls):
    other = tmp_path / "bin" / "dbt"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\nexit 0\n")
    other.chmod(other.stat().st_mode | stat.S_IXUSR)
    resource = UsagePlatformDbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=str(other))
    assert str(resource._cli_version) == "9.8.7"
    assert version_calls == [[str(other), "--version"]]
