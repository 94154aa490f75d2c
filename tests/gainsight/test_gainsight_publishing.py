"""What Gainsight may read: no personal data in the pump or its export, and on Snowflake a
SELECT grant for Gainsight's role only (DuckDB gets no grants; it publishes to the outbox)."""

from __future__ import annotations

import csv
import json
import os
import subprocess

import duckdb
import pyarrow.parquet as pq

from tests.conftest import settings_for
from tests.expected_pump import _documents, read_csv, read_pings
from tests.gainsight.conftest import PUMP
from usage_platform.dbt.project import dbt_env, dbt_executable
from usage_platform.gainsight.export import export_snapshot
from usage_platform.settings import DBT_PROJECT_DIR

PUMP_NODE = "model.usage_platform.pump_gainsight_metrics_monthly_paid"
PERSONAL_COLUMN_WORDS = (
    "email",
    "licensee",
    "source_ip",
    "ip_address",
    "company",
    "first_name",
    "last_name",
    "namespace_name",
    "namespace_path",
)


def personal_values(landing) -> set[str]:
    """Names, e-mails, companies and IP addresses the landing files hold about people and customers,
    and GitLab.com namespace names and paths (a personal namespace's are its user's name)."""
    values: set[str] = set()
    for relative, fields in (
        ("customers_db/licenses.csv", ("company", "email", "name")),
        ("salesforce/account.csv", ("Name",)),
        ("salesforce/user.csv", ("Name", "Email")),
        ("zuora/account.csv", ("Name",)),
        ("gitlab_dotcom/namespaces.csv", ("name", "path")),
    ):
        for row in read_csv(landing / relative):
            values.update(row[field] for field in fields if row.get(field))
    for path in (landing / "service_ping").glob("*/*"):
        values.update(_envelope_ips(path))
    for ping in read_pings(landing)[0]:
        licensee = ping["payload"].get("licensee") or {}
        values.update(str(value) for value in licensee.values() if value)
    return {value for value in values if len(value) > 3}


def _envelope_ips(path) -> set[str]:
    try:
        documents = _documents(path)
    except (ValueError, OSError, EOFError):  # the planted malformed files
        return set()
    return {d["source_ip"] for d in documents if isinstance(d, dict) and d.get("source_ip")}


def _text_cells(rows: list[dict]) -> set[str]:
    return {value for row in rows for value in row.values() if isinstance(value, str)}


def test_the_pump_holds_no_personal_data(pump_build):
    personal = personal_values(pump_build.settings.landing_dir)
    assert len(personal) > 20, "the generator writes licensees, contacts and account names"
    assert "planted-saas-group" in personal and any(value.startswith("user") for value in personal)
    cells = _text_cells(pump_build.query_dicts(f"select * from {PUMP}"))
    assert cells & personal == set()
    assert [cell for cell in cells if "@" in cell] == []


def test_no_pump_column_is_a_personal_field(pump_build):
    columns = [row[0] for row in pump_build.query(f"select column_name from (describe {PUMP})")]
    assert [c for c in columns if c == "name" or any(word in c for word in PERSONAL_COLUMN_WORDS)] == []
    assert [c for c in columns if c.endswith("_account_name")] == []
    manifest = json.loads((pump_build.dbt_target / "manifest.json").read_text())
    assert manifest["nodes"][PUMP_NODE]["config"]["meta"]["data_classification"] != "orange"


def test_the_exported_snapshot_is_the_pump(pump_build, tmp_path):
    with duckdb.connect(str(pump_build.settings.duckdb_path), read_only=True) as conn:
        snapshot = export_snapshot(conn, PUMP, tmp_path / "outbox", order_by="primary_key")
        count = conn.execute(f"select count(*) from {PUMP}").fetchone()[0]
    table = pq.read_table(snapshot.data_file)
    assert table.num_rows == count == snapshot.row_count
    keys = table.column("primary_key").to_pylist()
    assert keys == sorted(keys) and len(set(keys)) == count
    assert _text_cells(table.to_pylist()) & personal_values(pump_build.settings.landing_dir) == set()


def _grants(manifest_path) -> dict:
    return json.loads(manifest_path.read_text())["nodes"][PUMP_NODE]["config"]["grants"]


def test_only_snowflake_grants_gainsight_select(pump_build, tmp_path):
    assert _grants(pump_build.dbt_target / "manifest.json") == {}, "DuckDB has no roles to grant to"
    role = {"USAGE_PLATFORM_GAINSIGHT_ROLE": "CS_GAINSIGHT_READ"}
    settings = settings_for(tmp_path / "data", USAGE_PLATFORM_TARGET="snowflake", **role)
    target = tmp_path / "snowflake_target"
    completed = subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--target-path", str(target), "--log-path", str(tmp_path)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_env(settings)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-2000:]
    assert _grants(target / "manifest.json") == {"select": ["CS_GAINSIGHT_READ"]}
    # Nothing else is granted to Gainsight.
    manifest = json.loads((target / "manifest.json").read_text())
    granted = [uid for uid, node in manifest["nodes"].items() if node.get("config", {}).get("grants")]
    assert granted == [PUMP_NODE]


def test_personal_values_are_found_where_they_are(tmp_path):
    """The detector itself: a licensee e-mail and a sender IP in a landing zone are found."""
    landing = tmp_path / "landing"
    for relative, header, row in (
        ("customers_db/licenses.csv", ["company", "email", "name"], ["Acme Corp", "jo@acme.example", "Jo D"]),
        ("salesforce/account.csv", ["Name"], ["Acme Holdings"]),
        ("salesforce/user.csv", ["Name", "Email"], ["Sam Seller", "sam@crm.example"]),
        ("zuora/account.csv", ["Name"], ["Acme Billing"]),
        ("gitlab_dotcom/namespaces.csv", ["name", "path"], ["Jo Doe", "jodoe42"]),
    ):
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        with (landing / relative).open("w", newline="") as handle:
            csv.writer(handle).writerows([header, row])
    folder = landing / "service_ping" / "2026-10-01"
    folder.mkdir(parents=True)
    envelope = {"received_at": "2026-10-01T10:00:00", "source_ip": "203.0.113.9", "payload": {"uuid": "u"}}
    (folder / "pings.ndjson").write_text(json.dumps(envelope) + "\n")
    found = personal_values(landing)
    assert {
        "jo@acme.example",
        "Acme Corp",
        "Acme Holdings",
        "sam@crm.example",
        "203.0.113.9",
        "jodoe42",
    } <= found
