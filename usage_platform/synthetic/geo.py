"""Countries and IPv4 networks in MaxMind's GeoLite2-Country CSV layout.

The networks are made up (each country owns a few /16 and /20 blocks under its own first octets); the
GeoNames ids, ISO codes and continents are the real ones so joins to other reference data work.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    iso: str
    name: str
    geoname_id: int
    continent_code: str
    in_eu: bool
    weight: int  # share of customers billed there
    octets: tuple[int, ...]  # first octets of the country's networks


CONTINENTS = {
    "AF": ("Africa", 6255146),
    "AN": ("Antarctica", 6255152),
    "AS": ("Asia", 6255147),
    "EU": ("Europe", 6255148),
    "NA": ("North America", 6255149),
    "OC": ("Oceania", 6255151),
    "SA": ("South America", 6255150),
}

COUNTRIES = (
    Country("US", "United States", 6252001, "NA", False, 30, (23, 64, 98)),
    Country("CA", "Canada", 6251999, "NA", False, 5, (99,)),
    Country("MX", "Mexico", 3996063, "NA", False, 2, (187,)),
    Country("BR", "Brazil", 3469034, "SA", False, 3, (177,)),
    Country("AR", "Argentina", 3865483, "SA", False, 1, (181,)),
    Country("CL", "Chile", 3895114, "SA", False, 1, (190,)),
    Country("DE", "Germany", 2921044, "EU", True, 9, (46, 91)),
    Country("GB", "United Kingdom", 2635167, "EU", False, 7, (81,)),
    Country("FR", "France", 3017382, "EU", True, 5, (90,)),
    Country("NL", "Netherlands", 2750405, "EU", True, 3, (145,)),
    Country("SE", "Sweden", 2661886, "EU", True, 2, (83,)),
    Country("PL", "Poland", 798544, "EU", True, 2, (89,)),
    Country("CH", "Switzerland", 2658434, "EU", False, 2, (85,)),
    Country("JP", "Japan", 1861060, "AS", False, 5, (126,)),
    Country("IN", "India", 1269750, "AS", False, 4, (117,)),
    Country("SG", "Singapore", 1880251, "AS", False, 2, (128,)),
    Country("KR", "South Korea", 1835841, "AS", False, 2, (211,)),
    Country("IL", "Israel", 294640, "AS", False, 1, (79,)),
    Country("AU", "Australia", 2077456, "OC", False, 3, (101,)),
    Country("NZ", "New Zealand", 2186224, "OC", False, 1, (202,)),
    Country("ZA", "South Africa", 953987, "AF", False, 1, (41,)),
    Country("NG", "Nigeria", 2328926, "AF", False, 1, (105,)),
    Country("KE", "Kenya", 192950, "AF", False, 1, (196,)),
    Country("AQ", "Antarctica", 6697173, "AN", False, 0, (199,)),
)
COUNTRY_BY_ISO = {country.iso: country for country in COUNTRIES}


@dataclass(frozen=True)
class Block:
    network: ipaddress.IPv4Network
    geoname_id: int | None
    registered_country_geoname_id: int | None
    represented_country_geoname_id: int | None = None
    is_anonymous_proxy: bool = False
    is_satellite_provider: bool = False
    is_anycast: bool = False
    country_iso: str | None = None  # the country whose customers get addresses here


def country_blocks(country: Country) -> list[Block]:
    """Two /16 and one /20 per first octet; second octets are fixed so the file never depends on seed."""
    blocks = []
    for octet in country.octets:
        for cidr in (
            f"{octet}.{country.geoname_id % 200 + 10}.0.0/16",
            f"{octet}.{country.geoname_id % 200 + 11}.0.0/16",
            f"{octet}.240.16.0/20",
        ):
            blocks.append(
                Block(
                    ipaddress.IPv4Network(cidr),
                    country.geoname_id,
                    country.geoname_id,
                    country_iso=country.iso,
                )
            )
    return blocks


def special_blocks() -> list[Block]:
    """Rows real GeoLite2 files carry: continent-only, anonymous proxy, satellite, anycast, and a block
    registered to one country but located in another."""
    us, de, gb = COUNTRY_BY_ISO["US"], COUNTRY_BY_ISO["DE"], COUNTRY_BY_ISO["GB"]
    return [
        Block(ipaddress.IPv4Network("2.56.0.0/16"), CONTINENTS["EU"][1], None),
        Block(ipaddress.IPv4Network("27.34.0.0/16"), CONTINENTS["AS"][1], None),
        Block(ipaddress.IPv4Network("5.8.0.0/21"), None, us.geoname_id, is_anonymous_proxy=True),
        Block(ipaddress.IPv4Network("31.17.64.0/20"), None, gb.geoname_id, is_satellite_provider=True),
        Block(ipaddress.IPv4Network("104.16.0.0/20"), us.geoname_id, us.geoname_id, is_anycast=True),
        Block(ipaddress.IPv4Network("46.20.32.0/20"), de.geoname_id, us.geoname_id, us.geoname_id),
    ]


def all_blocks() -> list[Block]:
    blocks = [block for country in COUNTRIES for block in country_blocks(country)] + special_blocks()
    return sorted(blocks, key=lambda block: int(block.network.network_address))


def pick_country(rng: random.Random) -> Country:
    return rng.choices(COUNTRIES, weights=[country.weight for country in COUNTRIES])[0]


def ip_in(rng: random.Random, country: Country) -> str:
    """A host address inside one of the country's plain blocks."""
    block = rng.choice(country_blocks(country))
    network = block.network
    return str(network.network_address + rng.randrange(1, network.num_addresses - 1))
