"""The dbt CLI resource, without a `dbt --version` process per dbt invocation.

dagster-dbt's DbtCliResource learns the dbt version by running `dbt --version` in a subprocess
(`_cli_version`, cached per resource instance, and a run gets a new instance): 3-4 s of Python
start-up on every run, for a number this environment already knows. dbt here is always the
dbt-core installed beside this interpreter (project.dbt_executable), so its version is read from
the package metadata. dagster-dbt offers no public switch for this; the override is of a private
member, and tests/dbt_assets/test_dbt_resource.py fails if a dagster-dbt upgrade stops using it
(a `--version` subprocess during a dbt invocation).
"""

from __future__ import annotations

import importlib.metadata
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from dagster_dbt.core import resource as dagster_dbt_resource


class UsagePlatformDbtCliResource(DbtCliResource):
    @cached_property
    def _cli_version(self):  # the version type dagster-dbt parses with (packaging's)
        # Only when the executable is this environment's dbt (dbt-core, not the Fusion engine): a
        # dbt found elsewhere on PATH may be another version, so dagster-dbt asks it.
        if Path(self.dbt_executable) == Path(sys.executable).with_name("dbt"):
            try:
                return dagster_dbt_resource.version.parse(importlib.metadata.version("dbt-core"))
            except importlib.metadata.PackageNotFoundError:
                pass
        return super()._cli_version
