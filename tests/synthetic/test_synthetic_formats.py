"""Every landing file parses in its documented format, with exactly the documented columns."""

import csv
import ipaddress
import json

import duckdb
import pytest
import yaml

from tests.synthetic.synthetic_landing import ping_files, read_ping_file
from usage_platform.synthetic.service_ping import REQUIRED_TOP_LEVEL_KEYS

# The documented contract, spelled out here rather than imported, so a drift in the generator fails.
EXPECTED_HEADERS = {
    "customers_db/licenses.csv": (
        "id license_md5 license_sha256 zuora_subscription_id zuora_subscription_name plan_code "
        "trial users_count starts_at expires_at company email name created_at updated_at"
    ),
    "customers_db/orders.csv": (
        "id customer_id product_rate_plan_id subscription_id subscription_name gl_namespace_id "
        "quantity start_date end_date trial created_at updated_at"
    ),
    "customers_db/license_seat_links.csv": (
        "id zuora_subscription_id zuora_subscription_name order_id report_timestamp report_date "
        "active_user_count license_user_count max_historical_user_count hostname "
        "instance_identifier created_at updated_at"
    ),
    "zuora/account.csv": (
        "Id AccountNumber Name CrmId Status Currency BillToId SoldToId Batch CreatedDate UpdatedDate"
    ),
    "zuora/subscription.csv": (
        "Id AccountId Name Status Version OriginalId PreviousSubscriptionId TermType "
        "TermStartDate TermEndDate SubscriptionStartDate SubscriptionEndDate AutoRenew "
        "CreatedDate UpdatedDate"
    ),
    "zuora/rate_plan.csv": "Id SubscriptionId ProductRatePlanId Name AmendmentType CreatedDate UpdatedDate",
    "zuora/rate_plan_charge.csv": (
        "Id RatePlanId ProductRatePlanChargeId Name ChargeType ChargeModel Quantity MRR TCV "
        "EffectiveStartDate EffectiveEndDate BillingPeriod UnitOfMeasure Segment Version "
        "IsLastSegment"
    ),
    "zuora/product.csv": "Id Name SKU Category EffectiveStartDate EffectiveEndDate",
    "zuora/product_rate_plan.csv": "Id ProductId Name Description EffectiveStartDate EffectiveEndDate",
    "salesforce/account.csv": (
        "Id Name ParentId BillingCountry BillingCountryCode Industry Type OwnerId "
        "NumberOfEmployees CreatedDate LastModifiedDate IsDeleted"
    ),
    "salesforce/user.csv": "Id Name Email IsActive Title UserRoleId CreatedDate",
    "gitlab_dotcom/namespaces.csv": (
        "id name path type parent_id owner_id visibility_level shared_runners_enabled created_at updated_at"
    ),
    "gitlab_dotcom/members.csv": "id user_id source_id source_type access_level type created_at",
    "gitlab_dotcom/users.csv": "id state user_type created_at last_activity_on",
    "gitlab_dotcom/projects.csv": "id namespace_id creator_id visibility_level archived created_at",
    "gitlab_dotcom/merge_requests.csv": "id target_project_id author_id state_id created_at merged_at",
    "gitlab_dotcom/issues.csv": "id project_id author_id created_at closed_at",
    "gitlab_dotcom/ci_pipelines.csv": "id project_id user_id status source created_at",
    "gitlab_dotcom/ci_runners.csv": "id runner_type active created_at contacted_at sharding_key_id",
    "gitlab_dotcom/gitlab_subscriptions.csv": (
        "id namespace_id hosted_plan_id seats seats_in_use max_seats_used start_date end_date "
        "trial trial_ends_on created_at updated_at"
    ),
    "gainsight/instance_info.csv": (
        "gsid crm_acct_id instance_uuid hostname namespace_id instancetype "
        "included_in_health_measures modified_date"
    ),
    "ip_to_geo/blocks_ipv4.csv": (
        "network geoname_id registered_country_geoname_id represented_country_geoname_id "
        "is_anonymous_proxy is_satellite_provider is_anycast"
    ),
    "ip_to_geo/locations.csv": (
        "geoname_id locale_code continent_code continent_name country_iso_code country_name "
        "is_in_european_union"
    ),
    "releases/releases.csv": "major_minor_version release_date",
}
CURRENT_FORMAT_KEYS = [
    "key_path",
    "description",
    "product_group",
    "product_categories",
    "value_type",
    "status",
    "milestone",
    "introduced_by_url",
    "time_frame",
    "data_source",
    "data_category",
    "performance_indicator_type",
    "tiers",
]
FORMAT_2021_KEYS = [
    "key_path",
    "description",
    "product_section",
    "product_stage",
    "product_group",
    "value_type",
    "status",
    "time_frame",
    "data_source",
    "distribution",
    "tier",
    "performance_indicator_type",
    "milestone",
]


def test_every_csv_is_documented_and_has_exactly_its_header(landing):
    written = sorted(p.relative_to(landing.root).as_posix() for p in landing.root.rglob("*.csv"))
    assert written == sorted(EXPECTED_HEADERS)
    for relative, header in EXPECTED_HEADERS.items():
        with (landing.root / relative).open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
        assert reader.fieldnames == header.split(), relative
        assert rows, f"{relative} is empty"
        assert all(None not in row and None not in row.values() for row in rows), f"{relative}: ragged rows"


