"""Finding the landing files of a raw table.

The landing zone is read-only for the platform: files are listed and hashed, never edited. A file
the loader has taken before, with the same size and modification time (`known`), keeps the sha256
it had then instead of being read again: the landing zone keeps every delivery, so hashing it all
for each new week would cost what the history weighs (about 1 GB at 10,000 installations). The
same quick check (size and mtime) is what the landing sensors trust to see a file change.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
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
    mtime_ns: int | None = None  # when it was found (None: not recorded)

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


def find_landing_files(
    settings: Settings, table: RawTable, known: Mapping[str, tuple[int, int, str]] | None = None
) -> list[LandingFile]:
    """Every file under the table's landing root that matches one of its globs, sorted by path.

    `known`: source_file -> (size, mtime_ns, sha256) of files taken before; a file with that size
    and mtime gets that sha256 without being read."""
    root = landing_root(settings, table)
    if not root.is_dir():
        return []
    known = known or {}
    paths = sorted({p for pattern in table.globs for p in root.glob(pattern) if p.is_file()})
    found = []
    for path in paths:
        stat = path.stat()
        source_file = f"{table.landing_root}/{path.relative_to(root).as_posix()}"
        size, mtime_ns, sha256 = known.get(source_file, (None, None, None))
        same = (size, mtime_ns) == (stat.st_size, stat.st_mtime_ns)
        found.append((path, source_file, stat, sha256 if same else None))
    to_hash = [path for path, _, _, sha256 in found if sha256 is None]
    # hashlib releases the GIL on large blocks: threads hash files on all cores.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        digests = dict(zip(to_hash, pool.map(file_sha256, to_hash), strict=True))
    return [
        LandingFile(
            path=path.resolve(),
            source_file=source_file,
            sha256=sha256 or digests[path],
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
        )
        for path, source_file, stat, sha256 in found
    ]
