"""dim_installation on the generator's landing zone: every ping belongs to exactly one installation
row, and each installation's counts, dates and latest ping agree with its pings."""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def warehouse(project):
    with duckdb.connect(str(project.settings.duckdb_path), read_only=True) as conn:
        yield conn


def scalar(conn, sql: str):
    return conn.execute(sql).fetchone()[0]


def test_every_ping_has_an_installation(warehouse):
    pings = scalar(warehouse, "select count(*) from prep.prep_ping_payload")
    assert pings > 50
    assert scalar(warehouse, "select count(*) from common.dim_ping_instance") == pings
    orphans = scalar(
        warehouse,
        "select count(*) from common.dim_ping_instance as pings "
        "left join common.dim_installation using (dim_installation_id) "
        "where dim_installation.dim_installation_id is null",
    )
    assert orphans == 0
    assert scalar(warehouse, "select sum(ping_count) from common.dim_installation") == pings


def test_installations_agree_with_their_pings(warehouse):
    distinct = scalar(warehouse, "select count(distinct (uuid, hostname)) from common.dim_ping_instance")
    assert scalar(warehouse, "select count(*) from common.dim_installation") == distinct
    # The generator renames one host (same uuid, new hostname): two installations, one uuid.
    assert scalar(warehouse, "select count(*) - count(distinct uuid) from common.dim_installation") >= 1
    disagreeing = scalar(
        warehouse,
        """
        select count(*)
        from common.dim_installation as installations
        inner join (
            select
                dim_installation_id,
                cast(min(ping_created_at) as date) as first_ping_date,
                cast(max(ping_created_at) as date) as last_ping_date,
                max(ping_created_at) as last_ping_created_at
            from common.dim_ping_instance
            group by dim_installation_id
        ) as expected using (dim_installation_id)
        inner join common.dim_ping_instance as latest
            on installations.latest_dim_ping_instance_id = latest.dim_ping_instance_id
        where installations.first_ping_date <> expected.first_ping_date
            or installations.last_ping_date <> expected.last_ping_date
            or latest.ping_created_at <> expected.last_ping_created_at
            or latest.dim_installation_id <> installations.dim_installation_id
            or installations.latest_version is distinct from latest.version
        """,
    )
    assert disagreeing == 0


def test_latest_subscriptions_are_known_subscriptions(warehouse):
    mapped = scalar(warehouse, "select count(latest_dim_subscription_id) from common.dim_installation")
    assert mapped > 0
    unknown = scalar(
        warehouse,
        "select count(*) from common.dim_installation "
        "where latest_dim_subscription_id not in (select dim_subscription_id from common.dim_subscription)",
    )
    assert unknown == 0
