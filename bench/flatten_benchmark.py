"""Service Ping raw load + flatten against the DuckDB scan floor, on N synthetic payloads.

    .venv/bin/python bench/flatten_benchmark.py --payloads 2000
    .venv/bin/python bench/flatten_benchmark.py --payloads 10000

Generates a landing zone with about N payloads of ~64 KB (the synthetic generator with 2,500
undocumented keys per payload) under --work-dir, then measures in one run:

  floor    select count(*) from read_ndjson_objects([...]) (read_json_objects for the .json files)
           over the same files: DuckDB reading the JSON and nothing else (best of three);
  raw load the platform's loader (usage_platform.sources: landing files hashed, read, staged and
           appended to raw.service_ping_payloads, connection closed so the data is on disk);
  flatten  `dbt run --select prep_ping_instance_flattened` in a subprocess, as Dagster runs it:
           the process's wall time, and the model's own time from dbt's run_results.json.

and the floors of the two writes no flatten can avoid, each in its own process:

  raw write   the payload documents as read_json_objects yields them, written into a new DuckDB
              file (create table as + checkpoint): storing the JSON, nothing else;
  leaf write  the flattened rows, copied from an in-memory table into a new table of the same
              columns (create table as + checkpoint): storing the leaves, nothing else.

Before the flatten, the other inputs (metric definitions, IP-to-geo, their models, the
prep_ping_payload view) are loaded and built untimed. The malformed `*_interrupted.ndjson`
files the generator plants are deleted first: the loader quarantines them, and the floor's
read_ndjson_objects would fail on them. See bench/README.md for recorded results.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from usage_platform.settings import DBT_PROJECT_DIR, Settings  # noqa: E402
from usage_platform.sources.catalog import raw_tables  # noqa: E402
from usage_platform.sources.landing import find_landing_files  # noqa: E402
from usage_platform.sources.load_duckdb import DuckDBRawLoader  # noqa: E402

# The generator's instances ping weekly; over six months each sends about this many payloads.
PAYLOADS_PER_INSTANCE = 23.2
FLATTENED = "prep_ping_instance_flattened"


@dataclass
class Measure:
    wall: float
    cpu: float
    max_rss_mb: float = 0.0


def timed(action) -> tuple[object, Measure]:
    """Run `action` in this process: wall and CPU time."""
    before, started = os.times(), time.perf_counter()
    result = action()
    after = os.times()
    return result, Measure(
        time.perf_counter() - started, after.user - before.user + after.system - before.system
    )


def run_child(command: list[str], env: dict[str, str], cwd: Path) -> tuple[Measure, str]:
    """Run a subprocess: wall time, CPU time and peak RSS of that very process (wait4; this
    process stays small, so the RSS a child inherits when forked does not count), and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{output[-3000:]}")
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), output


def run_step(step: str, settings_env: dict[str, str]) -> tuple[Measure, dict]:
    """One step of this script in a child process: the time the step itself took (measured in
    the child, interpreter start and imports left out), the child's peak RSS, and its result."""
    env = {**os.environ, **settings_env}
    process, output = run_child([sys.executable, __file__, "--step", step], env, REPO)
    result = json.loads(output.strip().splitlines()[-1])
    return Measure(result.pop("wall"), result.pop("cpu"), process.max_rss_mb), result


