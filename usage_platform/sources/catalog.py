"""The catalog of raw tables, read from the dbt sources file.

`dbt/models/sources/sources.yml` is the one declaration of every raw table: dbt uses it for
lineage and source tests, and this module reads its `meta.landing` to know which landing files
feed which table and how. Adding a source means adding it there, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from usage_platform.settings import DBT_PROJECT_DIR

SOURCES_YML = DBT_PROJECT_DIR / "models" / "sources" / "sources.yml"
RAW_SCHEMA = "raw"
# How a landing file is read: CSV and Parquet exports become VARCHAR columns, Service Ping JSON
# is kept whole, metric definition YAML is parsed into one JSON document per file.
FORMATS = ("csv", "table_file", "service_ping", "metrics_yaml")
CLASSIFICATIONS = ("orange", "yellow", "green")


class CatalogError(ValueError):
    """sources.yml declares a raw table the loaders cannot serve."""


@dataclass(frozen=True)
class RawTable:
    system: str  # dbt source name = landing folder = source system
    name: str  # dbt source table name
    table: str  # warehouse table in the raw schema
    description: str
    format: str
    landing_root: str  # folder under the landing zone
    globs: tuple[str, ...]  # file patterns under landing_root
    owner: str
    data_classification: str
    cadence: str

    @property
    def asset_key_path(self) -> list[str]:
        return [RAW_SCHEMA, self.table]


@dataclass(frozen=True)
class SourceSystem:
    name: str
    description: str
    tables: tuple[RawTable, ...]


def _meta(node: dict) -> dict:
    return {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}


@cache
def load_catalog(path: Path = SOURCES_YML) -> tuple[SourceSystem, ...]:
    document = yaml.safe_load(path.read_text())
    systems = []
    for source in document["sources"]:
        source_meta = _meta(source)
        tables = []
        for table in source["tables"]:
            meta = {**source_meta, **_meta(table)}
            landing = meta.get("landing") or {}
            raw_table = RawTable(
                system=source["name"],
                name=table["name"],
                table=table.get("identifier", table["name"]),
                description=table.get("description", "").strip(),
                format=landing.get("format", ""),
                landing_root=meta.get("landing_root", source["name"]),
                globs=tuple(landing.get("globs", ())),
                owner=meta.get("owner", ""),
                data_classification=meta.get("data_classification", ""),
                cadence=meta.get("cadence", ""),
            )
            _validate(raw_table)
            tables.append(raw_table)
        systems.append(SourceSystem(source["name"], source.get("description", "").strip(), tuple(tables)))
    return tuple(systems)


def _validate(table: RawTable) -> None:
    where = f"{SOURCES_YML.name}: source {table.system}.{table.name}"
    if table.format not in FORMATS:
        raise CatalogError(f"{where}: meta.landing.format {table.format!r} is not one of {FORMATS}")
    if not table.globs:
        raise CatalogError(f"{where}: meta.landing.globs is empty")
    if table.data_classification not in CLASSIFICATIONS:
        raise CatalogError(f"{where}: meta.data_classification must be one of {CLASSIFICATIONS}")
    if not table.owner or not table.description:
        raise CatalogError(f"{where}: needs an owner and a description")


def raw_tables() -> tuple[RawTable, ...]:
    return tuple(table for system in load_catalog() for table in system.tables)
