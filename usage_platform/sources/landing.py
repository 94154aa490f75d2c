"""Finding the landing files of a raw table.

The landing zone is read-only for the platform: files are listed and hashed, never edited.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from usage_platform.settings import Settings
from usage_platform.sources.catalog import RawTable


@dataclass(frozen=True)
class LandingFile:
    path: Path  # absolute path on disk
    source_file: str  # path as recorded in raw rows: "<landing_root>/<relative path>"
    sha256: str
    size: int

    @property
    def suffixes(self) -> str:
        return "".join(self.path.suffixes).lower()


def landing_root(settings: Settings, table: RawTable) -> Path:
    if table.format == "metrics_yaml":
        return settings.metrics_dictionary_dir
    return settings.landing_dir / table.landing_root


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_landing_files(settings: Settings, table: RawTable) -> list[LandingFile]:
    """Every file under the table's landing root that matches one of its globs, sorted by path."""
    root = landing_root(settings, table)
    if not root.is_dir():
        return []
    paths = sorted({p for pattern in table.globs for p in root.glob(pattern) if p.is_file()})
    # hashlib releases the GIL on large blocks: threads hash files on all cores.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        digests = list(pool.map(file_sha256, paths))
    return [
        LandingFile(
            path=p.resolve(),
            source_file=f"{table.landing_root}/{p.relative_to(root).as_posix()}",
            sha256=digest,
            size=p.stat().st_size,
        )
        for p, digest in zip(paths, digests, strict=True)
    ]