def generate_landing(out: Path, payloads: int, seed: int) -> None:
    """The landing zone, generated in a child process (its memory is not the loader's)."""
    if (out / ".complete").exists():
        return
    shutil.rmtree(out, ignore_errors=True)
    instances = max(10, math.ceil(payloads / PAYLOADS_PER_INSTANCE))
    code = (
        "from pathlib import Path; from usage_platform.synthetic import generate; "
        f"print(generate(Path({str(out)!r}), instances={instances}, months=6, seed={seed}, "
        "extra_keys=2500).describe())"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
    for malformed in out.glob("service_ping/*/*_interrupted.ndjson"):
        malformed.unlink()
    (out / ".complete").touch()


def ping_files(settings: Settings) -> list[Path]:
    return sorted(p for p in (settings.landing_dir / "service_ping").glob("*/*") if p.is_file())


def scan_floor(files: list[Path]) -> dict:
    """The floor, best of three runs: DuckDB reading the files' JSON objects, nothing else."""
    ndjson = [str(f) for f in files if ".ndjson" in f.name]
    documents = [str(f) for f in files if ".ndjson" not in f.name]
    reads = [f"(select count(*) from read_ndjson_objects({ndjson}))"] if ndjson else []
    reads += [f"(select count(*) from read_json_objects({documents}))"] if documents else []
    query = f"select {' + '.join(reads)}"
    with duckdb.connect() as conn:
        runs = [timed(lambda: conn.execute(query).fetchone()[0]) for _ in range(3)]
    best = min((measure for _, measure in runs), key=lambda m: m.wall)
    return {"documents": runs[0][0], "wall": best.wall, "cpu": best.cpu}


def documents_query(files: list[Path], select: str) -> str:
    """`select` over every JSON document of the files (`json` is the document)."""
    ndjson = [str(f) for f in files if ".ndjson" in f.name]
    documents = [str(f) for f in files if ".ndjson" not in f.name]
    reads = [f"select {select} from read_ndjson_objects({ndjson})"] if ndjson else []
    reads += [f"select {select} from read_json_objects({documents})"] if documents else []
    return " union all ".join(reads)


def raw_write_floor(settings: Settings, files: list[Path]) -> dict:
    """Storing the documents and nothing else: read, written into a new file, checkpointed."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "raw_write_floor.duckdb"
    path.unlink(missing_ok=True)

    def write() -> int:
        with duckdb.connect(str(path)) as conn:
            # Written once, at commit, as the loader does (a checkpoint instead of a WAL entry).
            conn.execute("set checkpoint_threshold = '0 bytes'")
            conn.execute("set auto_checkpoint_skip_wal_threshold = 0")
            conn.execute(f"create table documents as {documents_query(files, 'json')}")
            return conn.execute("select count(*) from documents").fetchone()[0]

    documents, measure = timed(write)
    path.unlink()
    return {"documents": documents, "wall": measure.wall, "cpu": measure.cpu}


def leaf_write_floor(settings: Settings) -> dict:
    """Storing the flattened rows and nothing else: copied from memory into a new table."""
    path = settings.data_dir / "leaf_write_floor.duckdb"
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as conn:
        conn.execute(f"attach '{settings.duckdb_path}' as warehouse (read_only)")
        conn.execute(f"create temp table leaves as select * from warehouse.prep.{FLATTENED}")
        conn.execute("detach warehouse")

        def write() -> int:
            conn.execute("set preserve_insertion_order = false")  # as the flatten writes them
            conn.execute("create table copied as select * from leaves")
            conn.execute("checkpoint")
            return conn.execute("select count(*) from copied").fetchone()[0]

        rows, measure = timed(write)
    path.unlink()
    return {"rows": rows, "wall": measure.wall, "cpu": measure.cpu}


def load_raw(settings: Settings, table_names: list[str]) -> int:
    """The platform's raw load of these tables; closing the connection checkpoints to disk."""
    tables = {table.table: table for table in raw_tables()}
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        loader = DuckDBRawLoader(conn, run_id="benchmark")
        for name in table_names:
            files = find_landing_files(settings, tables[name])
            rows += loader.load(tables[name], files).rows_loaded if files else 0
    return rows


def dbt_command(executable: str, *arguments: str, target: Path) -> list[str]:
    return [executable, *arguments, "--target-path", str(target), "--log-path", str(target / "logs")]


def settings_env(work_dir: Path, payloads: int, seed: int) -> dict[str, str]:
    run_dir = work_dir / f"run-{payloads}"
    return {
        "USAGE_PLATFORM_DATA_DIR": str(run_dir),
        "USAGE_PLATFORM_LANDING_DIR": str(work_dir / f"landing-{payloads}-{seed}"),
        "DAGSTER_HOME": str(run_dir / "dagster_home"),
    }


def child_step(step: str) -> None:
    """A measured step, run in a child process: prints its result as one JSON line."""
    settings = Settings.from_env(dict(os.environ))
    if step == "floor":
        print(json.dumps(scan_floor(ping_files(settings))))
        return
    if step == "raw-write-floor":
        print(json.dumps(raw_write_floor(settings, ping_files(settings))))
        return
    if step == "leaf-write-floor":
        print(json.dumps(leaf_write_floor(settings)))
        return
    others = [t.table for t in raw_tables() if t.table != "service_ping_payloads"]
    steps = {
        "raw-load": lambda: {"payloads": load_raw(settings, ["service_ping_payloads"])},
        "other-sources": lambda: {"rows": load_raw(settings, others)},
        "payload-view": lambda: {"pings": count_view(settings)},
    }
    result, measure = timed(steps[step])
    print(json.dumps({**result, "wall": measure.wall, "cpu": measure.cpu}))


def count_view(settings: Settings) -> int:
    """The view as the flatten reads it: every ping's payload."""
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return conn.execute(
            "select count(*) from prep.prep_ping_payload where length(payload::varchar) > 0"
        ).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payloads", type=int, default=2000, help="about how many payloads to generate")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/usage_platform_bench"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="also append the results as one JSON line to this file")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        return child_step(args.step)
    from usage_platform.dbt.project import dbt_env, dbt_executable  # dagster: only where dbt runs

    env_overrides = settings_env(args.work_dir, args.payloads, args.seed)
    settings = Settings.from_env(env_overrides)
    generate_landing(settings.landing_dir, args.payloads, args.seed)
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    files = ping_files(settings)

    floor, scanned = run_step("floor", env_overrides)
    raw_floor, _ = run_step("raw-write-floor", env_overrides)
    raw, loaded = run_step("raw-load", env_overrides)
    # The flatten's other inputs, untimed: the other (small) sources and the models it reads.
    run_step("other-sources", env_overrides)
    env = {**os.environ, **dbt_env(settings)}
    target = settings.data_dir / "dbt_target"
    upstream = ["--select", f"+{FLATTENED}", "--exclude", FLATTENED, "--exclude-resource-type", "test"]
    run_child(dbt_command(dbt_executable(), "build", *upstream, target=target), env, DBT_PROJECT_DIR)
    view, _ = run_step("payload-view", env_overrides)
    flatten, _ = run_child(
        dbt_command(dbt_executable(), "run", "--select", FLATTENED, target=target), env, DBT_PROJECT_DIR
    )

    leaf_floor, _ = run_step("leaf-write-floor", env_overrides)
    results = json.loads((target / "run_results.json").read_text())["results"]
    model_seconds = next(r["execution_time"] for r in results if r["unique_id"].endswith(FLATTENED))
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        rows, pings = conn.execute(
            f"select count(*), count(distinct dim_ping_instance_id) from prep.{FLATTENED}"
        ).fetchone()
        payload_bytes = conn.execute(
            "select sum(length(payload::varchar)) from raw.service_ping_payloads"
        ).fetchone()[0]

    work = raw.wall + model_seconds
    report = {
        "payloads_requested": args.payloads,
        "files": len(files),
        "landing_mb": round(sum(f.stat().st_size for f in files) / 1e6, 1),
        "documents": scanned["documents"],
        "payloads_loaded": loaded["payloads"],
        "payload_mb": round(payload_bytes / 1e6, 1),
        "pings_flattened": pings,
        "leaf_rows": rows,
        "floor_s": round(floor.wall, 2),
        "floor_cpu_s": round(floor.cpu, 2),
        "raw_load_s": round(raw.wall, 2),
        "raw_load_cpu_s": round(raw.cpu, 2),
        "raw_load_peak_rss_mb": round(raw.max_rss_mb),
        "flatten_model_s": round(model_seconds, 2),
        "flatten_dbt_process_s": round(flatten.wall, 2),
        "flatten_dbt_cpu_s": round(flatten.cpu, 2),
        "flatten_dbt_peak_rss_mb": round(flatten.max_rss_mb),
        "payload_view_alone_s": round(view.wall, 2),
        "payload_view_alone_peak_rss_mb": round(view.max_rss_mb),
        "raw_write_floor_s": round(raw_floor.wall, 2),
        "raw_write_floor_cpu_s": round(raw_floor.cpu, 2),
        "leaf_write_floor_s": round(leaf_floor.wall, 2),
        "leaf_write_floor_cpu_s": round(leaf_floor.cpu, 2),
        "ratio_write_floors": round((raw_floor.wall + leaf_floor.wall) / floor.wall, 1),
        "ratio_raw_load_plus_model": round(work / floor.wall, 1),
        "ratio_raw_load_plus_dbt_process": round((raw.wall + flatten.wall) / floor.wall, 1),
        "ratio_cpu": round((raw.cpu + flatten.cpu) / floor.cpu, 1),
        "leaf_rows_per_s": round(rows / work),
        "cores": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    width = max(len(key) for key in report)
    print("\n".join(f"{key:<{width}}  {value}" for key, value in report.items()))
    if args.json:
        with args.json.open("a") as handle:
            handle.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
