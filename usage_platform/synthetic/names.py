"""Plausible but obviously fake names: companies, people, e-mail addresses and host names.

Every e-mail address is under example.com / example.org and every host name under `.example`, the
domains reserved for documentation, so nothing here can reach a real person or server.
"""

from __future__ import annotations

import random
import re

FIRST_NAMES = (
    "Ada",
    "Amara",
    "Ana",
    "Arjun",
    "Ben",
    "Carlos",
    "Chen",
    "Dana",
    "Diego",
    "Elif",
    "Emma",
    "Fatima",
    "Hana",
    "Hiro",
    "Ingrid",
    "Jamal",
    "Jana",
    "Kofi",
    "Lars",
    "Leila",
    "Lucia",
    "Maya",
    "Mei",
    "Nadia",
    "Noah",
    "Olu",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Sam",
    "Sofia",
    "Tariq",
    "Tomas",
    "Yara",
    "Yuki",
    "Zoe",
)
LAST_NAMES = (
    "Abara",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Nakamura",
    "Novak",
    "O'Brien",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Sato",
    "Schmidt",
    "Silva",
    "Tanaka",
    "Usman",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
)
_COMPANY_FIRST = (
    "Acorn",
    "Aurora",
    "Basalt",
    "Beacon",
    "Blue Harbor",
    "Cedar",
    "Cobalt",
    "Copperleaf",
    "Driftwood",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Helix",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Meridian",
    "Nimbus",
    "Northwind",
    "Oakridge",
    "Orchid",
    "Pinecone",
    "Quartz",
    "Redwood",
    "Saffron",
    "Silverline",
    "Summit",
    "Tidewater",
    "Umber",
    "Vantage",
    "Willow",
    "Zephyr",
)
_COMPANY_SECOND = (
    "Analytics",
    "Bank",
    "Biotech",
    "Logistics",
    "Media",
    "Robotics",
    "Software",
    "Systems",
    "Telecom",
    "Foods",
    "Insurance",
    "Labs",
    "Motors",
    "Energy",
    "Health",
    "Games",
    "Aerospace",
    "Retail",
    "Networks",
    "Studios",
)
_COMPANY_SUFFIX = ("Inc.", "LLC", "GmbH", "Ltd.", "S.A.", "K.K.", "Pty Ltd", "B.V.", "AB", "Corp.")
INDUSTRIES = (
    "Technology",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Telecommunications",
    "Public Sector",
    "Education",
    "Media & Entertainment",
    "Energy",
    "Transportation",
    "Automotive",
)
TITLES = (
    "Account Executive",
    "Strategic Account Leader",
    "Sales Development Rep",
    "Regional Director",
    "Customer Success Manager",
)


def company_name(rng: random.Random) -> str:
    """A company name; a few carry a comma or quotes, as real CRM names do."""
    first, second = rng.choice(_COMPANY_FIRST), rng.choice(_COMPANY_SECOND)
    roll = rng.random()
    if roll < 0.12:
        return f"{first} {second}, {rng.choice(_COMPANY_SUFFIX)}"
    if roll < 0.15:
        return f'"{first}" {second} {rng.choice(_COMPANY_SUFFIX)}'
    return f"{first} {second} {rng.choice(_COMPANY_SUFFIX)}"


def slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))
    return "-".join(
        word
        for word in words
        if word not in {"inc", "llc", "gmbh", "ltd", "s", "a", "k", "pty", "b", "v", "ab", "corp", "co"}
    )


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def email(person: str, company_slug: str | None = None) -> str:
    local = ".".join(re.findall(r"[a-z]+", person.lower().replace("'", "")))
    return f"{local}@{company_slug}.example.com" if company_slug else f"{local}@example.org"


def hostname(company_slug: str, rng: random.Random) -> str:
    prefix = rng.choice(("gitlab", "gitlab", "git", "code", "scm", "devops"))
    return f"{prefix}.{company_slug}.example"
