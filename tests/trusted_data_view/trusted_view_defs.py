"""The platform's definitions with the trusted-data view, as the root definitions will wire it:

    assets=[*raw, build_dbt_assets(settings, exclude=TRUSTED_DBT_SELECTION),
            build_dbt_assets(settings, name="trusted_data_dbt", select=TRUSTED_DBT_SELECTION)]
    defs = with_trusted_data_view(dg.Definitions(assets=..., ...), settings)

Until usage_platform/definitions.py does this itself (then nothing here is added twice), the
dbt selection is handed to dagster-dbt's `dbt_assets` decorator while `build_dbt_assets` builds,
if `build_dbt_assets` does not take `select`/`exclude` yet.
Also the code location the browser test serves: it reads the settings from the environment, as
usage_platform.definitions does.
"""

from __future__ import annotations

import inspect
from unittest import mock

import dagster as dg

import usage_platform.definitions as root
from usage_platform.dbt import assets as dbt_assets_module
from usage_platform.settings import Settings
from usage_platform.trusted_data.history import CHECK_RESULTS_KEY
from usage_platform.trusted_data.summary import TRUSTED_DBT_SELECTION, with_trusted_data_view

VIEW_DBT_NAME = "trusted_data_dbt"


def build_dbt(settings: Settings, **selection: str) -> dg.AssetsDefinition:
    """build_dbt_assets with a dbt selection (name, select, exclude)."""
    if "select" in inspect.signature(dbt_assets_module.build_dbt_assets).parameters:
        return dbt_assets_module.build_dbt_assets(settings, **selection)
    decorator = dbt_assets_module.dbt_assets

    def with_selection(**kwargs):
        return decorator(**{**kwargs, **selection})

    with mock.patch.object(dbt_assets_module, "dbt_assets", with_selection):
        return dbt_assets_module.build_dbt_assets(settings)


def trusted_view_definitions(settings: Settings) -> dg.Definitions:
    defs = root.build_definitions(settings)
    if any(CHECK_RESULTS_KEY in a.keys for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)):
        return defs  # the root definitions wire the view already
    with mock.patch.object(root, "build_dbt_assets", lambda s: build_dbt(s, exclude=TRUSTED_DBT_SELECTION)):
        defs = root.build_definitions(settings)
    view_dbt = build_dbt(settings, name=VIEW_DBT_NAME, select=TRUSTED_DBT_SELECTION)
    return with_trusted_data_view(dg.Definitions.merge(defs, dg.Definitions(assets=[view_dbt])), settings)


@dg.definitions
def defs() -> dg.Definitions:
    return trusted_view_definitions(Settings.from_env())
