"""Writing landing files byte-for-byte reproducibly: fixed line endings, gzip without timestamp or
name, Parquet from an explicit schema. Every write is counted per source folder."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def csv_cell(value: object) -> str:
    """CSV conventions of the landing zone: empty = null, true/false, ISO dates, `YYYY-MM-DD HH:MM:SS`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class LandingWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files_by_source: dict[str, int] = {}
        self.bytes_written = 0
        self.paths: list[Path] = []

    def write_bytes(self, relative: str, data: bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        source = relative.split("/", 1)[0]
        self.files_by_source[source] = self.files_by_source.get(source, 0) + 1
        self.bytes_written += len(data)
        self.paths.append(path)
        return path

    def write_text(self, relative: str, text: str) -> Path:
        return self.write_bytes(relative, text.encode("utf-8"))

    def write_gzip(self, relative: str, data: bytes) -> Path:
        """No name, mtime 0, and GzipFile's fixed OS byte (gzip.compress takes zlib's, which varies)."""
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=6, mtime=0) as handle:
            handle.write(data)
        return self.write_bytes(relative, buffer.getvalue())

    def write_csv(self, relative: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            if len(row) != len(header):
                raise ValueError(f"{relative}: row has {len(row)} fields, header {len(header)}")
            writer.writerow([csv_cell(value) for value in row])
        return self.write_text(relative, buffer.getvalue())

    def write_parquet(self, relative: str, schema: pa.Schema, rows: Sequence[Sequence[object]]) -> Path:
        columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
        table = pa.Table.from_arrays(
            [pa.array(list(col), type=field.type) for col, field in zip(columns, schema, strict=True)],
            schema=schema,
        )
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        return self.write_bytes(relative, sink.getvalue().to_pybytes())

    @property
    def files(self) -> int:
        return sum(self.files_by_source.values())
