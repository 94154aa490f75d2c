"""Metadata that dbt cannot give: numbers read from the warehouse once a model is built.

A provider is a plain function of a read-only DuckDB connection that returns Dagster metadata
(headline numbers, a Markdown preview, a rate to plot over time) for one dbt model. Modules that
own such numbers export `PROVIDERS: dict[model name, provider]`; `PROVIDER_MODULES` lists them.
The dbt asset attaches each provider's result to that model's materialization.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

import duckdb

MetadataProvider = Callable[[duckdb.DuckDBPyConnection], Mapping[str, Any]]

# Modules with a PROVIDERS mapping; imported when the dbt asset runs, not when definitions load.
PROVIDER_MODULES: tuple[str, ...] = ()


def metadata_providers() -> dict[str, MetadataProvider]:
    providers: dict[str, MetadataProvider] = {}
    for module_name in PROVIDER_MODULES:
        module_providers = importlib.import_module(module_name).PROVIDERS
        duplicated = providers.keys() & module_providers.keys()
        if duplicated:
            raise ValueError(f"{module_name} provides metadata already provided for {sorted(duplicated)}")
        providers.update(module_providers)
    return providers
