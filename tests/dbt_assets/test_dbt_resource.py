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
from usage_platform.dbt.project import dbt_env, dbt_executable, environment
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


def test_no_dbt_adapter_is_built_in_process_on_duckdb(tmp_path, monkeypatch):
    # dagster-dbt would load dbt's project, profile and adapter before every invocation (~1.5 s)
    # for a handle the DuckDB assets never use.
    built = []
    monkeypatch.setattr(DbtCliResource, "_initialize_dbt_core_adapter", lambda self, args: built.append(args))
    settings = settings_for(tmp_path / "data")
    with environment(dbt_env(settings)):
        invocation = dbt_resource(settings).cli(["parse"], target_path=tmp_path / "target").wait()
    assert invocation.is_successful()
    assert invocation.adapter is None
    assert built == []


def test_other_targets_get_dagster_dbts_adapter(tmp_path, monkeypatch):
    # Guards the test above: the overridden member is the one dagster-dbt calls before an
    # invocation, and a resource not on DuckDB (Snowflake reads its column metadata through it)
    # still gets the adapter. No target named: the profile's default, through dagster-dbt's path.
    handle = object()
    monkeypatch.setattr(DbtCliResource, "_initialize_dbt_core_adapter", lambda self, args: handle)
    settings = settings_for(tmp_path / "data")
    resource = UsagePlatformDbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())
    assert resource.target is None
    with environment(dbt_env(settings)):
        invocation = resource.cli(["parse"], target_path=tmp_path / "target").wait()
    assert invocation.is_successful()
    assert invocation.adapter is handle
