"""The dbt CLI resource, without a `dbt --version` process or an unused dbt adapter per invocation.

dagster-dbt's DbtCliResource learns the dbt version by running `dbt --version` in a subprocess
(`_cli_version`, cached per resource instance, and a run gets a new instance): 3-4 s of Python
start-up on every run, for a number this environment already knows. dbt here is always the
dbt-core installed beside this interpreter (project.dbt_executable), so its version is read from
the package metadata. dagster-dbt offers no public switch for this; the override is of a private
member, and tests/dbt_assets/test_dbt_resource.py fails if a dagster-dbt upgrade stops using it
(a `--version` subprocess during a dbt invocation).

Before each invocation dagster-dbt also builds a dbt adapter in the Dagster process
(`_initialize_dbt_core_adapter`: dbt's project, profile and adapter loaded, ~1.5 s per dbt step),
used only by `fetch_row_counts` / `fetch_column_metadata`. On DuckDB the platform reads the built
tables itself, read-only, once dbt has ended (model_metadata.py), so the handle is never used
there and is not built; other targets (Snowflake) get it, as dagster-dbt builds it.
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Sequence
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

    def _initialize_dbt_core_adapter(self, args: Sequence[str]):
        if self.target == "duckdb":  # the dbt assets read DuckDB themselves (assets.py)
            return None
        return super()._initialize_dbt_core_adapter(args)
