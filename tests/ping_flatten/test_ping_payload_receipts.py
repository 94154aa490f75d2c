"""prep_ping_payload keeps each ping once, at its first receipt, with the payload of that receipt:
pings sent twice (in one file, in two files, in an envelope and bare), and a landing file exported
again under the same path (only its latest version counts). Counting rows of the view, as every dbt
test does, reads no payload."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import duckdb
import pytest

from tests.conftest import dbt_build, load_raw, settings_for
from tests.ping_flatten.ping_flatten_landing import payload, query, write_geo, write_pings

P1 = payload("p1", counts={"issues": 1})
# The same ping (same identity) received again later; its content differs here only so that the
# test can tell which receipt's payload came out.
P1_AGAIN = {**P1, "counts": {"issues": 9}}
P2 = payload("p2", counts={"issues": 2})
P3 = payload("p3", recorded_at="2026-04-30T23:00:00.000+00:00")
P4 = payload("p4")
P5 = payload("p5")


def envelope(sent: dict, received_at: str, source_ip: str = "192.0.2.5") -> dict:
    return {"received_at": received_at, "source_ip": source_ip, "payload": sent}


def ping_id(sent: dict) -> str:
    """md5 of uuid, hostname and recorded_at, '|'-joined (the documented ping id)."""
    return hashlib.md5("|".join(sent[k] for k in ("uuid", "hostname", "recorded_at")).encode()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("ping_payload_receipts")
    settings = settings_for(root / "data")
    landing = settings.landing_dir
    write_geo(landing)
    # p1: first in an envelope received 2026-05-01 10:00, then bare in the next day's folder.
    write_pings(landing, "2026-05-01", [envelope(P1, "2026-05-01 10:00:00"), P2, P2], "a.ndjson")
    write_pings(landing, "2026-05-02", [P1_AGAIN, envelope(P3, "2026-05-01 23:00:00")], "b.ndjson")
    re_exported = write_pings(landing, "2026-05-03", [P4], "c.ndjson")
    load_raw(settings)
    # The same path exported again with other content: a new version; the first one no longer counts.
    write_pings(landing, "2026-05-03", [P5], re_exported.name)
    load_raw(settings)
    dbt_build(settings, "+prep_ping_payload", tmp_dir=root)
    return settings


@pytest.fixture(scope="module")
def receipts(built):
    settings = built
    rows = query(
        settings,
        """select dim_ping_instance_id, payload::varchar as payload, ping_created_at, has_envelope,
                  ip_address_hash, _source_file from prep.prep_ping_payload""",
    )
    return {row["dim_ping_instance_id"]: row for row in rows}


def test_each_ping_once_and_only_from_latest_file_versions(receipts):
    assert set(receipts) == {ping_id(p) for p in (P1, P2, P3, P5)}


def test_a_ping_is_kept_at_its_first_receipt_with_that_receipts_payload(receipts):
    first = receipts[ping_id(P1)]
    assert (first["ping_created_at"], first["has_envelope"]) == (dt.datetime(2026, 5, 1, 10), True)
    assert first["_source_file"] == "service_ping/2026-05-01/a.ndjson"
    assert first["ip_address_hash"] == hashlib.sha256(b"192.0.2.5").hexdigest()
    assert json.loads(first["payload"]) == P1


def test_bare_and_enveloped_payloads_come_out_as_sent(receipts):
    for sent, created_at in ((P2, dt.datetime(2026, 5, 1)), (P3, dt.datetime(2026, 5, 1, 23))):
        row = receipts[ping_id(sent)]
        assert json.loads(row["payload"]) == sent
        assert row["ping_created_at"] == created_at


def test_counting_rows_of_the_view_reads_no_payload(built):
    """dbt's tests count the rows a query selects from the view; the plan must leave the payload
    column (about 64 KB per ping) out. It read every payload while a CTE of the view was read twice
    (2-3 s per test at 84,000 payloads, against 0.2 s)."""
    for column in ("dim_ping_instance_id", "ping_created_at", "dim_location_country_id"):
        test_shape = f"""select count(*) from (
            select {column} from prep.prep_ping_payload where {column} is null
        ) as dbt_internal_test"""
        with duckdb.connect(str(built.duckdb_path), read_only=True) as conn:
            plan = conn.execute(f"explain {test_shape}").fetchall()[0][1]
        assert "service_ping_payloads" in plan
        assert not re.search(r"\bpayload\b", plan), f"{column}: the plan reads payloads\n{plan}"
