"""`usage-platform`: generate a landing zone, materialize assets, run the demo.

    usage-platform generate --out DIR [--instances N] [--months M] [--seed S] [--end-date YYYY-MM-DD]
    usage-platform materialize [--select SELECTION]
    usage-platform summary
    usage-platform demo [--no-ui] [--instances N] [--months M] [--seed S]

Settings come from the environment (DESIGN.md §3); every command works with none set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from usage_platform.settings import DAGSTER_YAML, PROJECT_ROOT, Settings

UI_HOST = "127.0.0.1"
UI_PORT = 3000


# -- building blocks (importable, tested) ---------------------------------------------------
def prepare_dagster_home(settings: Settings) -> Path:
    """DAGSTER_HOME with the project's dagster.yaml (telemetry off, the DuckDB pool).

    A dagster.yaml someone wrote by hand is left alone; one the platform copied is refreshed.
    """
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    ours = DAGSTER_YAML.read_text()
    if not target.exists() or target.read_text().splitlines()[:1] == ours.splitlines()[:1]:
        if not target.exists() or target.read_text() != ours:
            shutil.copyfile(DAGSTER_YAML, target)
    else:
        print(
            f"note: keeping your own {target}; the project's settings are in {DAGSTER_YAML}", file=sys.stderr
        )
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def run_generate(out: Path, instances: int, months: int, seed: int, extra_keys: int, end_date: dt.date):
    from usage_platform.synthetic import generate

    started = time.monotonic()
    summary = generate(
        out, instances=instances, months=months, seed=seed, end_date=end_date, extra_keys=extra_keys
    )
    print(summary.describe())
    print(f"landing zone written to {out} in {time.monotonic() - started:.1f}s")
    return summary


def run_materialize(settings: Settings, selection: str | None = None):
    """Materialize the selection (default: everything) in-process; returns the run result."""
    import dagster as dg

    from usage_platform.definitions import MATERIALIZE_ALL_JOB, build_definitions

    prepare_dagster_home(settings)
    defs = build_definitions(settings)
    asset_keys = None
    if selection:
        asset_keys = sorted(dg.AssetSelection.from_string(selection).resolve(defs.resolve_asset_graph()))
        if not asset_keys:
            raise SystemExit(f"--select {selection!r} matches no asset")
    job = defs.resolve_job_def(MATERIALIZE_ALL_JOB)
    with dg.DagsterInstance.get() as instance:
        return job.execute_in_process(
            instance=instance,
            asset_selection=asset_keys,
            raise_on_error=False,
            # Dagster's step-by-step DEBUG events are in the UI; the terminal gets INFO and up.
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )


def failed_checks(result) -> list[str]:
    """Checks of ERROR severity that did not pass (WARN-level failures are reported, not fatal)."""
    import dagster as dg

    failures = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failures.append(evaluation.asset_check_key.to_user_string())
    return failures


def warehouse_summary(settings: Settings) -> str:
    """A short account of what the warehouse holds: tables per schema, the pump, quarantine."""
    import duckdb

    if not settings.duckdb_path.exists():
        return f"no warehouse yet at {settings.duckdb_path}"
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog') order by 1, 2"
        ).fetchall()
        lines = [f"warehouse: {settings.duckdb_path}"]
        by_schema: dict[str, list[tuple[str, int]]] = {}
        for schema, table in tables:
            rows = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            by_schema.setdefault(schema, []).append((table, rows))
        for schema, entries in by_schema.items():
            total = sum(rows for _, rows in entries)
            lines.append(f"  {schema}: {len(entries)} tables, {total:,} rows")
            if schema != "raw":  # the modelled layers are few enough to list
                lines.append("    " + ", ".join(f"{table} ({rows:,})" for table, rows in entries))
        if ("pumps", "pump_gainsight_metrics_monthly_paid") in tables:
            subscriptions, months, rows = conn.execute(
                "select count(distinct dim_subscription_id), count(distinct snapshot_month), count(*) "
                "from pumps.pump_gainsight_metrics_monthly_paid"
            ).fetchone()
            lines.append(
                f"Gainsight pump: {rows:,} rows, {subscriptions} paid subscriptions over {months} months "
                "(pumps.pump_gainsight_metrics_monthly_paid)"
            )
        if ("raw", "quarantine") in tables:
            quarantined = conn.execute("select count(*) from raw.quarantine").fetchone()[0]
            lines.append(f"quarantined files or records: {quarantined} (raw.quarantine)")
    lines.append(f"dagster instance: {settings.dagster_home}")
    return "\n".join(lines)


def serve_ui(settings: Settings) -> None:
    """Replace this process with `dagster dev` serving the whole graph on 127.0.0.1:3000."""
    prepare_dagster_home(settings)
    dagster = Path(sys.executable).with_name("dagster")
    command = [
        str(dagster),
        "dev",
        "-w",
        str(PROJECT_ROOT / "workspace.yaml"),
        "-h",
        UI_HOST,
        "-p",
        str(UI_PORT),
    ]
    print(f"serving the Dagster UI on http://{UI_HOST}:{UI_PORT} (Ctrl-C stops it)", flush=True)
    os.chdir(PROJECT_ROOT)
    os.execve(command[0], command, {**os.environ, **settings.as_env(), "DO_NOT_TRACK": "1"})


# -- commands -------------------------------------------------------------------------------
def _add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instances", type=int, default=40, help="self-managed instances (default 40)")
    parser.add_argument("--months", type=int, default=6, help="months of history (default 6)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--extra-keys", type=int, default=200, help="undocumented counters per payload")
    parser.add_argument(
        "--end-date",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 10, 31),
        help="last day (default 2026-10-31); a later one before the next month end keeps older ping folders",
    )


def _materialize_and_report(settings: Settings, selection: str | None) -> int:
    started = time.monotonic()
    result = run_materialize(settings, selection)
    checks = failed_checks(result)
    elapsed = time.monotonic() - started
    if not result.success:
        print(f"materialization FAILED after {elapsed:.0f}s (run {result.run_id})", file=sys.stderr)
        return 1
    if checks:
        print(f"{len(checks)} blocking check(s) failed: {', '.join(checks)}", file=sys.stderr)
        return 1
    print(f"materialized in {elapsed:.0f}s (run {result.run_id})")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    run_generate(args.out, args.instances, args.months, args.seed, args.extra_keys, args.end_date)
    return 0


def cmd_materialize(args: argparse.Namespace) -> int:
    return _materialize_and_report(Settings.from_env(), args.select)


def cmd_summary(args: argparse.Namespace) -> int:
    print(warehouse_summary(Settings.from_env()))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.regenerate or not settings.landing_dir.exists():
        run_generate(
            settings.landing_dir, args.instances, args.months, args.seed, args.extra_keys, args.end_date
        )
    else:
        print(f"using the existing landing zone {settings.landing_dir} (--regenerate writes it anew)")
    status = _materialize_and_report(settings, None)
    print(warehouse_summary(settings))
    if status != 0 or args.no_ui:
        return status
    serve_ui(settings)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="usage-platform", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a synthetic landing zone")
    generate.add_argument("--out", type=Path, required=True, help="landing zone folder to write")
    _add_scale_arguments(generate)
    generate.set_defaults(handler=cmd_generate)

    materialize = commands.add_parser("materialize", help="materialize assets and their checks in-process")
    materialize.add_argument("--select", help="Dagster asset selection, e.g. 'key:raw/*' (default: all)")
    materialize.set_defaults(handler=cmd_materialize)

    summary = commands.add_parser("summary", help="print what the warehouse holds")
    summary.set_defaults(handler=cmd_summary)

    demo = commands.add_parser("demo", help="generate, materialize everything, summarize, serve the UI")
    demo.add_argument("--no-ui", action="store_true", help="stop after the summary instead of serving the UI")
    demo.add_argument("--regenerate", action="store_true", help="write the landing zone even if it exists")
    _add_scale_arguments(demo)
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
