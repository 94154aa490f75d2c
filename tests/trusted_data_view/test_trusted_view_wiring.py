"""How the view is wired into the definitions: the history waits for the platform's leaves, the
reports on it are their own dbt step after it, and definitions that would put them in the same
step as the platform's models are refused with the way out."""

from __future__ import annotations

import dagster as dg
import pytest

from tests.conftest import settings_for
from usage_platform.dbt.assets import build_dbt_assets
from usage_platform.definitions import MATERIALIZE_ALL_JOB, build_definitions
from usage_platform.sources.assets import build_raw_assets
from usage_platform.trusted_data.history import CHECK_RESULTS_KEY, HISTORY_KEYS
from usage_platform.trusted_data.summary import (
    REPORT_KEYS,
    TRUSTED_DBT_NAME,
    TrustedDataViewError,
    with_trusted_data_view,
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return settings_for(tmp_path_factory.mktemp("wiring") / "data")


def test_reports_in_the_platforms_dbt_step_are_refused(settings):
    # One dbt asset for every model, the reports on the history included: refused, with the way out.
    defs = dg.Definitions(assets=[*build_raw_assets(settings), build_dbt_assets(settings)])
    with pytest.raises(TrustedDataViewError, match=r"source:trusted_data\+"):
        with_trusted_data_view(defs, settings)


def test_the_history_waits_for_every_leaf_and_the_reports_for_the_history(settings):
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    history = graph.get(CHECK_RESULTS_KEY)
    others = [n for n in graph.asset_nodes if n.group_name != "trusted_data" and n.is_materializable]
    leaves = {n.key for n in others if all(graph.get(c).group_name == "trusted_data" for c in n.child_keys)}
    assert leaves and leaves <= set(history.parent_keys)
    assert dg.AssetKey(["pumps", "pump_gainsight_metrics_monthly_paid_export"]) in leaves
    for report in REPORT_KEYS:
        assert set(graph.get(report).parent_keys) & set(HISTORY_KEYS), report
    job = defs.resolve_job_def(MATERIALIZE_ALL_JOB)
    dbt_nodes = sorted(name for name in job.graph.node_names() if "dbt" in name)
    assert dbt_nodes == sorted(["usage_platform_dbt", TRUSTED_DBT_NAME])  # no split step
