"""The automation policy: conditions on every asset downstream of raw (checked over the real
definitions), and what they do (evaluated on a small graph with the same policy)."""

from __future__ import annotations

import dagster as dg
import pytest

from usage_platform.automation.automation import (
    AUTOMATION_SENSOR,
    DOWNSTREAM_CONDITION,
    apply_automation_policy,
)
from usage_platform.automation.failures import FAILURE_SENSOR, NOTIFIER_RESOURCE
from usage_platform.automation.notifier import FileNotifier
from usage_platform.sources.catalog import load_catalog


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    from tests.conftest import settings_for
    from usage_platform.definitions import build_definitions

    return build_definitions(settings_for(tmp_path_factory.mktemp("policy") / "data"))


def test_every_asset_downstream_of_raw_is_automated_and_raw_is_not(defs):
    graph = defs.resolve_asset_graph()
    # What the platform materializes (a dbt source nothing builds is only a reference).
    specs = [node.to_asset_spec() for node in graph.asset_nodes if node.is_materializable]
    raw = [s for s in specs if s.group_name == "raw"]
    downstream = [s for s in specs if s.group_name != "raw"]
    assert len(raw) == sum(len(system.tables) for system in load_catalog())
    assert len(downstream) > 20
    assert [s.key.to_user_string() for s in raw if s.automation_condition is not None] == []
    assert [s.key.to_user_string() for s in downstream if s.automation_condition is None] == []
    # The modelled layers take the policy; an asset may declare its own (trusted_data's history).
    layers = [s for s in downstream if s.group_name in {"prep", "common", "marts", "pumps"}]
    assert len(layers) > 20
    assert [s.key.to_user_string() for s in layers if s.automation_condition != DOWNSTREAM_CONDITION] == []


def test_the_pump_is_automated(defs):
    pump = defs.resolve_asset_graph().get(dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid"]))
    assert pump.automation_condition == DOWNSTREAM_CONDITION


def test_sensors_run_by_default_one_per_source_system(defs):
    sensors = {sensor.name: sensor for sensor in defs.get_repository_def().sensor_defs}
    landing = {f"landing_{system.name}" for system in load_catalog()}
    assert landing | {AUTOMATION_SENSOR, FAILURE_SENSOR} == set(sensors)
    assert {name: s.default_status for name, s in sensors.items()} == dict.fromkeys(
        sensors, dg.DefaultSensorStatus.RUNNING
    )
    assert isinstance(sensors[AUTOMATION_SENSOR], dg.AutomationConditionSensorDefinition)


def test_landing_sensor_targets_only_its_raw_tables(defs):
    repo = defs.get_repository_def()
    for system in load_catalog():
        job = repo.get_job(repo.get_sensor_def(f"landing_{system.name}").job_name)
        targeted = {key for key in job.asset_layer.executable_asset_keys if key.path[0] == "raw"}
        assert targeted == {dg.AssetKey(t.asset_key_path) for t in system.tables}, system.name


def test_failures_go_to_a_file_notifier_by_default(defs):
    notifier = defs.resources[NOTIFIER_RESOURCE]
    assert isinstance(notifier, FileNotifier)
    assert notifier.path.endswith("notifications/run_failures.jsonl")


def test_the_condition_never_runs_while_upstream_is_in_progress_or_missing():
    labels = set()

    def walk(condition):
        labels.add(condition.get_label() or condition.name)
        for child in condition.children:
            walk(child)

    walk(DOWNSTREAM_CONDITION)
    assert {
        "any_deps_in_progress",
        "in_progress",
        "any_deps_missing",
        "all_deps_blocking_checks_passed",
    } <= labels


# -- behaviour on a small graph ----------------------------------------------------------------
RAW = dg.AssetKey(["raw", "orders"])
PREP = dg.AssetKey(["prep", "prep_orders"])
MART = dg.AssetKey(["marts", "mart_orders"])


def small_graph(raw_check_passes: dict) -> dg.Definitions:
    @dg.asset(key=RAW, group_name="raw")
    def raw_orders() -> None: ...

    @dg.asset_check(asset=RAW, blocking=True)
    def orders_have_ids() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=raw_check_passes["value"])

    @dg.asset(key=PREP, deps=[RAW], group_name="prep")
    def prep_orders() -> None: ...

    @dg.asset(key=MART, deps=[PREP], group_name="marts")
    def mart_orders() -> None: ...

    return apply_automation_policy(
        dg.Definitions(assets=[raw_orders, prep_orders, mart_orders], asset_checks=[orders_have_ids])
    )


def test_policy_carries_a_raw_update_downstream_unless_its_blocking_check_failed():
    passes = {"value": True}
    defs = small_graph(passes)
    job = defs.resolve_implicit_global_asset_job_def()
    with dg.instance_for_test() as instance:

        def tick(cursor=None):
            result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
            return {key for key in (PREP, MART, RAW) if result.get_num_requested(key)}, result.cursor

        requested, cursor = tick()
        assert requested == set()  # raw never loaded: nothing downstream can run, raw is sensor-fed

        job.get_subset(asset_selection={RAW}).execute_in_process(instance=instance)
        requested, cursor = tick(cursor)
        assert requested == {PREP, MART}  # the whole chain in one tick

        job.get_subset(asset_selection={PREP, MART}).execute_in_process(instance=instance)
        requested, cursor = tick(cursor)
        assert requested == set()  # nothing new

        passes["value"] = False
        job.get_subset(asset_selection={RAW}).execute_in_process(instance=instance, raise_on_error=False)
        requested, cursor = tick(cursor)
        assert requested == set()  # held back: raw's blocking check failed

        passes["value"] = True
        job.get_subset(asset_selection={RAW}).execute_in_process(instance=instance)
        requested, cursor = tick(cursor)
        assert requested == {PREP, MART}  # fixed upstream: the held-back update goes through


def test_policy_keeps_a_condition_an_asset_declares_itself():
    own = dg.AutomationCondition.on_cron("0 6 1 * *")

    @dg.asset(key=MART, group_name="marts", automation_condition=own)
    def mart_orders() -> None: ...

    defs = apply_automation_policy(dg.Definitions(assets=[mart_orders]))
    assert defs.resolve_asset_graph().get(MART).automation_condition == own
