"""Landing sensors: one per source system, requesting a load of the raw tables new files feed.

Each tick stats the system's landing files (no reads) and compares them with the cursor,
`{"files": {source_file: [size, mtime_ns, sha256 or null]}}`. Only a file whose size or
modification time changed is read: it is hashed, and if its bytes are the ones already seen (a
re-delivery, a `touch`, a copy of the same export) it triggers nothing. The new or changed files
give one run request for exactly the raw tables they feed, with a `run_key` derived from the files'
paths and hashes, so the same files never trigger twice. A skipped tick says why.

The run loads raw and runs raw's own checks (Pandera schema, reconciliation, row-count bounds) and
nothing else: the dbt source tests of the loaded tables are requested by the automation sensor
with the models downstream, so a delivery starts dbt once (see automation.py).

- A file modified less than `SETTLE_SECONDS` ago may still be being written: it waits a tick.
- At most `HASH_BUDGET_BYTES` of changed files are hashed per tick; the rest wait, so a tick's cost
  stays bounded however much history arrives at once.
- Without a cursor (a new sensor, or one reset from the UI) a file older than the start of the run
  that last materialized its raw table is taken as loaded by that run: deploying the sensors on
  an existing warehouse does not reload everything. A file dropped later with an older mtime
  (`cp -p`) in that window is loaded with the table's next load (the loader takes every file it
  has not loaded yet).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from usage_platform.settings import Settings
from usage_platform.sources.catalog import RawTable, SourceSystem, load_catalog
from usage_platform.sources.landing import file_sha256, landing_root
from usage_platform.trusted_data.raw_checks import raw_check_specs

SETTLE_SECONDS = 5.0
HASH_BUDGET_BYTES = 2 << 30
SENSOR_PREFIX = "landing_"
NEW_FILES_TAG = "usage_platform/new_files"


class LandingCursorError(ValueError):
    """A sensor cursor that is not the JSON this module writes."""


@dataclass(frozen=True)
class SeenFile:
    size: int
    mtime_ns: int
    sha256: str | None  # None: taken as loaded on a first tick without being read

    def to_json(self) -> list:
        return [self.size, self.mtime_ns, self.sha256]


@dataclass(frozen=True)
class StatFile:
    table: RawTable
    path: Path
    source_file: str  # "<landing_root>/<relative path>", the identity raw rows record
    size: int
    mtime_ns: int


@dataclass
class LandingScan:
    """What one tick found for one source system."""

    cursor: dict[str, SeenFile]
    new_files: dict[str, str] = field(default_factory=dict)  # source_file -> sha256
    tables: set[str] = field(default_factory=set)  # raw table names fed by new_files
    files_seen: int = 0
    same_content: list[str] = field(default_factory=list)  # stat changed, bytes did not
    settling: list[str] = field(default_factory=list)
    over_budget: list[str] = field(default_factory=list)
    taken_as_loaded: int = 0
    missing_roots: list[str] = field(default_factory=list)

    def run_key(self, system: str) -> str:
        identity = "\n".join(f"{path}\t{sha}" for path, sha in sorted(self.new_files.items()))
        return f"{system}:{hashlib.sha256(identity.encode()).hexdigest()[:32]}"

    def cursor_json(self) -> str:
        files = {path: seen.to_json() for path, seen in sorted(self.cursor.items())}
        return json.dumps({"files": files}, separators=(",", ":"))

    def explain(self, settle_seconds: float = SETTLE_SECONDS) -> str:
        """Why a tick requests nothing (or what it leaves for later), in one line."""
        parts = [f"{self.files_seen} landing file(s) checked"]
        if self.new_files:
            parts.append(f"{len(self.new_files)} new or changed")
        else:
            parts.append("no new or changed file")
        if self.same_content:
            parts.append(
                f"{len(self.same_content)} re-delivered with identical content "
                f"(e.g. {self.same_content[0]}), not loaded again"
            )
        if self.settling:
            parts.append(
                f"{len(self.settling)} modified less than {settle_seconds:g}s ago, "
                f"waiting for the next tick (e.g. {self.settling[0]})"
            )
        if self.over_budget:
            parts.append(f"{len(self.over_budget)} left for the next tick (hashing budget)")
        if self.taken_as_loaded:
            parts.append(f"{self.taken_as_loaded} older than the last load, taken as loaded (first tick)")
        if self.missing_roots:
            parts.append("no landing folder " + ", ".join(self.missing_roots))
        return "; ".join(parts)


def parse_cursor(text: str | None) -> dict[str, SeenFile] | None:
    """The files a previous tick saw; None when the sensor has no cursor yet."""
    if not text:
        return None
    try:
        files = json.loads(text)["files"]
        return {
            str(path): SeenFile(int(size), int(mtime_ns), None if sha is None else str(sha))
            for path, (size, mtime_ns, sha) in files.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise LandingCursorError(
            f"landing sensor cursor is not {{'files': {{path: [size, mtime_ns, sha256]}}}} "
            f"({error}); reset it with `dagster sensor cursor --delete` or from the UI"
        ) from error


def stat_landing_files(settings: Settings, tables: Iterable[RawTable]) -> tuple[list[StatFile], list[str]]:
    """(every landing file of the tables, stat only; landing folders that do not exist)."""
    found: list[StatFile] = []
    missing: list[str] = []
    for table in tables:
        root = landing_root(settings, table)
        if not root.is_dir():
            if str(root) not in missing:
                missing.append(str(root))
            continue
        paths = sorted({p for pattern in table.globs for p in root.glob(pattern)})
        for path in paths:
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed between the listing and the stat
                continue
            if not path.is_file():
                continue
            source_file = f"{table.landing_root}/{path.relative_to(root).as_posix()}"
            found.append(StatFile(table, path, source_file, stat.st_size, stat.st_mtime_ns))
    return found, missing


def scan_landing(
    settings: Settings,
    tables: Iterable[RawTable],
    previous: Mapping[str, SeenFile] | None,
    loaded_before_ns: Mapping[str, int] | None = None,
    *,
    now_ns: int | None = None,
    settle_seconds: float = SETTLE_SECONDS,
    hash_budget_bytes: int = HASH_BUDGET_BYTES,
) -> LandingScan:
    """Compare the landing files of `tables` with what the previous tick saw.

    `loaded_before_ns` (raw table name -> start of its last load, ns since the epoch) is used only
    when there is no previous tick: files older than it are taken as loaded.
    """
    now_ns = time.time_ns() if now_ns is None else now_ns
    first_tick = previous is None
    previous = previous or {}
    loaded_before_ns = loaded_before_ns or {}
    files, missing = stat_landing_files(settings, tables)
    scan = LandingScan(cursor={}, files_seen=len(files), missing_roots=missing)
    candidates: list[tuple[StatFile, SeenFile | None]] = []
    for item in files:
        seen = previous.get(item.source_file)
        if seen is not None and (seen.size, seen.mtime_ns) == (item.size, item.mtime_ns):
            scan.cursor[item.source_file] = seen
        elif now_ns - item.mtime_ns < settle_seconds * 1e9:
            scan.settling.append(item.source_file)
            if seen is not None:  # keep what we knew until the file has settled
                scan.cursor[item.source_file] = seen
        elif first_tick and item.mtime_ns < loaded_before_ns.get(item.table.table, 0):
            scan.cursor[item.source_file] = SeenFile(item.size, item.mtime_ns, None)
            scan.taken_as_loaded += 1
        else:
            candidates.append((item, seen))
    hashed_bytes = 0
    for item, seen in sorted(candidates, key=lambda c: (c[0].mtime_ns, c[0].source_file)):
        if hashed_bytes and hashed_bytes + item.size > hash_budget_bytes:
            scan.over_budget.append(item.source_file)
            if seen is not None:
                scan.cursor[item.source_file] = seen
            continue
        try:
            sha = file_sha256(item.path)
        except FileNotFoundError:  # removed since the stat: nothing to load
            continue
        hashed_bytes += item.size
        scan.cursor[item.source_file] = SeenFile(item.size, item.mtime_ns, sha)
        if seen is not None and seen.sha256 == sha:
            scan.same_content.append(item.source_file)
        else:
            scan.new_files[item.source_file] = sha
            scan.tables.add(item.table.table)
    return scan


def last_load_starts_ns(instance: dg.DagsterInstance, tables: Iterable[RawTable]) -> dict[str, int]:
    """Raw table name -> creation time (ns) of the run that last materialized it."""
    starts: dict[str, int] = {}
    for table in tables:
        event = instance.get_latest_materialization_event(dg.AssetKey(table.asset_key_path))
        if event is None:
            continue
        record = instance.get_run_record_by_id(event.run_id) if event.run_id else None
        started = record.create_timestamp.timestamp() if record else event.timestamp
        starts[table.table] = int(started * 1e9)
    return starts


def landing_sensor(
    system: SourceSystem, settings: Settings, interval_seconds: int, *, settle_seconds: float = SETTLE_SECONDS
) -> dg.SensorDefinition:
    keys = {table.table: dg.AssetKey(table.asset_key_path) for table in system.tables}
    # The raw multi-asset's own checks per table: the only checks the landing run executes.
    own_checks = {table.table: [spec.key for spec in raw_check_specs(table)] for table in system.tables}
    folders = sorted({str(landing_root(settings, table)) for table in system.tables})

    @dg.sensor(
        name=f"{SENSOR_PREFIX}{system.name}",
        target=list(keys.values()),
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Loads new or changed {system.name} exports into raw: watches {', '.join(folders)} and "
            "requests only the raw tables the new files feed."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        previous = parse_cursor(context.cursor)
        loaded_before = last_load_starts_ns(context.instance, system.tables) if previous is None else None
        scan = scan_landing(settings, system.tables, previous, loaded_before, settle_seconds=settle_seconds)
        if not scan.new_files:
            return dg.SensorResult(
                skip_reason=dg.SkipReason(scan.explain(settle_seconds)), cursor=scan.cursor_json()
            )
        context.log.info(scan.explain(settle_seconds))
        request = dg.RunRequest(
            run_key=scan.run_key(system.name),
            asset_selection=[keys[name] for name in sorted(scan.tables)],
            asset_check_keys=[key for name in sorted(scan.tables) for key in own_checks[name]],
            tags={NEW_FILES_TAG: str(len(scan.new_files))},  # Dagster adds dagster/sensor_name
        )
        return dg.SensorResult(run_requests=[request], cursor=scan.cursor_json())

    return _sensor


def build_landing_sensors(settings: Settings, interval_seconds: int) -> list[dg.SensorDefinition]:
    return [landing_sensor(system, settings, interval_seconds) for system in load_catalog()]
