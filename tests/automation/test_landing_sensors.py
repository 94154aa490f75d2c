"""Landing sensors: new files -> one run request for exactly the raw tables they feed; the same
files again -> a skip that says why; changed files -> a new request."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from usage_platform.automation.sensors import (
    LandingCursorError,
    landing_sensor,
    parse_cursor,
    scan_landing,
)
from usage_platform.sources.catalog import load_catalog

SUBSCRIPTION_CSV = "Id,AccountId,Name,Status,Version\nS1,A1,SUB-1,Active,1\n"
ACCOUNT_CSV = "Id,AccountNumber,Name,CrmId,Status,Currency\nA1,N1,Acme,C1,Active,USD\n"
PING = {"uuid": "u-1", "hostname": "gitlab.example.com", "version": "17.1.0", "recorded_at": "2026-10-01"}


def system(name: str):
    return next(s for s in load_catalog() if s.name == name)


def write(path: Path, text: str, *, age_seconds: float = 60.0) -> Path:
    """Write a landing file that looks settled (modified `age_seconds` ago)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    past = time.time() - age_seconds
    os.utime(path, (past, past))
    return path


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def tick(sensor: dg.SensorDefinition, instance, cursor: str | None):
    """Evaluate the sensor once; returns (run requests, skip message, new cursor)."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    data = sensor.evaluate_tick(context)
    skip = data.skip_message
    return list(data.run_requests or []), skip, data.cursor


def keys(request: dg.RunRequest) -> list[str]:
    return sorted(key.to_user_string() for key in request.asset_selection)


def test_new_file_requests_only_the_raw_table_it_feeds(settings, instance):
    write(settings.landing_dir / "zuora" / "subscription.csv", SUBSCRIPTION_CSV)
    write(settings.landing_dir / "zuora" / "notes.txt", "not an export of any table")
    sensor = landing_sensor(system("zuora"), settings, 30)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING

    requests, skip, cursor = tick(sensor, instance, None)

    assert skip is None
    assert len(requests) == 1
    assert keys(requests[0]) == ["raw/zuora_subscription"]
    assert requests[0].run_key
    sha = hashlib.sha256(SUBSCRIPTION_CSV.encode()).hexdigest()
    stat = (settings.landing_dir / "zuora" / "subscription.csv").stat()
    assert json.loads(cursor)["files"] == {"zuora/subscription.csv": [stat.st_size, stat.st_mtime_ns, sha]}


def test_same_files_again_skip_with_a_reason(settings, instance):
    path = write(settings.landing_dir / "zuora" / "subscription.csv", SUBSCRIPTION_CSV)
    sensor = landing_sensor(system("zuora"), settings, 30)
    _, _, cursor = tick(sensor, instance, None)

    requests, skip, cursor = tick(sensor, instance, cursor)
    assert requests == []
    assert "1 landing file(s) checked" in skip and "no new or changed file" in skip

    # The same bytes delivered again (new modification time): read, recognised, not requested.
    write(path, SUBSCRIPTION_CSV, age_seconds=30)
    requests, skip, cursor = tick(sensor, instance, cursor)
    assert requests == []
    assert "1 re-delivered with identical content (e.g. zuora/subscription.csv)" in skip
    assert json.loads(cursor)["files"]["zuora/subscription.csv"][1] == path.stat().st_mtime_ns


def test_changed_file_requests_again_with_a_new_run_key(settings, instance):
    path = write(settings.landing_dir / "zuora" / "subscription.csv", SUBSCRIPTION_CSV)
    sensor = landing_sensor(system("zuora"), settings, 30)
    first, _, cursor = tick(sensor, instance, None)

    write(path, SUBSCRIPTION_CSV + "S2,A1,SUB-2,Active,1\n", age_seconds=30)
    write(settings.landing_dir / "zuora" / "account.csv", ACCOUNT_CSV)
    second, skip, _ = tick(sensor, instance, cursor)

    assert skip is None and len(second) == 1
    assert keys(second[0]) == ["raw/zuora_account", "raw/zuora_subscription"]
    assert second[0].run_key != first[0].run_key


def test_run_key_is_the_files_identity_not_their_timestamps(settings, tmp_path, instance):
    """Two deliveries of the same bytes at different times give the same run key, so Dagster
    never launches the second: a file never triggers twice, even with a lost cursor."""
    path = write(settings.landing_dir / "zuora" / "subscription.csv", SUBSCRIPTION_CSV, age_seconds=90)
    sensor = landing_sensor(system("zuora"), settings, 30)
    first, _, _ = tick(sensor, instance, None)
    write(path, SUBSCRIPTION_CSV, age_seconds=10)
    again, _, _ = tick(sensor, instance, None)
    assert first[0].run_key == again[0].run_key


def test_service_ping_folder_feeds_only_the_payload_table(settings, instance):
    write(settings.landing_dir / "service_ping" / "2026-10-01" / "pings.ndjson", json.dumps(PING) + "\n")
    write(settings.landing_dir / "service_ping" / "2026-10-01" / "readme.md", "ignored")
    requests, _, cursor = tick(landing_sensor(system("service_ping"), settings, 30), instance, None)
    assert [keys(r) for r in requests] == [["raw/service_ping_payloads"]]
    assert list(json.loads(cursor)["files"]) == ["service_ping/2026-10-01/pings.ndjson"]


def test_file_still_being_written_waits_for_the_next_tick(settings, instance):
    path = write(settings.landing_dir / "zuora" / "subscription.csv", SUBSCRIPTION_CSV, age_seconds=0)
    sensor = landing_sensor(system("zuora"), settings, 30)
    requests, skip, cursor = tick(sensor, instance, None)
    assert requests == []
    assert "modified less than 5s ago, waiting for the next tick (e.g. zuora/subscription.csv)" in skip

    past = time.time() - 30
    os.utime(path, (past, past))
    requests, _, _ = tick(sensor, instance, cursor)
    assert [keys(r) for r in requests] == [["raw/zuora_subscription"]]


def test_missing_landing_folder_is_named_in_the_skip(settings, instance):
    requests, skip, _ = tick(landing_sensor(system("salesforce"), settings, 30), instance, None)
    assert requests == []
    assert f"no landing folder {settings.landing_dir / 'salesforce'}" in skip


def test_first_tick_takes_files_loaded_by_the_last_materialization_as_loaded(settings, tmp_path, instance):
    """A sensor deployed on an existing warehouse does not reload what a run already loaded;
    files newer than that run are requested."""
    from usage_platform.sources.assets import build_raw_assets
    from usage_platform.synthetic import generate
    from usage_platform.warehouse.duckdb import duckdb_resource

    # Real-looking exports (the raw checks run in the load), and a later export of accounts.
    generate(tmp_path / "zone", instances=10, months=1, seed=3)
    generate(tmp_path / "later", instances=10, months=1, seed=4)
    for name in ("subscription.csv", "account.csv"):
        write(
            settings.landing_dir / "zuora" / name,
            (tmp_path / "zone" / "zuora" / name).read_text(),
            age_seconds=120,
        )
    zuora = next(a for a in build_raw_assets(settings) if a.node_def.name == "raw_zuora")
    subset = [dg.AssetKey(["raw", "zuora_subscription"]), dg.AssetKey(["raw", "zuora_account"])]
    result = dg.materialize(
        [zuora], selection=subset, instance=instance, resources={"warehouse": duckdb_resource(settings)}
    )
    assert result.success

    # account.csv re-exported after that run; subscription.csv untouched.
    later_accounts = (tmp_path / "later" / "zuora" / "account.csv").read_text()
    assert later_accounts != (settings.landing_dir / "zuora" / "account.csv").read_text()
    write(settings.landing_dir / "zuora" / "account.csv", later_accounts, age_seconds=0)
    sensor = landing_sensor(system("zuora"), settings, 30, settle_seconds=0)
    requests, _, cursor = tick(sensor, instance, None)
    assert [keys(r) for r in requests] == [["raw/zuora_account"]]
    assert json.loads(cursor)["files"]["zuora/subscription.csv"][2] is None  # known, not read


def test_unreadable_cursor_is_a_clear_error(settings, instance):
    with pytest.raises(LandingCursorError, match="reset it with `dagster sensor cursor --delete`"):
        parse_cursor('{"files": [1, 2]}')
    with pytest.raises(LandingCursorError):
        tick(landing_sensor(system("zuora"), settings, 30), instance, "not json")


def test_hashing_budget_leaves_the_rest_for_the_next_tick(settings):
    folder = settings.landing_dir / "service_ping" / "2026-10-01"
    for n in range(3):
        write(folder / f"p{n}.ndjson", json.dumps({**PING, "uuid": f"u-{n}"}) + "\n", age_seconds=60 - n)
    tables = system("service_ping").tables
    first = scan_landing(settings, tables, {}, hash_budget_bytes=1)
    assert len(first.new_files) == 1 and len(first.over_budget) == 2
    second = scan_landing(settings, tables, first.cursor, hash_budget_bytes=1)
    third = scan_landing(settings, tables, second.cursor, hash_budget_bytes=1)
    assert {*first.new_files, *second.new_files, *third.new_files} == {
        f"service_ping/2026-10-01/p{n}.ndjson" for n in range(3)
    }


def test_copied_zone_is_seen_whole(settings, tmp_path, instance):
    """Every landing file the catalog knows is covered by exactly one sensor."""
    from usage_platform.synthetic import generate

    zone = tmp_path / "zone"
    generate(zone, instances=10, months=1, seed=3)
    shutil.copytree(zone, settings.landing_dir)
    past = time.time() - 60
    for path in settings.landing_dir.rglob("*"):
        os.utime(path, (past, past))
    selected = []
    for source_system in load_catalog():
        requests, _, _ = tick(landing_sensor(source_system, settings, 30), instance, None)
        selected += [key for request in requests for key in keys(request)]
    expected = {f"raw/{t.table}" for s in load_catalog() for t in s.tables}
    assert sorted(selected) == sorted(expected)
