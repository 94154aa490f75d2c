"""`make docs`: the dbt docs of a built warehouse, generated offline, with every model's columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.dbt_assets.conftest import LAYERS
from usage_platform.settings import PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent
# Stands in for uv: the test runs the Makefile's own recipe with this environment's dbt.
FAKE_UV = """#!/bin/sh
case "$1" in
  --version|sync) exit 0 ;;
  run) shift; [ "$1" = --locked ] && shift; cmd="$1"; shift; exec "{bin}/$cmd" "$@" ;;
esac
echo "unexpected uv call: $*" >&2; exit 2
"""


def test_make_docs_writes_a_catalog_of_every_built_model_offline(materialized, tmp_path):
    uv = tmp_path / "uv"
    uv.write_text(FAKE_UV.format(bin=VENV_BIN))
    uv.chmod(0o755)
    target = tmp_path / "docs"
    dead_proxy = "http://127.0.0.1:9"  # any request to the internet fails at once
    env = {
        **os.environ,
        "USAGE_PLATFORM_DUCKDB_PATH": str(materialized.settings.duckdb_path),
        "DBT_LOG_PATH": str(tmp_path / "dbt_logs"),
        "HTTP_PROXY": dead_proxy,
        "HTTPS_PROXY": dead_proxy,
        "NO_PROXY": "",
    }
    completed = subprocess.run(
        ["make", "--no-print-directory", "docs", f"UV={uv}", f"DOCS_TARGET={target}"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "--host 127.0.0.1" in completed.stdout
    assert (target / "index.html").is_file() and (target / "static_index.html").is_file()
    assert not (PROJECT_ROOT / "dbt" / "dbt_packages").exists(), "no package was fetched"

    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())["nodes"]
    models = {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and node["schema"] in LAYERS
    }
    assert len(models) > 20
    with duckdb.connect(str(materialized.settings.duckdb_path), read_only=True) as conn:
        for unique_id, node in models.items():
            table = f'"{node["schema"]}"."{node["alias"]}"'
            columns = [row[0] for row in conn.execute(f"describe {table}").fetchall()]
            assert unique_id in catalog, f"{node['name']} is not in the catalog"
            assert list(catalog[unique_id]["columns"]) == columns, node["name"]


def test_make_docs_says_what_to_do_without_a_warehouse(tmp_path):
    completed = subprocess.run(
        ["make", "--no-print-directory", "docs", "UV=true"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "USAGE_PLATFORM_DUCKDB_PATH": str(tmp_path / "none.duckdb")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert "run make demo first" in completed.stderr
