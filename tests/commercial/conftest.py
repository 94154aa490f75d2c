"""One generated landing zone with the planted commercial cases, built once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.commercial.commercial_landing import Zone, generate_zone
from tests.conftest import dbt_build, load_raw, settings_for

SELECTION = (
    "+fct_usage_self_managed_seat_link +prep_recurring_charge_subscription_monthly +dim_crm_account"
    " +dim_billing_account +dim_product_detail +dim_product_tier +dim_date +prep_license"
)


@pytest.fixture(scope="session")
def commercial_build(tmp_path_factory) -> tuple[Zone, Path]:
    tmp = tmp_path_factory.mktemp("commercial")
    settings = settings_for(tmp / "data")
    zone = generate_zone(settings.landing_dir)
    load_raw(settings)
    dbt_build(settings, SELECTION, tmp_dir=tmp)
    return zone, settings.duckdb_path


@pytest.fixture(scope="session")
def zone(commercial_build) -> Zone:
    return commercial_build[0]


@pytest.fixture(scope="session")
def warehouse(commercial_build) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(commercial_build[1]), read_only=True) as conn:
        yield conn
