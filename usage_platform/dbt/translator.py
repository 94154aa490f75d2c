"""How dbt nodes become Dagster assets (DESIGN.md §6).

- key = [schema, table]: the node's address in the warehouse (sources: raw.<identifier>);
- group = the schema (the EDM layer);
- owners and the `data_classification` tag come from dbt `meta`, declared once in dbt.
The key is set in `get_asset_key` because dagster-dbt also calls it directly (for upstream
sources and column lineage); everything else is set in `get_asset_spec`.

dbt tests become checks with an automation condition (usage_platform/automation/automation.py):
source tests run when their raw table updates, with the models downstream (one dbt invocation
per delivery); model tests run when their model (or a model they refer to) does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from usage_platform.automation.automation import MODEL_TEST_CONDITION, SOURCE_TEST_CONDITION

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
        self._source_keys: tuple[Mapping[str, Any], frozenset[dg.AssetKey]] | None = None

    def source_keys(self, manifest: Mapping[str, Any]) -> frozenset[dg.AssetKey]:
        """The asset keys of the manifest's dbt sources (the raw tables), computed once per manifest."""
        if self._source_keys is None or self._source_keys[0] is not manifest:
            keys = frozenset(self.get_asset_key(props) for props in manifest.get("sources", {}).values())
            self._source_keys = (manifest, keys)
        return self._source_keys[1]

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
        on_source = spec.asset_key in self.source_keys(manifest)
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=spec.description,
            additional_deps=spec.additional_deps,
            blocking=spec.blocking,
            metadata={**spec.metadata, "dbt/tags": ", ".join(tags)},
            automation_condition=SOURCE_TEST_CONDITION if on_source else MODEL_TEST_CONDITION,
            partitions_def=spec.partitions_def,
        )
