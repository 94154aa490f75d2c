"""One dbt invocation per delivery: the landing run loads raw and runs raw's own checks only; the
dbt source tests of the loaded table are requested by the automation policy together with the
models downstream (so `dbt build` runs them first, once), and a failing one holds those models back.

The policy is evaluated over the real definitions, with the history recorded as events."""

from __future__ import annotations

import json
import os
import time

import dagster as dg
import pytest
from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests

from usage_platform.automation.automation import (
    MODEL_TEST_CONDITION,
    SOURCE_TEST_CONDITION,
    apply_automation_policy,
)
from usage_platform.automation.sensors import landing_sensor
from usage_platform.sources.catalog import load_catalog
from usage_platform.trusted_data.raw_checks import RAW_CHECK_NAMES

PING = dg.AssetKey(["raw", "service_ping_payloads"])
DBT_ASSETS = "usage_platform_dbt"


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    from tests.conftest import settings_for
    from usage_platform.definitions import build_definitions

    return build_definitions(settings_for(tmp_path_factory.mktemp("one_dbt") / "data"))


def dbt_check_keys(defs: dg.Definitions) -> set[dg.AssetCheckKey]:
    graph = defs.resolve_asset_graph()
    (dbt,) = [a for a in graph.assets_defs if a.is_executable and a.node_def.name == DBT_ASSETS]
    return set(dbt.check_keys)


def source_test_keys(defs: dg.Definitions, key: dg.AssetKey) -> set[dg.AssetCheckKey]:
    return {check for check in dbt_check_keys(defs) if check.asset_key == key}


def test_landing_run_selects_raws_own_checks_and_no_dbt_check(defs, settings):
    folder = settings.landing_dir / "service_ping" / "2026-10-01"
    folder.mkdir(parents=True)
    path = folder / "pings.ndjson"
    path.write_text(json.dumps({"uuid": "u-1", "hostname": "h", "recorded_at": "2026-10-01"}) + "\n")
    past = time.time() - 60
    os.utime(path, (past, past))
    system = next(s for s in load_catalog() if s.name == "service_ping")
    with dg.instance_for_test() as instance:
        data = landing_sensor(system, settings, 30).evaluate_tick(dg.build_sensor_context(instance=instance))
    (request,) = data.run_requests
    assert request.asset_selection == [PING]
    assert set(request.asset_check_keys) == {dg.AssetCheckKey(PING, name) for name in RAW_CHECK_NAMES}
    # The raw table does have dbt source tests: they are left to the automation run.
    assert len(source_test_keys(defs, PING)) >= 3
    assert set(request.asset_check_keys) & dbt_check_keys(defs) == set()
    # ...and the request is valid for the sensor's job (the checks belong to it).
    repo = defs.get_repository_def()
    job = repo.get_job(repo.get_sensor_def("landing_service_ping").job_name)
    assert set(request.asset_check_keys) <= job.asset_layer.asset_graph.asset_check_keys


def test_dbt_tests_carry_their_conditions(defs):
    graph = defs.resolve_asset_graph()
    dbt_checks = dbt_check_keys(defs)
    raw_keys = {dg.AssetKey(t.asset_key_path) for s in load_catalog() for t in s.tables}
    on_raw = {key for key in dbt_checks if key.asset_key in raw_keys}
    assert on_raw and len(dbt_checks) > len(on_raw)
    for key in sorted(dbt_checks, key=lambda k: k.to_user_string()):
        expected = SOURCE_TEST_CONDITION if key in on_raw else MODEL_TEST_CONDITION
        assert graph.get(key).automation_condition == expected, key.to_user_string()
    # Raw's own checks run in the raw step: no condition of their own.
    raw_own = [k for k in graph.asset_check_keys if k.asset_key in raw_keys and k not in dbt_checks]
    assert raw_own and all(graph.get(k).automation_condition is None for k in raw_own)


def record_history(instance, graph) -> None:
    """Every asset materialized and every check passed, as runless events (a built warehouse)."""
    for node in graph.asset_nodes:
        if node.is_materializable:
            instance.report_runless_asset_event(dg.AssetMaterialization(node.key))
    for check in graph.asset_check_keys:
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(asset_key=check.asset_key, check_name=check.name, passed=True)
        )


def load_raw(instance, key: dg.AssetKey) -> None:
    """What the landing run records: the raw table and its own three checks (passed)."""
    instance.report_runless_asset_event(dg.AssetMaterialization(key))
    for name in RAW_CHECK_NAMES:
        evaluation = dg.AssetCheckEvaluation(asset_key=key, check_name=name, passed=True)
        instance.report_runless_asset_event(evaluation)


def requests(defs, result) -> list[dg.RunRequest]:
    return list(build_run_requests(list(result._requested_subsets), defs.resolve_asset_graph(), None, False))


def test_a_raw_update_requests_its_source_tests_with_the_models_downstream_in_one_run(defs):
    graph = defs.resolve_asset_graph()
    with dg.instance_for_test() as instance:
        record_history(instance, graph)
        baseline = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert baseline.total_requested == 0

        load_raw(instance, PING)
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=baseline.cursor)
    (request,) = requests(defs, result)  # one run
    assets = set(request.asset_selection)
    downstream = {key for key in assets if graph.get(key).group_name != "raw"}
    assert dg.AssetKey(["prep", "prep_ping_payload"]) in downstream
    assert dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid"]) in downstream
    assert PING not in assets
    checks = set(request.asset_check_keys)
    # The source tests of the updated table, and no other raw table's.
    assert source_test_keys(defs, PING) <= checks
    on_raw = {key for key in checks if graph.get(key.asset_key).group_name == "raw"}
    assert on_raw == source_test_keys(defs, PING)
    # Every check of every requested asset still runs: dbt tests and the checks beside them.
    assert graph.get_check_keys_for_assets(assets) <= checks
    assert any(key not in dbt_check_keys(defs) for key in checks)  # Pandera / SQL / export checks


