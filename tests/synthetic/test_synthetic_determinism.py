import datetime as dt
import hashlib
from pathlib import Path

import pytest

from usage_platform.synthetic import generate


def tree_digest(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


SMALL = {"instances": 12, "months": 2, "extra_keys": 20}


def test_same_seed_gives_byte_identical_trees(tmp_path, landing, seed):
    generate(tmp_path / "again", seed=seed)
    assert tree_digest(tmp_path / "again") == tree_digest(landing.root)


def test_different_seed_gives_different_files(tmp_path):
    generate(tmp_path / "a", seed=1, **SMALL)
    generate(tmp_path / "b", seed=2, **SMALL)
    first, second = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    changed = [name for name in first if first[name] != second.get(name)]
    assert any(name.startswith("service_ping/") for name in changed)
    assert "zuora/subscription.csv" in changed
    # the calendar-driven sources do not depend on the seed
    assert first["releases/releases.csv"] == second["releases/releases.csv"]


def test_summary_counts_what_was_written(landing):
    files = [p for p in landing.root.rglob("*") if p.is_file()]
    assert landing.summary.files == len(files)
    assert landing.summary.bytes == sum(p.stat().st_size for p in files)
    assert landing.summary.payloads > 0
    assert "service_ping" in landing.summary.describe()


def test_existing_files_are_kept_and_generated_ones_overwritten(tmp_path):
    out = tmp_path / "landing"
    (out / "zuora").mkdir(parents=True)
    (out / "zuora" / "subscription.csv").write_text("stale")
    (out / "notes.txt").write_text("mine")
    generate(out, **SMALL)
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "zuora" / "subscription.csv").read_text().startswith("Id,AccountId,Name,")


def test_rejects_too_few_instances(tmp_path):
    with pytest.raises(ValueError, match="instances"):
        generate(tmp_path, instances=3)


def test_end_date_moves_the_range(tmp_path):
    summary = generate(tmp_path, end_date=dt.date(2025, 3, 31), **SMALL)
    assert summary.start_date == dt.date(2025, 2, 1)
    folders = sorted(p.name for p in (tmp_path / "service_ping").iterdir())
    assert folders[0] >= "2025-02-01" and folders[-1] <= "2025-03-31"


def test_default_scale_is_fast(landing):
    assert landing.seconds < 20, f"default scale took {landing.seconds:.1f} s"
