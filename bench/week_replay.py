"""One more week, replayed on copies of one built history: the week alone, as often as wanted.

    .venv/bin/python bench/week_replay.py history [--instances 10000] [--extra-keys 200] [--memory-limit 12GB]
    .venv/bin/python bench/week_replay.py week [--repeat 3] [--profile week.pstats]
        [--profile-landing landing.pstats] [--json results.jsonl]

For profiling and comparing what a week costs, without building the history in every run
(incremental_benchmark.py builds it, and a full refresh, in each run: about ten minutes at 10,000
instances). `history` builds the history of incremental_benchmark.py's landing zone (the same
zone under --work-dir, without its new week) into `<work-dir>/replay/live`, with a Dagster
instance on disk, and keeps a copy as `<work-dir>/replay/snapshot`. `week` copies the snapshot
back to `live` (the path it was built at, so dbt's partial-parse state holds) and executes the
week as incremental_benchmark.py does (`one_more_week`), --repeat times.

Not the benchmark's measurement: there is no full refresh here, so no ratio; and the Dagster
instance is on disk (SQLite, as a deployment's), where the benchmark's is in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from incremental_benchmark import materialize, one_more_week, prepare_zone, settings_for


def instance_at(dagster_home: Path):
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    dagster_home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("history", "week"))
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--extra-keys", type=int, default=200)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/usage_platform_incremental_bench"))
    parser.add_argument("--memory-limit", default="12GB", help="USAGE_PLATFORM_DUCKDB_MEMORY_LIMIT for dbt")
    parser.add_argument("--repeat", type=int, default=1, help="weeks to replay, each on a fresh copy")
    parser.add_argument("--profile", type=Path, help="cProfile stats of the (last) automation run")
    parser.add_argument("--profile-landing", type=Path, help="cProfile stats of the (last) landing run")
    parser.add_argument("--json", type=Path, help="append each week's timings as one JSON line")
    args = parser.parse_args(argv)

    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ["USAGE_PLATFORM_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    work = args.work_dir.resolve()
    history, new_week = prepare_zone(work, args.instances, args.extra_keys)
    zone = f"zone_i{args.instances}_k{args.extra_keys}"
    live, snapshot = work / "replay" / "live", work / "replay" / "snapshot"
    settings = settings_for(live, live / "landing")

    if args.mode == "history":
        shutil.rmtree(live, ignore_errors=True)
        shutil.copytree(history, settings.landing_dir)
        instance = instance_at(settings.dagster_home)
        seconds, _ = materialize(settings, None, "history (everything but the new week)", instance=instance)
        instance.dispose()
        shutil.rmtree(snapshot, ignore_errors=True)
        shutil.copytree(live, snapshot)
        (snapshot / "zone").write_text(zone)
        print(f"history built in {seconds:.1f}s; snapshot at {snapshot}")
        return 0

    if not (snapshot / "zone").is_file() or (snapshot / "zone").read_text() != zone:
        raise SystemExit(f"no snapshot of {zone} at {snapshot}: run `history` with the same options first")
    weeks = []
    for attempt in range(1, args.repeat + 1):
        shutil.rmtree(live, ignore_errors=True)
        shutil.copytree(snapshot, live)
        last = attempt == args.repeat
        instance = instance_at(settings.dagster_home)
        load_s, load, downstream_s, downstream = one_more_week(
            settings,
            new_week,
            instance,
            profile=args.profile if last else None,
            profile_landing=args.profile_landing if last else None,
        )
        instance.dispose()
        week = {
            "instances": args.instances,
            "one_more_week_s": round(load_s + downstream_s, 2),
            "one_more_week_load_s": round(load_s, 2),
            "one_more_week_downstream_s": round(downstream_s, 2),
            "dbt_one_more_week_load": load,
            "dbt_one_more_week_downstream": downstream,
        }
        weeks.append(week["one_more_week_s"])
        print(
            f"week {attempt}: {week['one_more_week_s']}s (landing {week['one_more_week_load_s']}s, "
            f"automation {week['one_more_week_downstream_s']}s, dbt command {downstream['dbt_command_s']}s)",
            flush=True,
        )
        if args.json:
            with args.json.open("a") as handle:
                handle.write(json.dumps(week) + "\n")
    print(f"weeks: {weeks}; median {statistics.median(weeks)}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
