"""The flattened fact is incremental: one more week of ping files adds exactly the new pings'
leaves, and the rows already there are left as they were."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import dbt_build, load_raw, settings_for
from tests.ping_flatten.ping_flatten_landing import leaves, query
from usage_platform.synthetic import generate

PER_PING = """select dim_ping_instance_id, count(*) as leaf_rows, min(_dbt_invocation_id) as first_run,
                     max(_dbt_invocation_id) as last_run
              from prep.prep_ping_instance_flattened group by all order by all"""


def records(path: Path) -> list[dict]:
    """The payloads of one Service Ping landing file, unwrapped from collector envelopes."""
    text = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
    documents = (
        [json.loads(line) for line in text.splitlines() if line.strip()]
        if ".ndjson" in path.name
        else [json.loads(text)]
    )
    return [
        d["payload"]
        if isinstance(d.get("payload"), dict) and ("received_at" in d or "created_at" in d)
        else d
        for d in documents
    ]


def distinct_pings(folders: list[Path]) -> dict[tuple, dict]:
    """Payloads by ping identity (uuid, hostname, recorded_at), as prep_ping_payload dedupes them."""
    pings = {}
    for folder in folders:
        for path in sorted(folder.iterdir()):
            for payload in records(path):
                pings.setdefault((payload["uuid"], payload["hostname"], payload["recorded_at"]), payload)
    return pings


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ping_flatten_incremental")
    generated = root / "generated"
    generate(generated, instances=10, months=1, extra_keys=40)
    for malformed in generated.glob("service_ping/*/*_interrupted.ndjson"):
        malformed.unlink()  # quarantined by the loader, never flattened; not what this test is about
    folders = sorted((generated / "service_ping").iterdir())
    cutoff = dt.date.fromisoformat(folders[-1].name) - dt.timedelta(days=7)
    first_week = [f for f in folders if dt.date.fromisoformat(f.name) <= cutoff]
    last_week = [f for f in folders if dt.date.fromisoformat(f.name) > cutoff]

    landing = root / "data" / "landing"
    shutil.copytree(generated, landing, ignore=shutil.ignore_patterns("service_ping"))
    settings = settings_for(root / "data")

    def materialize(new_folders: list[Path], name: str) -> list[dict]:
        for folder in new_folders:
            shutil.copytree(folder, landing / "service_ping" / folder.name)
        load_raw(settings)
        dbt_build(settings, "+prep_ping_instance_flattened", tmp_dir=root / name)
        return query(settings, PER_PING)

    before = materialize(first_week, "first")
    after = materialize(last_week, "second")
    again = materialize([], "third")
    old_pings = distinct_pings(first_week)
    new_pings = {key: p for key, p in distinct_pings(last_week).items() if key not in old_pings}
    return {
        "before": before,
        "after": after,
        "again": again,
        "new_pings": new_pings,
        "old_pings": old_pings,
        "settings": settings,
    }


def test_the_first_run_flattens_every_ping(runs):
    assert len(runs["before"]) == len(runs["old_pings"]) > 10
    assert sum(row["leaf_rows"] for row in runs["before"]) == sum(
        len(leaves(p)) for p in runs["old_pings"].values()
    )


def test_the_second_run_adds_exactly_the_new_pings_leaves(runs):
    assert runs["new_pings"]
    added = sum(row["leaf_rows"] for row in runs["after"]) - sum(row["leaf_rows"] for row in runs["before"])
    assert added == sum(len(leaves(p)) for p in runs["new_pings"].values())
    assert len(runs["after"]) == len(runs["before"]) + len(runs["new_pings"])


def test_rows_already_there_are_not_rewritten(runs):
    after = {row["dim_ping_instance_id"]: row for row in runs["after"]}
    assert all(after[row["dim_ping_instance_id"]] == row for row in runs["before"])
    first_run = {row["first_run"] for row in runs["before"]}
    new_rows = [row for row in runs["after"] if row["first_run"] not in first_run]
    assert len(first_run) == 1 and len(new_rows) == len(runs["new_pings"])


def test_a_run_without_new_files_changes_nothing(runs):
    assert runs["again"] == runs["after"]


def test_a_duplicate_among_earlier_rows_is_found_by_the_test_on_its_own(runs, tmp_path):
    # Each build checks the (ping, path) uniqueness of the pings it flattened (all passed above);
    # `dbt test` (here `dbt build` of the test alone, which writes nothing) reads every row.
    settings = settings_for(tmp_path / "data")
    settings.duckdb_path.parent.mkdir(parents=True)
    shutil.copyfile(runs["settings"].duckdb_path, settings.duckdb_path)
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        table = "prep.prep_ping_instance_flattened"
        conn.execute(f"insert into {table} select * from {table} order by _loaded_at limit 1")
    test = "prep_ping_instance_flattened,test_name:unique_column_combination"
    with pytest.raises(pytest.fail.Exception, match="unique_column_combination_prep_ping_instance_flattened"):
        dbt_build(settings, test, tmp_dir=tmp_path)
