"""What one more week of Service Ping costs after a full build, against its share of a full refresh.

    .venv/bin/python bench/incremental_benchmark.py [--instances 300] [--extra-keys 2500]
        [--work-dir /tmp/usage_platform_incremental_bench] [--json results.jsonl] [--profile week.pstats]
        [--profile-landing landing.pstats]
        [--without-dbt-tests]   (an experiment: the week without its dbt tests, a floor)
        [--keep]   (keep the run's two warehouses under --work-dir, to query them afterwards)

One synthetic landing zone (two months ending 2026-10-31, about 8.7 weeks of receipts) is generated
once under --work-dir; its last week of Service Ping folders (receipts 2026-10-25..31) is held back
as "the new week". Then, in one run, with the platform's own definitions executed in-process:

1. history: a warehouse is built from everything but the new week (all raw tables, every dbt model
   and test), timed for information;
2. full refresh: a second, empty warehouse is built from the whole zone (history + new week);
3. one more week: the new week is dropped into the first warehouse's landing zone and the runs the
   automation launches are executed: the landing sensor's (raw.service_ping_payloads and raw's
   own checks, as its run request selects them) and the one run the automation policy then
   requests, found by evaluating the platform's automation conditions over the history's Dagster
   instance (every asset downstream with its checks and the table's dbt source tests, one dbt
   invocation; a delivery within the hour, so not the hourly rebuild of the trusted-data views).

The new week's share of the full refresh is full_refresh_s x (payloads received in the new week /
all payloads), counted in the full-refresh warehouse. Target: one_more_week_s <= 1.5 x share.
Process start-up and definitions loading are outside the timings (a daemon-launched run pays them
once per run). Each warehouse has its own dbt target folder, as a deployment has: its manifest is
parsed when its definitions first load, before anything is timed.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import shutil
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

END_DATE = dt.date(2026, 10, 31)
NEW_WEEK_FROM = END_DATE - dt.timedelta(days=6)
TARGET_RATIO = 1.5
PING_KEY = ("raw", "service_ping_payloads")


def prepare_zone(work: Path, instances: int, extra_keys: int) -> tuple[Path, Path]:
    """(history landing zone, folder of the new week's Service Ping folders), generated once."""
    from usage_platform.synthetic import generate

    zone = work / f"zone_i{instances}_k{extra_keys}"
    history, new_week = zone / "history", zone / "new_week"
    if not (zone / "done").exists():
        shutil.rmtree(zone, ignore_errors=True)
        started = time.monotonic()
        summary = generate(
            history, instances=instances, months=2, seed=42, end_date=END_DATE, extra_keys=extra_keys
        )
        new_week.mkdir(parents=True)
        for folder in sorted((history / "service_ping").iterdir()):
            if dt.date.fromisoformat(folder.name) >= NEW_WEEK_FROM:
                folder.rename(new_week / folder.name)
        (zone / "done").write_text(summary.describe())
        print(f"generated {zone} in {time.monotonic() - started:.0f}s", flush=True)
    print((zone / "done").read_text(), flush=True)
    return history, new_week


def settings_for(data_dir: Path, landing: Path):
    from usage_platform.settings import Settings

    return Settings.from_env(
        {
            "USAGE_PLATFORM_DATA_DIR": str(data_dir),
            "USAGE_PLATFORM_LANDING_DIR": str(landing),
            "DAGSTER_HOME": str(data_dir / "dagster_home"),
        }
    )


def dbt_timings(run_id: str) -> dict:
    """What dbt itself logged for the run's invocation (dbt.log in its folder; the platform runs dbt
    with --no-write-json, so there is no run_results.json): the command's wall time, from its start
    to its end (parse included), and the slowest nodes."""
    target = Path(os.environ["DBT_TARGET_PATH"])
    found = sorted(target.glob(f"usage_platform_dbt-{run_id[:7]}-*"))
    if not found:
        return {}
    nodes, command_s = [], None
    for log in sorted(found[-1].glob("dbt.log*"), reverse=True):  # dbt.log.1 (rotated) first
        for line in log.read_text().splitlines():
            event = json.loads(line) if line.startswith("{") else {}
            name = event.get("info", {}).get("name")
            if name == "NodeFinished":
                data = event["data"]
                node = data["node_info"]
                nodes.append((node["unique_id"], node["resource_type"], data["run_result"]["execution_time"]))
            elif name == "CommandCompleted":
                command_s = event["data"]["elapsed"]
    nodes.sort(key=lambda node: -node[2])
    tests = [seconds for _, kind, seconds in nodes if kind == "test"]
    return {
        "dbt_command_s": None if command_s is None else round(command_s, 2),
        "dbt_nodes": len(nodes),
        "dbt_nodes_s": round(sum(seconds for _, _, seconds in nodes), 2),
        "dbt_tests": len(tests),
        "dbt_tests_s": round(sum(tests), 2),
        "slowest": {unique_id.split(".")[-1]: round(seconds, 2) for unique_id, _, seconds in nodes[:4]},
    }


def materialize(
    settings,
    selection,
    label: str,
    profile: Path | None = None,
    checks=None,
    instance=None,
) -> tuple[float, dict]:
    """Execute the selection (None: everything; else a set of asset keys) in-process, as one run;
    returns its wall time and dbt's own timings. `checks` are the checks to run (default: every
    check of the selected assets). `instance`: the Dagster instance (default: a new ephemeral one).
    With `profile`, the run is profiled (cProfile; the dbt subprocess is not) and the stats are
    written there."""
    import cProfile

    import dagster as dg

    from usage_platform.definitions import MATERIALIZE_ALL_JOB, build_definitions

    # Each warehouse is a deployment of its own, with its own dbt target folder (manifest and
    # partial-parse state): parsed when its definitions first load, untimed.
    os.environ["DBT_TARGET_PATH"] = str(settings.data_dir / "dbt_target")
    defs = build_definitions(settings)
    job = defs.resolve_job_def(MATERIALIZE_ALL_JOB)
    keys = None if selection is None else sorted(selection)
    if checks is not None:
        job = job.get_subset(asset_selection=set(keys), asset_check_selection=set(checks))
    profiler = cProfile.Profile() if profile else None
    started = time.monotonic()
    if profiler:
        profiler.enable()
    instance = instance or dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        instance=instance,
        asset_selection=keys if checks is None else None,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    elapsed = time.monotonic() - started
    if not result.success:
        raise SystemExit(f"{label}: the run failed")
    dbt = dbt_timings(result.run_id)
    # What the run wrote to the event log, by type (log lines without a Dagster event as "log").
    events = collections.Counter(
        entry.dagster_event.event_type_value if entry.dagster_event else "log"
        for entry in instance.all_logs(result.run_id)
    )
    dbt["events"] = sum(events.values())
    dbt["events_by_type"] = dict(events.most_common())
    dbt["slowest_steps"] = step_seconds(instance, result.run_id, 6)
    dbt["rows_checked"] = rows_checked(instance, result.run_id)
    print(
        f"{label}: {elapsed:.1f}s ({len(keys) if keys is not None else 'all'} assets) dbt: {dbt}", flush=True
    )
    return elapsed, dbt


def step_seconds(instance, run_id: str, top: int) -> dict[str, float]:
    """The run's slowest steps, from their start to their end event: where a run's time went
    outside dbt (the raw load, the Pandera and SQL checks, the history)."""
    started, seconds = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[entry.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and entry.step_key in started:
            seconds[entry.step_key] = round(entry.timestamp - started[entry.step_key], 2)
    return dict(sorted(seconds.items(), key=lambda item: -item[1])[:top])


def rows_checked(instance, run_id: str) -> dict[str, int]:
    """Rows each check of the run read, where it says (`rows_validated` of the Pandera checks,
    `rows_checked` of the scoped SQL checks): whether a delivery's checks read what it changed."""
    found = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.event_specific_data
        for name in ("rows_validated", "rows_checked"):
            if name in evaluation.metadata:
                found[evaluation.asset_check_key.to_user_string()] = evaluation.metadata[name].value
    return found


def payload_counts(settings) -> tuple[int, int]:
    """(payloads received in the new week, all payloads) in a built warehouse."""
    import duckdb

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        new, total = conn.execute(
            "select count(*) filter (where _receipt_date >= ?), count(*) from raw.service_ping_payloads",
            [NEW_WEEK_FROM],
        ).fetchone()
    return new, total


def one_more_week(
    settings, new_week: Path, instance, *, profile=None, profile_landing=None, without_dbt_tests=False
) -> tuple[float, dict, float, dict]:
    """Drop the new week into the built history's landing zone and execute the two runs the
    automation launches: the landing sensor's, then the one the automation policy requests (found
    by evaluating the platform's automation conditions over `instance`, the history's Dagster
    instance). Returns (landing run s, its dbt timings, automation run s, its dbt timings)."""
    import dagster as dg
    from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests

    from usage_platform.definitions import build_definitions
    from usage_platform.sources.catalog import raw_tables
    from usage_platform.trusted_data.raw_checks import raw_check_specs

    # The automation policy's view of the built history: nothing due.
    os.environ["DBT_TARGET_PATH"] = str(settings.data_dir / "dbt_target")
    defs = build_definitions(settings)
    # Evaluation times after every event (the evaluation reads events up to its time), both within
    # one hour: a delivery that is not the hour's first (that one also rebuilds the trusted-data views).
    now = dt.datetime.now(dt.UTC).replace(minute=5, second=0, microsecond=0) + dt.timedelta(hours=1)
    baseline = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=now)
    if baseline.total_requested:
        raise SystemExit(f"the built history is not settled: {baseline.total_requested} requested")

    for folder in new_week.iterdir():
        shutil.copytree(folder, settings.landing_dir / "service_ping" / folder.name)

    (ping_table,) = [table for table in raw_tables() if table.table == PING_KEY[1]]
    own_checks = {spec.key for spec in raw_check_specs(ping_table)}
    load_s, load_dbt = materialize(
        settings,
        {dg.AssetKey(list(PING_KEY))},
        "one more week: landing sensor's run",
        profile=profile_landing,
        checks=own_checks,  # what the landing sensor's run request selects
        instance=instance,
    )
    due = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, cursor=baseline.cursor, evaluation_time=now + dt.timedelta(minutes=1)
    )
    (request,) = build_run_requests(list(due._requested_subsets), defs.resolve_asset_graph(), None, False)
    week_checks = set(request.asset_check_keys)
    if without_dbt_tests:
        dbt_tests = {
            key
            for a in defs.resolve_asset_graph().assets_defs
            if a.is_executable and a.node_def.name.endswith("_dbt")
            for key in a.check_keys
        }
        week_checks -= dbt_tests
    downstream_s, downstream_dbt = materialize(
        settings,
        set(request.asset_selection),
        "one more week: automation's run",
        profile=profile,
        checks=week_checks,
        instance=instance,
    )
    return load_s, load_dbt, downstream_s, downstream_dbt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--extra-keys", type=int, default=2500)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/usage_platform_incremental_bench"))
    parser.add_argument(
        "--memory-limit",
        default="8GB",
        help="USAGE_PLATFORM_DUCKDB_MEMORY_LIMIT for dbt (the 4GB default runs out of memory on a full "
        "build of a few thousand payloads: two dbt threads share it)",
    )
    parser.add_argument("--json", type=Path, help="append the results as one JSON line")
    parser.add_argument(
        "--profile",
        type=Path,
        help="write cProfile stats of the automation's run (one more week) to this file (pstats)",
    )
    parser.add_argument(
        "--profile-landing",
        type=Path,
        help="write cProfile stats of the landing sensor's run (one more week) to this file (pstats)",
    )
    parser.add_argument(
        "--without-dbt-tests",
        action="store_true",
        help="an experiment, not a configuration of the platform: the week's automation run without "
        "its dbt tests (every other check still runs), to see the floor a delivery has without them",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the run's folder (both warehouses, their landing zones and dbt targets) under "
        "--work-dir instead of deleting it",
    )
    args = parser.parse_args(argv)

    work = args.work_dir.resolve()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ["USAGE_PLATFORM_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    history, new_week = prepare_zone(work, args.instances, args.extra_keys)

    import dagster as dg

    run_dir = work / f"run_{int(time.time())}"
    incremental = settings_for(run_dir / "incremental", run_dir / "incremental" / "landing")
    full = settings_for(run_dir / "full", run_dir / "full" / "landing")
    shutil.copytree(history, incremental.landing_dir)
    shutil.copytree(history, full.landing_dir)
    for folder in new_week.iterdir():
        shutil.copytree(folder, full.landing_dir / "service_ping" / folder.name)

    instance = dg.DagsterInstance.ephemeral()  # the incremental warehouse's history, as a daemon keeps it
    history_s, _ = materialize(incremental, None, "history (everything but the new week)", instance=instance)
    full_s, full_dbt = materialize(full, None, "full refresh (history + new week, empty warehouse)")

    load_s, load_dbt, downstream_s, downstream_dbt = one_more_week(
        incremental,
        new_week,
        instance,
        profile=args.profile,
        profile_landing=args.profile_landing,
        without_dbt_tests=args.without_dbt_tests,
    )

    new_payloads, all_payloads = payload_counts(full)
    share_s = full_s * new_payloads / all_payloads
    week_s = load_s + downstream_s
    results = {
        "instances": args.instances,
        "extra_keys": args.extra_keys,
        "memory_limit": args.memory_limit,
        "payloads": all_payloads,
        "new_week_payloads": new_payloads,
        "history_s": round(history_s, 2),
        "full_refresh_s": round(full_s, 2),
        "one_more_week_s": round(week_s, 2),
        "one_more_week_load_s": round(load_s, 2),
        "one_more_week_downstream_s": round(downstream_s, 2),
        "share_of_full_refresh_s": round(share_s, 2),
        "ratio": round(week_s / share_s, 2),
        "target": TARGET_RATIO,
        "without_dbt_tests": args.without_dbt_tests,
        "dbt_full_refresh": full_dbt,
        "dbt_one_more_week_load": load_dbt,
        "dbt_one_more_week_downstream": downstream_dbt,
    }
    print(json.dumps(results, indent=2))
    verdict = "met" if results["ratio"] <= TARGET_RATIO else "NOT met"
    print(
        f"one more week = {results['ratio']}x its share of a full refresh "
        f"(target <= {TARGET_RATIO}x: {verdict})"
    )
    if args.json:
        with args.json.open("a") as handle:
            handle.write(json.dumps(results) + "\n")
    if args.keep:
        print(f"kept {run_dir}")
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
