"""How dbt nodes become Dagster assets (DESIGN.md §6).

- key = [schema, table]: the node's address in the warehouse (sources: raw.<identifier>);
- group = the schema (the EDM layer);
- owners and the `data_classification` tag come from dbt `meta`, declared once in dbt.
The key is set in `get_asset_key` because dagster-dbt also calls it directly (for upstream
sources and column lineage); everything else is set in `get_asset_spec`.

dbt tests become checks with an automation condition (usage_platform/automation/automation.py):
source tests run when their raw table updates, with the models downstream (one dbt invocation
per delivery); model tests run when their model (or a model they refer to) does. The views on the
check history (schema trusted_data) and the tests of the history tables have hourly conditions of
their own (automation.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from usage_platform.automation.automation import (
    HISTORY_TEST_CONDITION,
    HISTORY_VIEW_CONDITION,
    MODEL_TEST_CONDITION,
    SOURCE_TEST_CONDITION,
    history_view_test_condition,
)

DEFAULT_OWNER = "team:data-platform"
# The schema of the views on Dagster's check history (written by the trusted-data history asset).
HISTORY_SCHEMA = "trusted_data"


def node_meta(props: Mapping[str, Any]) -> dict[str, Any]:
    return {**(props.get("meta") or {}), **((props.get("config") or {}).get("meta") or {})}


class UsagePlatformTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True, enable_source_tests_as_checks=True
            )
        )
        self._keys_of: tuple[Mapping[str, Any], tuple[frozenset[dg.AssetKey], ...]] | None = None

    def _keys(self, manifest: Mapping[str, Any]) -> tuple[frozenset[dg.AssetKey], frozenset[dg.AssetKey]]:
        """(the dbt sources' asset keys, the history views' asset keys), computed once per manifest."""
        if self._keys_of is None or self._keys_of[0] is not manifest:
            sources = frozenset(self.get_asset_key(props) for props in manifest.get("sources", {}).values())
            views = frozenset(
                self.get_asset_key(props)
                for props in manifest.get("nodes", {}).values()
                if props["resource_type"] == "model" and props["schema"] == HISTORY_SCHEMA
            )
            self._keys_of = (manifest, (sources, views))
        return self._keys_of[1]

    def source_keys(self, manifest: Mapping[str, Any]) -> frozenset[dg.AssetKey]:
        """The asset keys of the manifest's dbt sources (the raw tables and the history tables)."""
        return self._keys(manifest)[0]

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
        spec = spec.replace_attributes(
            group_name=props["schema"],
            owners=[str(meta.get("owner") or DEFAULT_OWNER)],
            tags=tags,
        )
        if props["resource_type"] == "model" and props["schema"] == HISTORY_SCHEMA:
            spec = spec.replace_attributes(automation_condition=HISTORY_VIEW_CONDITION)
        return spec

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        # dbt test tags (tdf, source, layer, golden) as check metadata: AssetCheckSpec has no tags.
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        tags = sorted(manifest["nodes"][unique_id].get("tags") or [])
        sources, history_views = self._keys(manifest)
        history = {key for key in sources if key.path[0] == HISTORY_SCHEMA}
        if spec.asset_key in history:
            condition = HISTORY_TEST_CONDITION
        elif spec.asset_key in history_views:
            condition = history_view_test_condition(history)
        else:
            condition = SOURCE_TEST_CONDITION if spec.asset_key in sources else MODEL_TEST_CONDITION
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=spec.description,
            additional_deps=spec.additional_deps,
            blocking=spec.blocking,
            metadata={**spec.metadata, "dbt/tags": ", ".join(tags)},
            automation_condition=condition,
            partitions_def=spec.partitions_def,
        )
