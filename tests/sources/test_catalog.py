from usage_platform.sources.catalog import load_catalog, raw_tables

# DESIGN.md §4: every landing folder has a raw source.
LANDING_FOLDERS = {
    "service_ping",
    "customers_db",
    "zuora",
    "salesforce",
    "gitlab_dotcom",
    "gainsight",
    "ip_to_geo",
    "releases",
    "metrics_dictionary",
}


def test_every_landing_folder_has_a_source():
    assert {system.name for system in load_catalog()} == LANDING_FOLDERS


def test_raw_tables_are_named_after_their_landing_folder():
    special = {"service_ping_payloads", "metrics_dictionary"}  # names DESIGN.md gives explicitly
    for table in raw_tables():
        if table.table not in special:
            assert table.table == f"{table.landing_root}_{table.name}"


def test_the_real_source_tables_are_declared():
    tables = {t.table for t in raw_tables()}
    expected = {
        "service_ping_payloads",
        "metrics_dictionary",
        "customers_db_licenses",
        "customers_db_orders",
        "customers_db_license_seat_links",
        *(f"zuora_{t}" for t in ("account", "subscription", "rate_plan", "rate_plan_charge", "product")),
        "zuora_product_rate_plan",
        "salesforce_account",
        "salesforce_user",
        "gainsight_instance_info",
        "ip_to_geo_blocks_ipv4",
        "ip_to_geo_locations",
        "releases_releases",
        "gitlab_dotcom_namespaces",
        "gitlab_dotcom_events",
    }
    assert expected <= tables
