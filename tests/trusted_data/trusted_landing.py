"""Helpers for the trusted-data tests: landing zones, independent record counts, raw runs."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import dagster as dg
import duckdb

from tests.conftest import settings_for
from usage_platform.settings import Settings
from usage_platform.synthetic import GenerationSummary


def generated_settings(tmp_path: Path, **generate_args) -> tuple[Settings, GenerationSummary]:
    """A small synthetic landing zone (the tests' usual size) under tmp_path."""
    from usage_platform.synthetic import generate

    settings = settings_for(tmp_path / "data")
    summary = generate(settings.landing_dir, **{"instances": 10, "months": 2, "seed": 11, **generate_args})
    return settings, summary


def materialize_raw(settings: Settings) -> dg.ExecuteInProcessResult:
    """Every raw asset and its checks (no dbt), in process, as the raw steps run in production."""
    from usage_platform.sources.assets import build_raw_assets
    from usage_platform.warehouse.duckdb import duckdb_resource

    return dg.materialize(
        build_raw_assets(settings),
        resources={"warehouse": duckdb_resource(settings)},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.asset_check_key.to_user_string(): e for e in result.get_asset_check_evaluations()}


def meta(evaluation: dg.AssetCheckEvaluation, key: str):
    value = evaluation.metadata[key]
    return getattr(value, "value", value)


def query(settings: Settings, sql: str, params=()):
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return conn.execute(sql, list(params)).fetchall()


# -- records counted with Python alone, to compare with what the checks report -----------------------
def csv_records(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def json_records(path: Path) -> int:
    """Records of a Service Ping file: NDJSON lines, or one document (an array counts its items)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        text = handle.read()
    if ".ndjson" in path.name:
        return sum(1 for line in text.splitlines() if line.strip())
    document = json.loads(text)
    return len(document) if isinstance(document, list) else 1


def rewrite_csv(path: Path, change) -> list[dict]:
    """Read a landing CSV, let `change(rows)` edit the list of dicts, write it back; returns the rows."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        rows = list(reader)
    change(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows
