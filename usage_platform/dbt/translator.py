"""How dbt nodes become Dagster assets (DESIGN.md §6).

- key = [schema, table]: the node's address in the warehouse (sources: raw.<identifier>);
- group = the schema (the EDM layer);
- owners and the `data_classification` tag come from dbt `meta`, declared once in dbt.
The key is set in `get_asset_key` because dagster-dbt also calls it directly (for upstream
sources and column lineage); everything else is set in `get_asset_spec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

DEFAULT_OWNER = "team:data-platform"


def node_meta(props: Mapping[str, Any]) -> dict[str, Any]:
    return {**(props.get("meta") or {}), **((props.get("config") or {}).get("meta") or {})}


class UsagePlatformTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True, enable_source_tests_as_checks=True
            )
        )

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        props = dbt_resource_props
        if props["resource_type"] == "source":
            return dg.AssetKey([props["schema"], props.get("identifier") or props["name"]])
        return dg.AssetKey([props["schema"], props.get("alias") or props["name"]])

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        meta = node_meta(props)
        tags = {**spec.tags}
        if "data_classification" in meta:
            tags["data_classification"] = str(meta["data_classification"])
        return spec.replace_attributes(
            group_name=props["schema"],
            owners=[str(meta.get("owner") or DEFAULT_OWNER)],
            tags=tags,
        )

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        # dbt test tags (tdf, source, layer, golden) as check metadata: AssetCheckSpec has no tags.
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        tags = sorted(manifest["nodes"][unique_id].get("tags") or [])
        return spec.with_metadata({**spec.metadata, "dbt/tags": ", ".join(tags)})
