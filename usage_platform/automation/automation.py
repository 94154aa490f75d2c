"""Declarative automation: how changes flow downstream of the raw layer.

Raw assets are started by the landing sensors (files are their trigger). Every other asset that
does not declare its own condition gets `DOWNSTREAM_CONDITION`:

- `eager()`: run when a dependency updated (or will be requested in the same tick) or the asset
  became missing; never while a dependency or the asset itself is in progress, nor while a
  dependency is missing;
- ... or when the asset's code version changed (a deployed change to a dbt model's SQL or a
  seed's rows rebuilds it and, through `eager`, what depends on it);
- held back while a blocking check of a dependency has not passed on that dependency's latest
  materialization (dbt tests of severity error, Pandera schemas), unless that check runs in the
  same request. When the check passes again, the held-back update goes through.

The policy is applied once, in the root definitions (`apply_automation_policy`), and one
automation sensor, running by default, evaluates it.
"""

from __future__ import annotations

import warnings

import dagster as dg

from usage_platform.sources.assets import RAW_GROUP

AUTOMATION_SENSOR = "automation_downstream"
SENSOR_FED_GROUPS = frozenset({RAW_GROUP})

DOWNSTREAM_CONDITION = (
    dg.AutomationCondition.eager().replace(
        "any_deps_updated",
        (
            dg.AutomationCondition.any_deps_updated() | dg.AutomationCondition.code_version_changed()
        ).with_label("any_deps_updated_or_code_changed"),
    )
    & dg.AutomationCondition.all_deps_blocking_checks_passed()
).with_label("eager, unless an upstream blocking check failed")


def with_downstream_condition(spec: dg.AssetSpec) -> dg.AssetSpec:
    """The spec with the downstream policy, unless it is sensor-fed or declares its own condition."""
    if spec.group_name in SENSOR_FED_GROUPS or spec.automation_condition is not None:
        return spec
    return spec.replace_attributes(automation_condition=DOWNSTREAM_CONDITION)


def apply_automation_policy(defs: dg.Definitions) -> dg.Definitions:
    with warnings.catch_warnings():
        # Definitions.map_asset_specs is Dagster's "apply a policy at the root" API, marked preview.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return defs.map_asset_specs(func=with_downstream_condition)


def build_automation_sensor(interval_seconds: int) -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        AUTOMATION_SENSOR,
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=interval_seconds,
        description=(
            "Carries updates downstream of raw: evaluates every asset's automation condition and "
            "requests what is due (see usage_platform/automation/automation.py)."
        ),
    )
