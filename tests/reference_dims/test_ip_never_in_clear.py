"""The sender IP never leaves raw in clear: after everything is materialized from a generated landing zone, no
value of any column of any relation outside raw equals (or, as text, contains) a source_ip that
raw holds. A check of values, not of column names."""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def warehouse(project):
    """The session's project: everything materialized, the trusted-data history included."""
    with duckdb.connect(str(project.settings.duckdb_path), read_only=True) as conn:
        conn.execute(
            "create temp table clear_ips as"
            " select distinct trim(source_ip) as ip from raw.service_ping_payloads"
            " where nullif(trim(source_ip), '') is not null"
        )
        yield conn


def _columns(conn, where: str) -> list[tuple[str, str, str]]:
    return conn.execute(
        f"""
        select table_schema, table_name, column_name
        from information_schema.columns
        where table_catalog = current_database() and {where}
        order by all
        """
    ).fetchall()


def _columns_holding_a_clear_ip(conn, columns) -> list[str]:
    found = []
    for schema, table, column in columns:
        # Every value as text, searched inside: JSON, lists and structs included (a number or a
        # date can never contain a dotted quad, so this is also the whole-value comparison).
        hits = conn.execute(
            f'select count(*) from "{schema}"."{table}" as t'
            f' inner join clear_ips on contains(cast(t."{column}" as varchar), clear_ips.ip)'
        ).fetchone()[0]
        if hits:
            found.append(f"{schema}.{table}.{column}")
    return found


def test_raw_holds_clear_ips_and_the_search_finds_them(warehouse):
    """The control: the generated envelopes carry IPs and the search sees them in raw."""
    assert warehouse.execute("select count(*) from clear_ips").fetchone()[0] >= 3
    raw_columns = _columns(warehouse, "table_schema = 'raw' and table_name = 'service_ping_payloads'")
    assert _columns_holding_a_clear_ip(warehouse, raw_columns) == ["raw.service_ping_payloads.source_ip"]


def test_no_relation_outside_raw_holds_a_clear_ip(warehouse):
    columns = _columns(warehouse, "table_schema not in ('raw', 'information_schema', 'pg_catalog')")
    relations = {(schema, table) for schema, table, _ in columns}
    # The whole project was built: every layer, the ping models among them.
    assert {schema for schema, _ in relations} >= {"prep", "common", "pumps"}
    assert ("prep", "prep_ping_payload") in relations and ("prep", "prep_ping_instance") in relations
    assert warehouse.execute("select count(ip_address_hash) from prep.prep_ping_payload").fetchone()[0] > 0
    assert _columns_holding_a_clear_ip(warehouse, columns) == []
