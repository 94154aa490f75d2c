"""The raw loaders on small hand-made landing files: formats, idempotency, quarantine."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest

from usage_platform.sources import landing, load_duckdb
from usage_platform.sources.catalog import raw_tables
from usage_platform.sources.landing import file_sha256, find_landing_files
from usage_platform.sources.load_duckdb import DuckDBRawLoader

TABLES = {t.table: t for t in raw_tables()}


@pytest.fixture
def conn(settings):
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.duckdb_path)) as connection:
        yield connection


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(conn, settings, table_name: str):
    table = TABLES[table_name]
    return DuckDBRawLoader(conn, run_id="test").load(table, find_landing_files(settings, table))


def rows(conn, sql: str):
    return conn.execute(sql).fetchall()


# -- CSV ------------------------------------------------------------------------------------
def test_csv_columns_by_name_with_load_metadata(conn, settings):
    write(settings.landing_dir / "zuora/account.csv", 'Name,Id,CrmId\n"Acme, Inc.",A1,001\nBeta,A2,\n')
    report = load(conn, settings, "zuora_account")
    assert (report.files_loaded, report.rows_loaded, report.table_rows) == (1, 2, 2)
    assert rows(conn, 'select "Id", "Name", "CrmId", _source_file from raw.zuora_account order by 1') == [
        ("A1", "Acme, Inc.", "001", "zuora/account.csv"),
        ("A2", "Beta", None, "zuora/account.csv"),
    ]
    sha, loaded_at = rows(conn, "select distinct _file_sha256, _loaded_at from raw.zuora_account")[0]
    assert len(sha) == 64 and loaded_at is not None


def test_loading_the_same_file_twice_adds_nothing(conn, settings):
    write(
        settings.landing_dir / "releases/releases.csv", "major_minor_version,release_date\n17.0,2024-05-16\n"
    )
    load(conn, settings, "releases_releases")
    second = load(conn, settings, "releases_releases")
    assert (second.files_new, second.rows_loaded, second.table_rows) == (0, 0, 1)
    assert rows(conn, "select count(*) from raw.load_log") == [(1,)]


def test_a_re_exported_file_is_a_new_version_and_new_columns_are_kept(conn, settings):
    path = write(settings.landing_dir / "zuora/account.csv", "Id,Name\nA1,Acme\n")
    load(conn, settings, "zuora_account")
    write(path, "Id,Name,Batch\nA1,Acme Corp,Batch7\nA2,Beta,Batch1\n")
    report = load(conn, settings, "zuora_account")
    assert (report.files_new, report.rows_loaded, report.table_rows) == (1, 2, 3)
    # Both versions are kept; the newer one has the column the first export lacked.
    assert rows(conn, 'select count(distinct _file_sha256), count("Batch") from raw.zuora_account') == [
        (2, 2)
    ]


def test_an_unreadable_csv_is_quarantined_and_the_others_load(conn, settings):
    write(settings.landing_dir / "gitlab_dotcom/projects.csv", "id,namespace_id\n1,10\n2,20\n")
    write(settings.landing_dir / "gitlab_dotcom/users.csv", 'id,state\n1,"active\n2,blocked,extra,fields\n')
    good = load(conn, settings, "gitlab_dotcom_projects")
    bad = load(conn, settings, "gitlab_dotcom_users")
    assert good.rows_loaded == 2
    assert bad.files_quarantined == 1 and bad.rows_loaded == 0
    [(source, table, reason)] = rows(conn, "select source_file, raw_table, reason from raw.quarantine")
    assert (source, table) == ("gitlab_dotcom/users.csv", "gitlab_dotcom_users")
    assert reason
    # A quarantined file is not retried until it changes.
    assert load(conn, settings, "gitlab_dotcom_users").files_new == 0


def test_parquet_and_csv_exports_of_one_table_load_together(conn, settings):
    write(
        settings.landing_dir / "gitlab_dotcom/events.csv",
        "id,action,created_at\n1,pushed,2026-01-01 10:00:00\n",
    )
    conn.execute(
        "copy (select 2::bigint as id, 'merged' as action, timestamp '2026-01-02 11:00:00' as created_at) "
        f"to '{settings.landing_dir / 'gitlab_dotcom/events.parquet'}' (format parquet)"
    )
    report = load(conn, settings, "gitlab_dotcom_events")
    assert report.rows_loaded == 2
    assert rows(conn, "select id, action, created_at from raw.gitlab_dotcom_events order by id") == [
        ("1", "pushed", "2026-01-01 10:00:00"),
        ("2", "merged", "2026-01-02 11:00:00"),
    ]


# -- Service Ping -----------------------------------------------------------------------------
PAYLOAD = {"uuid": "u1", "hostname": "h1", "recorded_at": "2026-05-04T07:43:54.162+00:00", "counts": {"a": 1}}


def test_service_ping_bare_envelope_json_and_gzip(conn, settings):
    ping_dir = settings.landing_dir / "service_ping"
    bare = {**PAYLOAD, "license_md5": None}
    envelope = {
        "received_at": "2026-05-05 09:12:01",
        "source_ip": "81.2.69.142",
        "payload": {**PAYLOAD, "uuid": "u2"},
    }
    write(ping_dir / "2026-05-04/pings.ndjson", json.dumps(bare) + "\n\n" + json.dumps(envelope) + "\n")
    write(ping_dir / "2026-05-06/one.json", json.dumps({**PAYLOAD, "uuid": "u3"}, indent=2))
    gz = ping_dir / "2026-05-07/pings.ndjson.gz"
    gz.parent.mkdir(parents=True)
    gz.write_bytes(gzip.compress((json.dumps({**PAYLOAD, "uuid": "u4"}) + "\n").encode()))

    report = load(conn, settings, "service_ping_payloads")
    assert (report.files_loaded, report.rows_loaded, report.quarantined) == (3, 4, [])
    loaded = rows(
        conn,
        "select payload ->> 'uuid', received_at, source_ip, _receipt_date::varchar, "
        "payload -> 'license_md5' from raw.service_ping_payloads order by 1",
    )
    assert loaded == [
        ("u1", None, None, "2026-05-04", "null"),  # JSON null is kept as a JSON null
        ("u2", "2026-05-05 09:12:01", "81.2.69.142", "2026-05-04", None),
        ("u3", None, None, "2026-05-06", None),
        ("u4", None, None, "2026-05-07", None),
    ]
    # The payload is kept whole: the nested counters are there, as sent.
    assert rows(conn, "select payload -> 'counts' ->> 'a' from raw.service_ping_payloads limit 1") == [("1",)]


def test_a_truncated_ping_file_is_quarantined_and_the_rest_load(conn, settings):
    ping_dir = settings.landing_dir / "service_ping/2026-05-04"
    write(ping_dir / "good.ndjson", json.dumps(PAYLOAD) + "\n")
    write(ping_dir / "truncated.ndjson", json.dumps(PAYLOAD) + '\n{"uuid": "x", "counts": {"a"')
    report = load(conn, settings, "service_ping_payloads")
    assert report.rows_loaded == 1
    assert [q.source_file for q in report.quarantined] == ["service_ping/2026-05-04/truncated.ndjson"]
    assert rows(conn, "select status, count(*) from raw.load_log group by 1 order by 1") == [
        ("loaded", 1),
        ("quarantined", 1),
    ]


def truncated_and_good_pings(settings, bad: int, good: int) -> None:
    ping_dir = settings.landing_dir / "service_ping/2026-05-04"
    for number in range(good):
        write(ping_dir / f"good_{number}.ndjson", json.dumps({**PAYLOAD, "uuid": f"u{number}"}) + "\n")
    for number in range(bad):
        write(ping_dir / f"truncated_{number}.ndjson", '{"uuid": "x", "counts": {"a"')


@pytest.mark.parametrize("reader_names_the_file", [True, False])
def test_bad_files_are_taken_out_by_name_and_the_rest_read_in_bulk(
    conn, settings, monkeypatch, reader_names_the_file
):
    """A batch the reader fails on a file it names reads that file alone (quarantined when it fails
    on its own) and the files before and after it again in bulk: 3 bad files among 23 cost at most
    1 + 2 x 3 bulk reads and 3 reads alone, not 1 + 23. When the error names no file of the batch,
    the files are read one by one; the outcome is the same either way."""
    truncated_and_good_pings(settings, bad=3, good=20)
    batches = []
    load_batch = DuckDBRawLoader._load_batch

    def counted(self, table, files, *args):
        batches.append(len(files))
        return load_batch(self, table, files, *args)

    monkeypatch.setattr(DuckDBRawLoader, "_load_batch", counted)
    if not reader_names_the_file:
        monkeypatch.setattr(load_duckdb, "_file_named", lambda error, files: None)
    report = load(conn, settings, "service_ping_payloads")
    if reader_names_the_file:
        assert batches[0] == 23 and batches[-3:] == [1, 1, 1] and len(batches) <= 1 + 2 * 3 + 3, batches
    else:
        assert batches == [23] + [1] * 23
    assert report.rows_loaded == 20 and report.files_loaded == 20 and report.files_quarantined == 3
    quarantined = rows(conn, "select source_file, reason from raw.quarantine order by 1")
    assert [source.rsplit("/", 1)[1] for source, _ in quarantined] == [
        f"truncated_{number}.ndjson" for number in range(3)
    ]
    # Each reason is the reader's own, naming its file.
    assert all("Malformed JSON" in reason and source in reason for source, reason in quarantined)
    assert rows(conn, "select status, count(*) from raw.load_log group by 1 order by 1") == [
        ("loaded", 20),
        ("quarantined", 3),
    ]
    assert rows(conn, "select count(distinct _payload_uuid) from raw.service_ping_payloads") == [(20,)]


def test_ping_records_that_are_not_objects_and_files_outside_date_folders(conn, settings):
    ping_dir = settings.landing_dir / "service_ping"
    write(ping_dir / "2026-05-04/mixed.ndjson", json.dumps(PAYLOAD) + "\n42\n")
    write(ping_dir / "misplaced/p.json", json.dumps(PAYLOAD))
    report = load(conn, settings, "service_ping_payloads")
    assert report.rows_loaded == 1
    reasons = sorted((q.source_file, q.record) for q in report.quarantined)
    assert reasons == [
        ("service_ping/2026-05-04/mixed.ndjson", "42"),
        ("service_ping/misplaced/p.json", None),
    ]


def test_the_ping_identity_is_read_at_load_from_bare_and_enveloped_payloads(conn, settings):
    ping_dir = settings.landing_dir / "service_ping/2026-05-04"
    odd = {"uuid": 42, "hostname": None, "recorded_at": "2026-05-04T07:43:54.162+00:00"}
    lines = [
        PAYLOAD,
        {
            "received_at": "2026-05-04 09:00:00",
            "source_ip": "192.0.2.1",
            "payload": {**PAYLOAD, "uuid": "u2"},
        },
        odd,
        {"counts": {"a": 1}},  # no identity at all
    ]
    write(ping_dir / "pings.ndjson", "".join(json.dumps(line) + "\n" for line in lines))
    load(conn, settings, "service_ping_payloads")
    identity = rows(
        conn,
        """select _payload_uuid, _payload_hostname, _payload_recorded_at from raw.service_ping_payloads
           order by _payload_uuid nulls last""",
    )
    # As the JSON text of each field (a string unquoted), null for JSON null or a missing key.
    assert identity == [
        ("42", None, odd["recorded_at"]),
        ("u1", "h1", PAYLOAD["recorded_at"]),
        ("u2", "h1", PAYLOAD["recorded_at"]),
        (None, None, None),
    ]


def test_a_raw_table_from_before_the_identity_columns_gets_them_filled_in(conn, settings):
    ping_dir = settings.landing_dir / "service_ping"
    write(ping_dir / "2026-05-04/old.ndjson", json.dumps(PAYLOAD) + "\n")
    load(conn, settings, "service_ping_payloads")
    # The table as an earlier loader left it: no identity columns.
    for column in ("_payload_uuid", "_payload_hostname", "_payload_recorded_at"):
        conn.execute(f"alter table raw.service_ping_payloads drop column {column}")
    write(ping_dir / "2026-05-05/new.ndjson", json.dumps({**PAYLOAD, "uuid": "u2"}) + "\n")
    load(conn, settings, "service_ping_payloads")
    assert rows(
        conn, "select _payload_uuid, _payload_hostname from raw.service_ping_payloads order by 1"
    ) == [("u1", "h1"), ("u2", "h1")]


def test_a_large_batch_commits_as_a_checkpoint_without_a_wal(conn, settings, monkeypatch):
    monkeypatch.setattr(load_duckdb, "_CHECKPOINT_COMMIT_BYTES", 1)
    ping_dir = settings.landing_dir / "service_ping/2026-05-04"
    lines = [json.dumps({**PAYLOAD, "uuid": f"u{i}"}) for i in range(50)]
    write(ping_dir / "pings.ndjson", "\n".join(lines) + "\n")
    before = rows(conn, "select current_setting('checkpoint_threshold')")
    report = load(conn, settings, "service_ping_payloads")
    assert report.rows_loaded == 50
    # Written to the database file at commit: nothing waits in the write-ahead log.
    wal = Path(f"{settings.duckdb_path}.wal")
    assert not wal.exists() or wal.stat().st_size == 0
    # The global settings it lowered for that commit are back.
    assert rows(conn, "select current_setting('checkpoint_threshold')") == before
    assert rows(conn, "select current_setting('auto_checkpoint_skip_wal_threshold')") == [(100000,)]


def test_landing_files_are_hashed(settings):
    path = write(settings.landing_dir / "zuora/account.csv", "Id,Name\nA1,Acme\n")
    write(settings.landing_dir / "zuora/subscription.csv", "Id\nS1\n")
    [account] = find_landing_files(settings, TABLES["zuora_account"])
    assert (account.sha256, account.size) == (file_sha256(path), path.stat().st_size)
    assert account.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def hashed_by(monkeypatch) -> list[str]:
    """The names of the files find_landing_files reads to hash, from now on."""
    names: list[str] = []

    def counting(path: Path) -> str:
        names.append(path.name)
        return file_sha256(path)

    monkeypatch.setattr(landing, "file_sha256", counting)
    return names


def test_a_file_taken_before_is_hashed_again_only_when_its_size_or_mtime_changed(conn, settings, monkeypatch):
    table = TABLES["service_ping_payloads"]
    ping_dir = settings.landing_dir / "service_ping"
    first = write(ping_dir / "2026-05-04/a.json", json.dumps({**PAYLOAD, "uuid": "u1"}))
    second = write(ping_dir / "2026-05-05/b.json", json.dumps({**PAYLOAD, "uuid": "u2"}))
    loader = DuckDBRawLoader(conn, run_id="test")
    loader.load(table, find_landing_files(settings, table, known=loader.known_files(table)))
    assert rows(conn, "select count(*) from raw.load_log where file_mtime_ns is not null") == [(2,)]

    hashed = hashed_by(monkeypatch)
    again = find_landing_files(settings, table, known=loader.known_files(table))
    assert hashed == []
    assert [f.sha256 for f in again] == [file_sha256(first), file_sha256(second)]

    # New content of the same size, written later: the mtime says it changed, so it is read.
    first.write_text(json.dumps({**PAYLOAD, "uuid": "u3"}))
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 1_000_000_000))
    changed = find_landing_files(settings, table, known=loader.known_files(table))
    assert hashed == ["a.json"]
    report = loader.load(table, changed)
    assert (report.files_new, report.rows_loaded) == (1, 1)
    assert rows(conn, "select payload->>'uuid' from raw.service_ping_payloads order by 1") == [
        ("u1",),
        ("u2",),
        ("u3",),
    ]


def test_a_log_without_mtimes_is_completed_by_the_next_load(conn, settings, monkeypatch):
    table = TABLES["zuora_account"]
    write(settings.landing_dir / "zuora/account.csv", "Id,Name\nA1,Acme\n")
    loader = DuckDBRawLoader(conn, run_id="test")
    loader.load(table, find_landing_files(settings, table))
    conn.execute("alter table raw.load_log drop column file_mtime_ns")  # a log from before the column

    loader = DuckDBRawLoader(conn, run_id="test")  # adds the column back, empty
    assert loader.known_files(table) == {}
    report = loader.load(table, find_landing_files(settings, table, known=loader.known_files(table)))
    assert report.files_new == 0
    hashed = hashed_by(monkeypatch)
    find_landing_files(settings, table, known=loader.known_files(table))
    assert hashed == []


# -- Metrics dictionary -------------------------------------------------------------------------
def test_metric_definitions_and_a_broken_one(conn, settings):
    root = settings.metrics_dictionary_dir / "config/metrics/counts_all"
    write(root / "20210101_ci_builds.yml", "key_path: counts.ci_builds\ntime_frame: all\ntiers:\n- free\n")
    write(root / "20210102_broken.yml", "key_path: [unclosed\n")
    write(root / "20210103_no_key.yml", "description: no key path\n")
    report = load(conn, settings, "metrics_dictionary")
    assert report.rows_loaded == 1
    assert sorted(q.source_file.rsplit("/", 1)[1] for q in report.quarantined) == [
        "20210102_broken.yml",
        "20210103_no_key.yml",
    ]
    assert rows(conn, "select key_path, definition ->> '$.tiers[0]' from raw.metrics_dictionary") == [
        ("counts.ci_builds", "free")
    ]