def test_csv_value_conventions(landing):
    for row in landing.csv("zuora/subscription.csv"):
        assert row["AutoRenew"] in ("true", "false")
        assert len(row["TermStartDate"]) == 10 and len(row["CreatedDate"]) == 19
        assert len(row["Id"]) == 32 and all(c in "0123456789abcdef" for c in row["Id"])
    for row in landing.csv("salesforce/account.csv"):
        assert len(row["Id"]) == 18 and row["Id"].startswith("001")
    names = [row["Name"] for row in landing.csv("salesforce/account.csv")]
    assert any("," in name for name in names) or any('"' in name for name in names), "quoting is exercised"


def test_events_parquet_reads(landing):
    path = landing.root / "gitlab_dotcom" / "events.parquet"
    connection = duckdb.connect()
    cursor = connection.execute(f"select * from read_parquet('{path}') limit 1")
    assert [column[0] for column in cursor.description] == [
        "id",
        "project_id",
        "author_id",
        "target_type",
        "action",
        "created_at",
    ]
    query = f"select count(*), count(distinct project_id) from read_parquet('{path}')"
    count, projects = connection.execute(query).fetchone()
    assert count > 100 and projects > 5


def test_activity_tables_stay_modest(landing):
    activity = ("merge_requests", "issues", "ci_pipelines")
    total = sum(len(landing.csv(f"gitlab_dotcom/{table}.csv")) for table in activity)
    assert 500 < total < 10000


def test_metric_yaml_files_load_in_their_format(landing):
    files = sorted((landing.root / "metrics_dictionary").rglob("*.yml"))
    assert 80 <= len(files) <= 120
    formats = {"current": 0, "2021": 0}
    for path in files:
        relative = path.relative_to(landing.root / "metrics_dictionary").as_posix()
        assert relative.startswith(("config/metrics/", "ee/config/metrics/")), relative
        folder = path.parent.name
        assert folder in ("counts_28d", "counts_7d", "counts_all", "settings", "license")
        stamp, _, _ = path.name.partition("_")
        assert len(stamp) == 14 and stamp.isdigit()
        document = yaml.safe_load(path.read_text())
        keys = list(document)
        if "product_section" in document:
            formats["2021"] += 1
            assert keys[: len(FORMAT_2021_KEYS)] == FORMAT_2021_KEYS, path.name
        else:
            formats["current"] += 1
            assert keys[: len(CURRENT_FORMAT_KEYS)] == CURRENT_FORMAT_KEYS, path.name
            if document["status"] == "removed":
                assert document["milestone_removed"] and "removed_by_url" in document
        assert isinstance(document["milestone"], str)
    assert formats["2021"] >= 5 and formats["current"] >= 75


def test_ping_files_parse_except_the_malformed_one(landing):
    malformed = set(landing.summary.malformed_files)
    assert len(malformed) == 1
    for path in ping_files(landing.root):
        assert path.name.endswith((".ndjson", ".ndjson.gz", ".json")), path.name
        if path in malformed:
            with pytest.raises(json.JSONDecodeError):
                read_ping_file(path)
        else:
            assert read_ping_file(path)


def test_every_payload_has_the_real_top_level_keys(landing):
    assert len(landing.pings) >= 900
    for record in landing.pings:
        missing = set(REQUIRED_TOP_LEVEL_KEYS) - set(record.payload)
        assert not missing, f"{record.file.name}: {sorted(missing)}"
        assert "aggregated_metrics" in record.payload["counts_monthly"]
        assert record.payload["database"]["adapter"] == "postgresql"
        assert record.payload["topology"]["duration_s"] > 0


def test_all_ping_file_kinds_occur(landing):
    names = [p.name for p in ping_files(landing.root)]
    assert any(n.endswith(".ndjson.gz") for n in names)
    assert any(n.endswith(".json") for n in names)
    assert any(n.startswith("versions_app_") for n in names)
    assert any(n.startswith("usage_data_") and n.endswith(".ndjson") for n in names)
    assert any(r.received_at for r in landing.pings) and any(r.received_at is None for r in landing.pings)


def test_envelopes_come_from_the_geo_networks(landing):
    networks = [ipaddress.ip_network(row["network"]) for row in landing.csv("ip_to_geo/blocks_ipv4.csv")]
    ips = {r.source_ip for r in landing.pings if r.source_ip}
    assert ips
    for ip in ips:
        assert any(ipaddress.ip_address(ip) in network for network in networks), ip
    for record in landing.pings:
        if record.received_at:
            assert record.folder_date.isoformat() == record.received_at[:10]


def test_gzip_files_carry_no_timestamp_name_or_platform(landing):
    compressed = [p for p in ping_files(landing.root) if p.name.endswith(".gz")]
    assert compressed
    for path in compressed:
        header = path.read_bytes()[:10]
        assert header[:3] == b"\x1f\x8b\x08"
        assert header[3] == 0, "no FNAME/FEXTRA/FCOMMENT flags"
        assert header[4:8] == b"\x00\x00\x00\x00", "mtime 0"
        assert header[9] == 255, "OS unknown, the same on every platform"
