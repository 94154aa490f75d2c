"""Hand-made Service Ping landing zones for the flatten tests, an independent leaf walk to check
the warehouse against, and readers of the flattened rows."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import duckdb

from tests.conftest import dbt_build, load_raw, settings_for
from usage_platform.settings import Settings

# What the flatten tests build: the flattened fact and everything it reads.
SELECTION = "+fct_ping_instance_metric"


def payload(uuid: str, recorded_at: str = "2026-05-04T07:43:54.162+00:00", **fields: Any) -> dict:
    """A payload with the identity fields; `fields` add or override keys."""
    return {
        "uuid": uuid,
        "hostname": f"{uuid}.example.com",
        "version": "18.2.0-ee",
        "recorded_at": recorded_at,
        **fields,
    }


def write_pings(landing_dir: Path, folder: str, records: list[dict], name: str = "pings.ndjson") -> Path:
    """service_ping/<receipt date>/<name>: one record per line."""
    path = landing_dir / "service_ping" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def write_geo(landing_dir: Path) -> None:
    """A one-network IP-to-geo export: prep_ping_payload places sender IPs in countries."""
    geo = landing_dir / "ip_to_geo"
    geo.mkdir(parents=True, exist_ok=True)
    (geo / "blocks_ipv4.csv").write_text(
        "network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,"
        "is_anonymous_proxy,is_satellite_provider,is_anycast\n192.0.2.0/24,2921044,,,0,0,\n"
    )
    (geo / "locations.csv").write_text(
        "geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,"
        "is_in_european_union\n2921044,en,EU,Europe,DE,Germany,1\n"
    )


def write_definitions(dictionary_dir: Path, definitions: list[dict]) -> None:
    """Metric definition YAML files (JSON is YAML) in GitLab's layout."""
    folder = dictionary_dir / "config" / "metrics" / "counts_all"
    folder.mkdir(parents=True, exist_ok=True)
    for number, definition in enumerate(definitions):
        (folder / f"2026010100000{number}_{definition['key_path'].replace('.', '_')}.yml").write_text(
            json.dumps({"status": "active", "time_frame": "all", "data_source": "database", **definition})
        )


def build(data_dir: Path, tmp_dir: Path, **env: str) -> Settings:
    """Load the landing zone under `data_dir` into raw and dbt-build the flattened fact."""
    settings = settings_for(data_dir, **env)
    load_raw(settings)
    dbt_build(settings, SELECTION, tmp_dir=tmp_dir)
    return settings


# -- the expectation: an independent walk of the payload -------------------------------------------
def is_object_to_descend(value: Any) -> bool:
    """A leaf is anything but an object with keys; an object whose only key is "-1" (the failed
    histogram) is a leaf too."""
    return isinstance(value, dict) and bool(value) and list(value) != ["-1"]


def leaves(document: dict) -> dict[str, Any]:
    """Every leaf of a payload by dotted path."""
    found: dict[str, Any] = {}

    def walk(value: Any, path: list[str]) -> None:
        if path and not is_object_to_descend(value):
            found[".".join(path)] = value
            return
        for key, child in value.items():
            walk(child, [*path, key])

    walk(document, [])
    return found


def same_json(sent: Any, landed: Any) -> bool:
    """Equal values of equal JSON types (True is not 1; 2 equals 2.0)."""
    if isinstance(sent, bool) or isinstance(landed, bool) or sent is None or landed is None:
        return type(sent) is type(landed) and sent == landed
    if isinstance(sent, int | float) and isinstance(landed, int | float):
        return math.isclose(sent, landed, rel_tol=1e-12)
    if isinstance(sent, dict) and isinstance(landed, dict):
        return sent.keys() == landed.keys() and all(same_json(sent[k], landed[k]) for k in sent)
    if isinstance(sent, list) and isinstance(landed, list):
        return len(sent) == len(landed) and all(same_json(a, b) for a, b in zip(sent, landed, strict=True))
    return type(sent) is type(landed) and sent == landed


# -- the warehouse ------------------------------------------------------------------------------------
def query(settings: Settings, sql: str, parameters: list | None = None) -> list[dict]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        cursor = conn.execute(sql, parameters or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def metrics_of(settings: Settings, uuid: str) -> dict[str, dict]:
    """The fact's rows of the ping with this uuid, by metrics path."""
    rows = query(
        settings,
        """select fact.* from common.fct_ping_instance_metric as fact
           where dim_ping_instance_id in (
               select dim_ping_instance_id from prep.prep_ping_instance_flattened
               where metrics_path = 'uuid' and metric_value = ?
           )""",
        [json.dumps(uuid)],
    )
    return {row["metrics_path"]: row for row in rows}


def mismatches(sent: dict, landed: dict[str, dict]) -> list[str]:
    """What differs between a payload's leaves and the fact's rows of it (empty when equal)."""
    expected = leaves(sent)
    problems = [f"missing {path}" for path in sorted(expected.keys() - landed.keys())]
    problems += [f"unexpected {path}" for path in sorted(landed.keys() - expected.keys())]
    for path in sorted(expected.keys() & landed.keys()):
        if not same_json(expected[path], json.loads(landed[path]["metric_value"])):
            problems.append(f"{path}: sent {expected[path]!r}, landed {landed[path]['metric_value']}")
    return problems
