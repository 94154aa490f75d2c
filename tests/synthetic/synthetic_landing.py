"""Reading a generated landing zone back: the test-side view of the files."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from usage_platform.synthetic import GenerationSummary


@dataclass(frozen=True)
class PingRecord:
    file: Path
    folder_date: dt.date
    received_at: str | None  # from an envelope; None for bare payloads
    source_ip: str | None
    payload: dict
    raw: str  # the payload's JSON text as found (to spot duplicates)


@dataclass
class Landing:
    root: Path
    summary: GenerationSummary
    seconds: float
    pings: list[PingRecord] = field(default_factory=list)

    def csv(self, relative: str) -> list[dict[str, str]]:
        with (self.root / relative).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))


def read_ping_file(path: Path) -> list[tuple[str | None, str | None, dict, str]]:
    """(received_at, source_ip, payload, raw text) per payload; raises on malformed content."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    if path.suffix == ".json":
        documents = [json.loads(text)]
    else:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()]
    records = []
    for document in documents:
        if set(document) == {"received_at", "source_ip", "payload"}:
            payload = document["payload"]
            records.append((document["received_at"], document["source_ip"], payload, json.dumps(payload)))
        else:
            records.append((None, None, document, json.dumps(document)))
    return records


def ping_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "service_ping").rglob("*") if p.is_file())


def load_landing(root: Path, summary: GenerationSummary, seconds: float) -> Landing:
    result = Landing(root, summary, seconds)
    malformed = set(summary.malformed_files)
    for path in ping_files(root):
        if path in malformed:
            continue
        folder_date = dt.date.fromisoformat(path.parent.name)
        for received_at, source_ip, payload, raw in read_ping_file(path):
            result.pings.append(PingRecord(path, folder_date, received_at, source_ip, payload, raw))
    return result
