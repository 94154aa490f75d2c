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

dbt tests are checks with conditions of their own (set by the dbt translator), so that a delivery
costs one dbt invocation: the landing run loads raw and runs raw's own checks only, and
- the dbt source tests of a raw table (`SOURCE_TEST_CONDITION`) are requested when the table
  updates, in the same tick, hence the same run, as the models downstream of it; `dbt build` runs
  a source's tests before the models that read it and skips those models when an error-severity
  test fails; the failed check then holds them back on later ticks (the gate above);
- every other dbt test (`MODEL_TEST_CONDITION`) is requested when its asset (or another asset it
  reads) is. Dagster lets the checks of requested assets ride along only while none of those
  checks has a condition of its own; once a run request names checks (the source tests), the
  others must be requested too, or the run would leave them out (dagster 1.13,
  `_build_run_requests_from_partitions_def_mapping`). With a condition on every dbt test, the
  checks without one (Pandera, SQL and export checks) ride along again: Dagster adds them as soon
  as one check of the requested assets has a condition. Gap: a tick requesting source tests with
  assets none of which has a dbt test would leave those assets' other checks out; every raw table
  feeds a dbt-tested prep model, so a source update always brings one along.

The trusted-data reports are views on the check history with a condition of their own
(`HISTORY_VIEW_CONDITION`, below): one dbt invocation per delivery holds for them too.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

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


# A raw table updated (the landing run): its dbt source tests run, once, when nothing upstream or
# of theirs is still running.
SOURCE_TEST_CONDITION = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("source updated, tests run with its downstream models")


# A check requested whenever an asset it reads (its own, or a parent of a relationships test) will
# be requested in this tick: Dagster's ride-along of a requested asset's checks, made explicit. Not
# restricted to the check's own asset: `.allow(AssetSelection)` per check made every idle tick
# of the automation sensor about 1.4 s slower (588 checks); a test also run when only the model
# it refers to is rebuilt checks that model's new rows, which is no harm.
MODEL_TEST_CONDITION = dg.AutomationCondition.any_deps_match(
    dg.AutomationCondition.will_be_requested()
).with_label("an asset it reads will be requested")


# The trusted-data reports (dbt/models/trusted_data) are views on Dagster's check history, so they
# are always as current as the history and a delivery does not rebuild them (that would start dbt
# a second time, after the history step). They are built when missing or when their SQL changes,
# and once an hour at the first delivery (the first history update); their dbt tests run with them
# (`history_view_test_condition`), and the history tables' own dbt source tests at the same hour.
TRUSTED_DATA_CRON = "0 * * * *"
HISTORY_TEST_CONDITION = dg.AutomationCondition.on_cron(TRUSTED_DATA_CRON).with_label(
    "hourly, when the history changed"
)
HISTORY_VIEW_CONDITION = (
    dg.AutomationCondition.eager().replace(
        "any_deps_updated", dg.AutomationCondition.code_version_changed().with_label("code_changed")
    )
    | dg.AutomationCondition.on_cron(TRUSTED_DATA_CRON)
).with_label("a view: when missing or its SQL changed, and hourly when the history changed")


def history_view_test_condition(history_keys: Iterable[dg.AssetKey]) -> dg.AutomationCondition:
    """A dbt test on a view on the history: requested with its view. The history tables it may
    also read (a relationships test) are updated on every delivery, so they are not a reason."""
    return (
        dg.AutomationCondition.any_deps_match(dg.AutomationCondition.will_be_requested())
        .ignore(dg.AssetSelection.assets(*sorted(history_keys, key=lambda key: key.path)))
        .with_label("its view will be requested")
    )


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
