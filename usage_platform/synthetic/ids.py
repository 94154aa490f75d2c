"""Identifiers in the shapes the source systems use (Salesforce, Zuora, Gainsight, UUIDs, hashes)."""

from __future__ import annotations

import hashlib
import random
import string
import uuid

_ALNUM = string.ascii_letters + string.digits
_SF_CHECKSUM = string.ascii_uppercase + "012345"


def salesforce_id(rng: random.Random, prefix: str) -> str:
    """18-character Salesforce Id: key prefix, pod, random body and the case-checksum suffix."""
    body = "".join(rng.choice(_ALNUM) for _ in range(5))
    return salesforce_id_from(f"{prefix}4M00001{body}")


def salesforce_id_from(id15: str) -> str:
    """Append Salesforce's 3-character checksum (one bit per upper-case letter in each 5-char chunk)."""
    if len(id15) != 15:
        raise ValueError(f"a 15-character id is needed, got {id15!r}")
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _SF_CHECKSUM[bits]
    return id15 + suffix


def zuora_id(rng: random.Random, prefix: str = "2c92a0fd") -> str:
    """32-hex Zuora object Id (Zuora's ids share a tenant prefix such as 2c92a0fd)."""
    return prefix + f"{rng.getrandbits(4 * (32 - len(prefix))):0{32 - len(prefix)}x}"


def gainsight_id(rng: random.Random) -> str:
    return "1P0" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(33))


def uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def license_key(rng: random.Random) -> str:
    """A license file body: base64-looking text; only its hashes ever leave the customer."""
    return "".join(rng.choice(_ALNUM + "+/") for _ in range(344)) + "=="


class UniqueIds:
    """Draws ids from a factory until an unused one comes up (collisions are rare but possible)."""

    def __init__(self) -> None:
        self._used: set[str] = set()  # membership only; never iterated, so order cannot leak

    def claim(self, value: str) -> str:
        if value in self._used:
            raise ValueError(f"duplicate fixed id {value!r}")
        self._used.add(value)
        return value

    def draw(self, factory, *args) -> str:
        while True:
            value = factory(*args)
            if value not in self._used:
                self._used.add(value)
                return value
