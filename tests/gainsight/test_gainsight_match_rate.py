"""The pump's match rate, before and after Gainsight's mappings, as numeric metadata: computed by
the provider from the warehouse and, independently, from the landing files."""

from __future__ import annotations

import duckdb
import pytest

from tests.expected_pump import expected_match_rates
from usage_platform.gainsight.metadata import PROVIDERS, match_rate_metadata


@pytest.fixture(scope="module")
def metadata(pump_build):
    with duckdb.connect(str(pump_build.settings.duckdb_path), read_only=True) as conn:
        return match_rate_metadata(conn)


def test_the_provider_is_registered_for_the_pump():
    assert PROVIDERS["pump_gainsight_metrics_monthly_paid"] is match_rate_metadata


def test_the_latest_months_match_rate_before_and_after_gainsight(pump_build, metadata):
    rates = expected_match_rates(pump_build.settings.landing_dir)
    month = max(rates)
    pings, by_license, after = rates[month]
    assert pings > by_license, "some paid-tier pings map only through Gainsight, or not at all"
    assert after > by_license, "Gainsight maps at least one ping no license maps"
    assert after < pings, "an instance Gainsight cannot settle stays unmapped"
    assert metadata["match_rate_month"].value == f"{month:%Y-%m}"
    assert metadata["match_rate_pings"].value == pings
    assert metadata["match_rate_mapped_by_license"].value == by_license
    assert metadata["match_rate_mapped_through_gainsight"].value == after - by_license
    assert metadata["match_rate_before_gainsight"].value == pytest.approx(by_license / pings, abs=1e-4)
    assert metadata["match_rate_after_gainsight"].value == pytest.approx(after / pings, abs=1e-4)


def test_every_month_is_in_the_table(pump_build, metadata):
    rates = expected_match_rates(pump_build.settings.landing_dir)
    table = metadata["match_rate_by_month"].value
    for month, (pings, by_license, after) in rates.items():
        assert f"| {month:%Y-%m} | {pings} | {by_license} | {after} |" in table


def test_the_rates_are_numbers_dagster_can_plot(metadata):
    import dagster as dg

    for name in ("match_rate_before_gainsight", "match_rate_after_gainsight"):
        assert isinstance(metadata[name], dg.FloatMetadataValue)
        assert 0.0 <= metadata[name].value <= 1.0


def test_an_empty_warehouse_month_gives_counts_without_rates(tmp_path):
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as conn:
        conn.execute("create schema common; create schema pumps")
        conn.execute(
            "create table common.dim_ping_instance (dim_ping_instance_id varchar, snapshot_month date, "
            "is_last_ping_of_month boolean, delivery_type varchar, is_internal boolean, is_trial boolean, "
            "product_tier varchar)"
        )
        conn.execute(
            "create table pumps.pump_gainsight_metrics_monthly_paid "
            "(dim_ping_instance_id varchar, is_mapped_through_gainsight boolean)"
        )
        metadata = match_rate_metadata(conn)
    assert metadata["match_rate_pings"].value == 0
    assert "match_rate_before_gainsight" not in metadata
