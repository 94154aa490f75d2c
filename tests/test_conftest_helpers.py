"""The shared helpers that load raw tables and build dbt selections for model tests."""

import duckdb
import pytest

from tests.conftest import dbt_build, load_raw, settings_for
from usage_platform.synthetic import generate


def test_load_raw_then_build_a_selection(tmp_path):
    settings = settings_for(tmp_path / "data")
    generate(settings.landing_dir, instances=10, months=1, seed=3)
    load_raw(settings)
    output = dbt_build(settings, "+prep_license", tmp_dir=tmp_path)
    assert "Completed successfully" in output
    # dbt_build fails the test, with dbt's output, when dbt fails (here: raw was never loaded).
    empty = settings_for(tmp_path / "empty")
    with pytest.raises(pytest.fail.Exception, match="prep_license"):
        dbt_build(empty, "prep_license", tmp_dir=tmp_path / "empty")
    # A second warehouse, yet dbt did not parse the project again: it started from the state the
    # first build left (dbt_subprocess).
    log = (tmp_path / "empty" / "dbt_logs" / "dbt.log").read_text()
    assert "Partial parsing enabled, no changes found, skipping parsing" in log
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        assert conn.execute("select count(*) from prep.prep_license").fetchone()[0] > 0


def test_xdist_keeps_a_group_in_one_worker(tmp_path):
    # `make test` relies on --dist loadgroup to build the shared project once; a pytest or
    # pytest-xdist upgrade that silently drops the groups (pytest 9.2 did) must fail here.
    import subprocess
    import sys

    (tmp_path / "test_groups.py").write_text(
        "import os, pytest\n"
        "@pytest.mark.xdist_group('shared')\n"
        "@pytest.mark.parametrize('n', range(6))\n"
        "def test_grouped(n):\n"
        "    with open(os.path.join(os.path.dirname(__file__), f'worker_{n}'), 'w') as f:\n"
        "        f.write(os.environ['PYTEST_XDIST_WORKER'])\n"
        "@pytest.mark.parametrize('n', range(6))\n"
        "def test_free(n):\n"
        "    pass\n"
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_groups.py"]
    command += ["-n", "2", "--dist", "loadgroup"]
    completed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout[-2000:]
    workers = {(tmp_path / f"worker_{n}").read_text() for n in range(6)}
    assert len(workers) == 1, f"one group ran on several workers: {workers}"
