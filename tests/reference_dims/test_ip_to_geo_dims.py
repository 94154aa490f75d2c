"""IP-to-geo on hand-made MaxMind GeoLite2 CSVs: networks on every continent, pings in collector
envelopes carrying source_ip. Each ping lands in its country and region; addresses outside every
network or not IPv4 at all get no location, and never an error."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import shutil

import duckdb
import pytest

from tests.conftest import dbt_build, load_raw, settings_for

LOCATIONS_HEADER = "geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,"
LOCATIONS = f"""{LOCATIONS_HEADER}is_in_european_union
6255148,en,EU,Europe,,,0
6252001,en,NA,North America,US,United States,0
6251999,en,NA,North America,CA,Canada,0
3996063,en,NA,North America,MX,Mexico,0
3573591,en,NA,North America,JM,Jamaica,0
3469034,en,SA,South America,BR,Brazil,0
2921044,de,EU,Europa,DE,Deutschland,1
2921044,en,EU,Europe,DE,Germany,1
294640,en,AS,Asia,IL,Israel,0
1861060,en,AS,Asia,JP,Japan,0
2077456,en,OC,Oceania,AU,Australia,0
953987,en,AF,Africa,ZA,South Africa,0
6697173,en,AN,Antarctica,AQ,Antarctica,0
"""

BLOCKS_HEADER = "network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,"
BLOCKS = f"""{BLOCKS_HEADER}is_anonymous_proxy,is_satellite_provider,is_anycast
1.128.0.0/11,2077456,2077456,,0,0,0
2.56.0.0/16,6255148,,,0,0,0
5.8.0.0/21,,6252001,,1,0,0
8.8.0.0/16,6252001,6252001,,0,0,0
8.8.8.0/24,2921044,6252001,,0,0,0
41.0.0.0/11,953987,953987,,0,0,0
72.252.0.0/16,3573591,3573591,,0,0,0
79.176.0.0/13,294640,294640,,0,0,0
91.64.0.0/12,2921044,2921044,,0,0,0
99.224.0.0/11,6251999,6251999,,0,0,0
126.0.0.0/8,1861060,1861060,,0,0,0
177.0.0.0/10,3469034,3469034,,0,0,0
189.200.0.0/14,3996063,3996063,,0,0,0
255.255.255.0/24,6252001,6252001,,0,0,0
300.1.0.0/16,6252001,6252001,,0,0,0
"""

# uuid -> (source_ip in the envelope, expected ISO country, expected region)
PINGS = {
    "us": ("8.8.4.4", "US", "AMER"),
    "us-first-address": ("8.8.0.0", "US", "AMER"),
    "us-last-address": ("8.8.255.255", "US", "AMER"),
    "us-padded": (" 8.8.4.5 ", "US", "AMER"),
    "nested-network": ("8.8.8.8", "DE", "EMEA"),  # the narrowest network wins
    "top-address": ("255.255.255.255", "US", "AMER"),
    "ca": ("99.230.1.1", "CA", "AMER"),
    "mx": ("189.203.1.1", "MX", "LATAM"),
    "jm": ("72.252.10.1", "JM", "LATAM"),
    "br": ("177.10.0.1", "BR", "LATAM"),
    "de": ("91.70.1.1", "DE", "EMEA"),
    "il": ("79.180.0.1", "IL", "EMEA"),
    "za": ("41.1.1.1", "ZA", "EMEA"),
    "jp": ("126.1.2.3", "JP", "APAC"),
    "au": ("1.130.0.1", "AU", "APAC"),
    "anonymous-proxy": ("5.8.1.1", "US", "AMER"),  # no located country: the registered one
    "continent-only": ("2.56.1.1", None, None),
    "outside-every-network": ("192.0.2.1", None, None),
    "octet-too-big": ("999.1.1.1", None, None),
    "three-octets": ("1.2.3", None, None),
    "leading-zero": ("08.8.4.4", None, None),
    "ipv6": ("2001:db8::1", None, None),
    "words": ("not-an-ip", None, None),
    "empty": ("", None, None),
    "json-null": (None, None, None),
}


def _payload(uuid: str) -> dict:
    return {"uuid": uuid, "hostname": f"{uuid}.example.com", "recorded_at": "2024-05-01T10:00:00Z"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("geo")
    settings = settings_for(tmp / "data")
    geo = settings.landing_dir / "ip_to_geo"
    geo.mkdir(parents=True)
    (geo / "locations.csv").write_text(LOCATIONS)
    (geo / "blocks_ipv4.csv").write_text(BLOCKS)
    envelopes = settings.landing_dir / "service_ping" / "2024-05-02"
    envelopes.mkdir(parents=True)
    lines = [
        json.dumps({"received_at": "2024-05-02 08:00:00", "source_ip": ip, "payload": _payload(uuid)})
        for uuid, (ip, _, _) in PINGS.items()
    ]
    (envelopes / "versions_app_20240502.ndjson").write_text("\n".join(lines) + "\n")
    bare = settings.landing_dir / "service_ping" / "2024-05-03"
    bare.mkdir(parents=True)
    (bare / "usage_data_20240503.ndjson").write_text(json.dumps(_payload("bare")) + "\n")
    load_raw(settings)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("USAGE_PLATFORM_IP_HASH_SALT", raising=False)
        dbt_build(settings, "+prep_ping_payload +dim_location +dim_ip_to_geo", tmp_dir=tmp)
    yield settings, tmp


def _query(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def _ping_locations(settings) -> dict[str, tuple]:
    rows = _query(
        settings,
        """
        select payload ->> 'uuid', location.iso_2_country_code, location.location_region_name_map,
               ping.ip_address_hash
        from prep.prep_ping_payload as ping
        left join common.dim_location as location using (dim_location_country_id)
        """,
    )
    return {uuid: (country, region, ip_hash) for uuid, country, region, ip_hash in rows}


def test_each_ping_lands_in_its_country_and_region(warehouse):
    settings, _ = warehouse
    located = _ping_locations(settings)
    assert set(located) == {*PINGS, "bare"}
    for uuid, (ip, country, region) in PINGS.items():
        assert located[uuid][:2] == (country, region), (uuid, ip)
    assert located["bare"][:2] == (None, None)


def test_the_ip_is_hashed_and_gone(warehouse):
    settings, _ = warehouse
    located = _ping_locations(settings)
    for uuid, (ip, _, _) in PINGS.items():
        expected = hashlib.sha256(ip.strip().encode()).hexdigest() if ip and ip.strip() else None
        assert located[uuid][2] == expected, uuid
    assert located["bare"][2] is None
    columns = {
        name
        for (name,) in _query(
            settings,
            "select column_name from information_schema.columns "
            "where table_schema = 'prep' and table_name = 'prep_ping_payload'",
        )
    }
    assert "ip_address_hash" in columns and "dim_location_country_id" in columns
    assert not {name for name in columns if "source_ip" in name}


def test_a_salt_changes_the_hash(warehouse, tmp_path):
    """With USAGE_PLATFORM_IP_HASH_SALT set the hash is sha256(ip || salt), so hashing all 2^32
    IPv4 addresses without the salt no longer reverses it."""
    settings, _ = warehouse
    salted = settings_for(tmp_path / "data")
    salted.duckdb_path.parent.mkdir(parents=True)
    shutil.copyfile(settings.duckdb_path, salted.duckdb_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("USAGE_PLATFORM_IP_HASH_SALT", "pepper")
        dbt_build(salted, "prep_ping_payload", tmp_dir=tmp_path)
    ip_hash = _ping_locations(salted)["us"][2]
    assert ip_hash == hashlib.sha256(b"8.8.4.4pepper").hexdigest()


def test_locations_are_one_english_row_per_country(warehouse):
    settings, _ = warehouse
    rows = _query(
        settings,
        "select iso_2_country_code, country_name, continent_code, is_in_european_union,"
        " location_region_name_map from common.dim_location",
    )
    countries = {row[0]: row[1:] for row in rows}
    # One row per country code (Germany comes in two locales); the continent-only geoname is no country.
    country_codes = {line.split(",")[4] for line in LOCATIONS.strip().splitlines()[1:]} - {""}
    assert len(rows) == len(countries) == len(country_codes) == 11
    assert countries["DE"] == ("Germany", "EU", True, "EMEA")
    assert countries["AQ"] == ("Antarctica", "AN", False, None)
    regions = {iso: row[3] for iso, row in countries.items()}
    assert regions == {
        "US": "AMER",
        "CA": "AMER",
        "MX": "LATAM",
        "JM": "LATAM",
        "BR": "LATAM",
        "DE": "EMEA",
        "IL": "EMEA",
        "ZA": "EMEA",
        "JP": "APAC",
        "AU": "APAC",
        "AQ": None,
    }


def test_networks_have_integer_bounds(warehouse):
    settings, _ = warehouse
    rows = _query(
        settings,
        "select network, ip_range_first_ip_numeric, ip_range_last_ip_numeric, dim_location_country_id,"
        " is_located_by_registered_country from common.dim_ip_to_geo",
    )
    networks = {row[0]: row[1:] for row in rows}
    assert len(networks) == len(BLOCKS.strip().splitlines()) - 1
    for network, (first, last, _, _) in networks.items():
        if network == "300.1.0.0/16":
            assert (first, last) == (None, None)  # malformed: kept, matches nothing
            continue
        parsed = ipaddress.ip_network(network)
        assert (first, last) == (int(parsed.network_address), int(parsed.broadcast_address)), network
    assert networks["5.8.0.0/21"][2:] == (6252001, True)
    assert networks["2.56.0.0/16"][2:] == (None, False)
    assert networks["8.8.8.0/24"][2:] == (2921044, False)
