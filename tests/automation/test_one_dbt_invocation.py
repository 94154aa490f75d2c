"""One dbt invocation per delivery: the landing run loads raw and runs raw's own checks only; the
dbt source tests of the loaded table are requested by the automation policy together with the
models downstream (so `dbt build` runs them first, once), and a failing one holds those models back.

The policy is evaluated over the real definitions, with the history recorded as events."""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import dagster as dg
import pytest
from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests

from usage_platform.automation.automation import (
    HISTORY_TEST_CONDITION,
    HISTORY_VIEW_CONDITION,
    MODEL_TEST_CONDITION,
    SOURCE_TEST_CONDITION,
    apply_automation_policy,
    history_view_test_condition,
)
from usage_platform.automation.sensors import landing_sensor
from usage_platform.sources.catalog import load_catalog
from usage_platform.trusted_data.history import HISTORY_KEYS
from usage_platform.trusted_data.raw_checks import RAW_CHECK_NAMES
from usage_platform.trusted_data.summary import REPORT_KEYS, SUMMARY_KEY, TRUSTED_DBT_NAME

PING = dg.AssetKey(["raw", "service_ping_payloads"])
DBT_ASSETS = "usage_platform_dbt"


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    from tests.conftest import settings_for
    from usage_platform.definitions import build_definitions

    return build_definitions(settings_for(tmp_path_factory.mktemp("one_dbt") / "data"))


def dbt_check_keys(defs: dg.Definitions, name: str = DBT_ASSETS) -> set[dg.AssetCheckKey]:
    graph = defs.resolve_asset_graph()
    (dbt,) = [a for a in graph.assets_defs if a.is_executable and a.node_def.name == name]
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
    # The views on the check history, their tests, and the history tables' source tests.
    history_tests = dbt_check_keys(defs, TRUSTED_DBT_NAME)
    assert {key.asset_key for key in history_tests} >= {*REPORT_KEYS, *HISTORY_KEYS}
    with_view = history_view_test_condition(HISTORY_KEYS)
    for key in history_tests:
        expected = HISTORY_TEST_CONDITION if key.asset_key in HISTORY_KEYS else with_view
        assert graph.get(key).automation_condition == expected, key.to_user_string()
    assert {graph.get(key).automation_condition for key in REPORT_KEYS} == {HISTORY_VIEW_CONDITION}
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


def assert_one_dbt_step_of_models_and_source_tests(defs, assets, checks, history_tests) -> None:
    """A delivery of PING: its source tests with the models downstream, no second dbt step."""
    graph = defs.resolve_asset_graph()
    downstream = {key for key in assets if graph.get(key).group_name != "raw"}
    assert dg.AssetKey(["prep", "prep_ping_payload"]) in downstream
    assert dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid"]) in downstream
    assert PING not in assets
    # The source tests of the updated table, and no other raw table's.
    assert source_test_keys(defs, PING) <= checks
    on_raw = {key for key in checks if graph.get(key.asset_key).group_name == "raw"}
    assert on_raw == source_test_keys(defs, PING)
    # Every check of every requested asset still runs: dbt tests and the checks beside them; only
    # the history tables' dbt tests wait for the hourly run of the trusted-data dbt step.
    assert graph.get_check_keys_for_assets(assets) - history_tests <= checks
    assert any(key not in dbt_check_keys(defs) for key in checks)  # Pandera / SQL / export checks
    # The history and the summary follow; the views on the history are not rebuilt (no second dbt
    # step): neither they nor any test of the trusted-data dbt step is requested.
    assert {*HISTORY_KEYS, SUMMARY_KEY} <= assets
    assert assets.isdisjoint(REPORT_KEYS)
    assert checks.isdisjoint(history_tests)


def test_a_raw_update_requests_its_source_tests_with_the_models_downstream_in_one_run(defs):
    # ...and, at the first delivery of each hour, the views on the check history with their tests;
    # another source system's delivery requests its own source tests only.
    graph = defs.resolve_asset_graph()
    history_tests = dbt_check_keys(defs, TRUSTED_DBT_NAME)
    hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    with dg.instance_for_test() as instance:
        record_history(instance, graph)

        def tick(cursor, at: dt.datetime):
            return dg.evaluate_automation_conditions(
                defs=defs, instance=instance, cursor=cursor, evaluation_time=at
            )

        def delivery(cursor, at: dt.datetime, settle: bool = True, key: dg.AssetKey = PING):
            """A new file of `key` loaded, the automation's tick at `at`, its run (recorded as
            succeeded), and (`settle`) the next tick a minute later, which requests nothing."""
            load_raw(instance, key)
            result = tick(cursor, at)
            (request,) = requests(defs, result)
            for key in request.asset_selection:
                instance.report_runless_asset_event(dg.AssetMaterialization(key))
            for check in request.asset_check_keys:
                evaluation = dg.AssetCheckEvaluation(
                    asset_key=check.asset_key, check_name=check.name, passed=True
                )
                instance.report_runless_asset_event(evaluation)
            if not settle:
                return set(request.asset_selection), set(request.asset_check_keys), result.cursor
            idle = tick(result.cursor, at + dt.timedelta(minutes=1))
            assert idle.total_requested == 0
            return set(request.asset_selection), set(request.asset_check_keys), idle.cursor

        baseline = tick(None, hour + dt.timedelta(minutes=5))
        assert baseline.total_requested == 0
        assets, checks, cursor = delivery(baseline.cursor, hour + dt.timedelta(minutes=10))  # one run
        assert_one_dbt_step_of_models_and_source_tests(defs, assets, checks, history_tests)
        # The next hour's first delivery: the views are rebuilt after the history, in the same run,
        # with their tests and the history tables' tests (one dbt step for all of them).
        next_hour = hour + dt.timedelta(hours=1)
        assets, checks, cursor = delivery(cursor, next_hour + dt.timedelta(minutes=2))
        assert {*REPORT_KEYS, *HISTORY_KEYS, SUMMARY_KEY} <= assets
        assert checks >= history_tests
        # ...once that hour.
        assets, checks, cursor = delivery(cursor, next_hour + dt.timedelta(minutes=30))
        assert_one_dbt_step_of_models_and_source_tests(defs, assets, checks, history_tests)

        # Another source system's delivery: its own source tests, not the ping table's; then
        # nothing new, nothing requested (the settling tick).
        releases = dg.AssetKey(["raw", "releases_releases"])
        at = next_hour + dt.timedelta(minutes=40)
        assets, checks, cursor = delivery(cursor, at, key=releases)
        on_raw = {key for key in checks if graph.get(key.asset_key).group_name == "raw"}
        assert on_raw == source_test_keys(defs, releases) != set()


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
