"""Product tiers, delivery and deployment types from the Zuora catalog, and GitLab's fiscal
calendar in dim_date."""

from __future__ import annotations

import datetime as dt
import hashlib

from tests.commercial.commercial_landing import CATALOG, read_csv


def test_every_rate_plan_gets_its_tier_delivery_and_deployment(zone, warehouse):
    names = {row["Id"]: row["Name"] for row in read_csv(zone.landing / "zuora/product_rate_plan.csv")}
    assert set(names.values()) <= set(CATALOG), "a rate plan this test does not classify"
    actual = {
        detail: tuple(rest)
        for detail, *rest in warehouse.execute(
            "select dim_product_detail_id, product_tier_historical, product_tier_name, product_delivery_type,"
            " product_deployment_type, is_licensed_user, dim_product_tier_id from common.dim_product_detail"
        ).fetchall()
    }
    expected = {
        plan_id: (*CATALOG[name], hashlib.md5(CATALOG[name][0].encode()).hexdigest())
        for plan_id, name in names.items()
    }
    assert actual == expected
    assert {row[3] for row in expected.values()} >= {"GitLab.com", "Dedicated", "Self-Managed"}


def test_product_tiers_cover_the_catalog_free_trial_and_unknown(zone, warehouse):
    rows = warehouse.execute(
        "select dim_product_tier_id, product_tier_historical, product_tier_name, product_delivery_type,"
        " product_deployment_type from common.dim_product_tier"
    ).fetchall()
    tiers = {
        historical: (tier_id, name, delivery, deployment)
        for tier_id, historical, name, delivery, deployment in rows
    }
    assert len(tiers) == len(rows)
    for historical, name, delivery, deployment, _ in CATALOG.values():
        assert tiers[historical] == (hashlib.md5(historical.encode()).hexdigest(), name, delivery, deployment)
    assert tiers["Self-Managed - Core"][1:] == ("Self-Managed - Free", "Self-Managed", "Self-Managed")
    assert tiers["SaaS - Free"][1:] == ("SaaS - Free", "SaaS", "GitLab.com")
    assert tiers["SaaS - Trial: Gold"][1] == "SaaS - Trial: Ultimate"
    assert tiers["(Unknown Historical Tier)"][0] == hashlib.md5(b"-1").hexdigest()


def _fiscal(day: dt.date) -> tuple[int, int, dt.date, int]:
    """GitLab's fiscal calendar: the year starts on 1 February and is named after the year it ends in."""
    year = day.year + 1 if day.month >= 2 else day.year
    quarter = (day.month - 2) % 12 // 3 + 1
    start = dt.date(year - 1, 2, 1)
    return year, quarter, start, (day - start).days + 1


def test_dim_date_calendar_and_fiscal_year(warehouse):
    rows = warehouse.execute(
        "select date_day, date_id, day_of_week, first_day_of_month, last_day_of_month, fiscal_year,"
        " fiscal_quarter, first_day_of_fiscal_year, day_of_fiscal_year, fiscal_quarter_name_fy"
        " from common.dim_date order by date_day"
    ).fetchall()
    assert rows[0][0] == dt.date(2010, 1, 1) and rows[-1][0] == dt.date(2050, 12, 31)
    assert len(rows) == (dt.date(2050, 12, 31) - dt.date(2010, 1, 1)).days + 1
    for day, date_id, weekday, first, last, *fiscal in rows:
        next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        year, quarter, start, day_of_year = _fiscal(day)
        assert (date_id, weekday, first, last) == (
            int(day.strftime("%Y%m%d")),
            day.isoweekday() % 7 + 1,  # Sunday = 1
            day.replace(day=1),
            next_month - dt.timedelta(days=1),
        ), day
        assert fiscal == [year, quarter, start, day_of_year, f"FY{year % 100:02d}-Q{quarter}"], day
