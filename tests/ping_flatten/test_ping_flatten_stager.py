"""The Service Ping stager reads each document once: bare payloads are kept as received, and only
a `payload` object beside a receipt time makes an envelope."""

from __future__ import annotations

import json

import duckdb
import pytest

from usage_platform.sources.catalog import raw_tables
from usage_platform.sources.landing import find_landing_files
from usage_platform.sources.load_duckdb import DuckDBRawLoader

PINGS = next(table for table in raw_tables() if table.table == "service_ping_payloads")


@pytest.fixture
def loaded(settings):
    folder = settings.landing_dir / "service_ping" / "2026-05-04"
    folder.mkdir(parents=True)
    pretty = json.dumps({"uuid": "pretty", "counts": {"a": 1}}, indent=2)
    (folder / "pretty.json").write_text(pretty + "\n")
    lines = [
        # Mentions "payload" but is no envelope: no receipt time, and `payload` is not an object.
        {"uuid": "bare", "payload": "text", "received_at": "2026-05-04 01:00:00"},
        {"uuid": "bare-2", "settings": {"payload": {"x": 1}}},
        # GitLab's Versions app keeps created_at where the collector writes received_at.
        {"created_at": "2026-05-04 02:00:00", "source_ip": "192.0.2.7", "payload": {"uuid": "versions"}},
    ]
    (folder / "pings.ndjson").write_text("".join(json.dumps(line) + "\n" for line in lines))
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        report = DuckDBRawLoader(conn, run_id="test").load(PINGS, find_landing_files(settings, PINGS))
        rows = conn.execute(
            """select payload ->> 'uuid', payload::varchar, received_at, source_ip
               from raw.service_ping_payloads"""
        ).fetchall()
    return (
        report,
        {uuid: (payload, received_at, source_ip) for uuid, payload, received_at, source_ip in rows},
        pretty,
    )


def test_bare_payloads_are_kept_as_received(loaded):
    report, rows, pretty = loaded
    assert report.rows_loaded == 4 and report.quarantined == []
    assert rows["pretty"] == (pretty, None, None)
    assert json.loads(rows["bare"][0]) == {
        "uuid": "bare",
        "payload": "text",
        "received_at": "2026-05-04 01:00:00",
    }
    assert rows["bare"][1:] == (None, None) and rows["bare-2"][1:] == (None, None)


def test_a_versions_app_envelope_gives_its_payload_and_receipt(loaded):
    _, rows, _ = loaded
    payload, received_at, source_ip = rows["versions"]
    assert (json.loads(payload), received_at, source_ip) == (
        {"uuid": "versions"},
        "2026-05-04 02:00:00",
        "192.0.2.7",
    )