def test_an_unrelated_update_requests_no_source_test(defs):
    graph = defs.resolve_asset_graph()
    releases = dg.AssetKey(["raw", "releases_releases"])
    with dg.instance_for_test() as instance:
        record_history(instance, graph)
        baseline = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        load_raw(instance, releases)
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=baseline.cursor)
        (request,) = requests(defs, result)
        on_raw = {key for key in request.asset_check_keys if graph.get(key.asset_key).group_name == "raw"}
        assert on_raw == source_test_keys(defs, releases) != set()
        # Nothing new: the next tick requests nothing.
        again = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
        assert again.total_requested == 0


# -- a failing source test holds the models back (small graph, the same conditions) -----------
RAW_A = dg.AssetKey(["raw", "orders"])
RAW_B = dg.AssetKey(["raw", "customers"])
PREP = dg.AssetKey(["prep", "prep_orders"])


def small_graph(source_test_passes: dict) -> dg.Definitions:
    @dg.multi_asset(
        specs=[dg.AssetSpec(RAW_A, group_name="raw"), dg.AssetSpec(RAW_B, group_name="raw")],
        check_specs=[dg.AssetCheckSpec("pandera_schema", asset=RAW_A, blocking=True)],
        can_subset=True,
    )
    def raw_tables(context):
        for key in sorted(context.selected_asset_keys):
            yield dg.MaterializeResult(asset_key=key)
        if dg.AssetCheckKey(RAW_A, "pandera_schema") in context.selected_asset_check_keys:
            yield dg.AssetCheckResult(asset_key=RAW_A, check_name="pandera_schema", passed=True)

    # Like dbt: models and tests in one subsettable step; the source test runs first and a failing
    # one skips the model (what `dbt build` does).
    @dg.multi_asset(
        specs=[dg.AssetSpec(PREP, deps=[RAW_A, RAW_B], group_name="prep")],
        check_specs=[
            dg.AssetCheckSpec(
                "source_not_null", asset=RAW_A, blocking=True, automation_condition=SOURCE_TEST_CONDITION
            ),
            dg.AssetCheckSpec("unique", asset=PREP, blocking=True, automation_condition=MODEL_TEST_CONDITION),
        ],
        can_subset=True,
        allow_arbitrary_check_specs=True,
    )
    def dbt_like(context):
        source_test = dg.AssetCheckKey(RAW_A, "source_not_null")
        passed = True
        if source_test in context.selected_asset_check_keys:
            passed = source_test_passes["value"]
            yield dg.AssetCheckResult(asset_key=RAW_A, check_name=source_test.name, passed=passed)
        if PREP in context.selected_asset_keys and passed:
            yield dg.MaterializeResult(asset_key=PREP)
            yield dg.AssetCheckResult(asset_key=PREP, check_name="unique", passed=True)

    return apply_automation_policy(dg.Definitions(assets=[raw_tables, dbt_like]))


def test_a_failing_source_test_holds_the_models_back_until_the_table_is_fixed():
    passes = {"value": True}
    defs = small_graph(passes)
    graph = defs.resolve_asset_graph()
    job = defs.resolve_implicit_global_asset_job_def()
    source_test = dg.AssetCheckKey(RAW_A, "source_not_null")
    with dg.instance_for_test() as instance:

        def tick(cursor):
            result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
            return requests(defs, result), result.cursor

        def run(request: dg.RunRequest) -> None:
            subset = job.get_subset(
                asset_selection=set(request.asset_selection),
                asset_check_selection=set(request.asset_check_keys),
            )
            subset.execute_in_process(instance=instance, raise_on_error=False)

        def landing_run(key):  # the landing sensor's run: raw and raw's own checks
            own = {dg.AssetCheckKey(RAW_A, "pandera_schema")} if key == RAW_A else set()
            subset = job.get_subset(asset_selection={key}, asset_check_selection=own)
            subset.execute_in_process(instance=instance)

        job.get_subset(asset_selection={RAW_A, RAW_B, PREP}).execute_in_process(instance=instance)
        pending, cursor = tick(None)
        assert pending == []

        # A bad delivery of orders: the source test runs with the model in one run, fails, and the
        # model is not built.
        passes["value"] = False
        landing_run(RAW_A)
        pending, cursor = tick(cursor)
        (request,) = pending
        assert set(request.asset_selection) == {PREP}
        assert set(request.asset_check_keys) == {source_test, dg.AssetCheckKey(PREP, "unique")}
        before = instance.get_latest_materialization_event(PREP)
        run(request)
        assert instance.get_latest_materialization_event(PREP).run_id == before.run_id

        # Customers update: the model would be due, but the failed source test holds it back.
        landing_run(RAW_B)
        pending, cursor = tick(cursor)
        assert pending == []
        assert graph.get(source_test).blocking

        # A corrected orders export: its source test runs again with the model, which is built.
        passes["value"] = True
        landing_run(RAW_A)
        pending, cursor = tick(cursor)
        (request,) = pending
        assert set(request.asset_selection) == {PREP} and source_test in request.asset_check_keys
        run(request)
        assert instance.get_latest_materialization_event(PREP).run_id != before.run_id
        pending, cursor = tick(cursor)
        assert pending == []
