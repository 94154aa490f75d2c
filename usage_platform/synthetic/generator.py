"""Builds a complete landing zone: the business model first, then one writer per source system."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from usage_platform.synthetic import sources
from usage_platform.synthetic.business import as_of, build_business
from usage_platform.synthetic.config import GeneratorConfig
from usage_platform.synthetic.deliveries import write_service_ping
from usage_platform.synthetic.releases import release_calendar
from usage_platform.synthetic.service_ping import PayloadBuilder
from usage_platform.synthetic.writers import LandingWriter


@dataclass(frozen=True)
class GenerationSummary:
    out: Path
    files: int
    payloads: int  # distinct Service Ping payloads received by end_date (deliveries count duplicates)
    deliveries: int
    bytes: int
    files_by_source: tuple[tuple[str, int], ...]
    malformed_files: tuple[Path, ...]
    instances: int
    namespaces: int
    start_date: dt.date
    end_date: dt.date

    def describe(self) -> str:
        lines = [
            f"landing zone {self.out}: {self.files} files, {self.bytes / 1e6:.1f} MB, "
            f"{self.start_date} .. {self.end_date}",
            f"service ping: {self.payloads} payloads from {self.instances} instances "
            f"({self.deliveries} deliveries incl. duplicates, {len(self.malformed_files)} malformed file(s))",
            f"saas: {self.namespaces} namespaces",
            "files per source: " + ", ".join(f"{source} {count}" for source, count in self.files_by_source),
        ]
        return "\n".join(lines)


def generate(
    out: Path,
    *,
    instances: int = 40,
    months: int = 6,
    seed: int = 42,
    end_date: dt.date = dt.date(2026, 10, 31),
    extra_keys: int = 200,
) -> GenerationSummary:
    """Write every source system's export files under `out` (same arguments, same bytes).

    Moving `end_date` forward without crossing the next month end (e.g. a week after a month end) keeps
    `start_date` and the world: Service Ping folders of earlier days come out byte-identical and new
    days add new folders; whole-table exports gain what happened in the added days."""
    config = GeneratorConfig(
        instances=instances, months=months, seed=seed, end_date=end_date, extra_keys=extra_keys
    )
    out = Path(out)
    calendar = release_calendar(config.end_date)
    # The world is built from the anchor (not the end date) and then cut at the end date, so a later end
    # date with the same anchor only adds what happened after the earlier one (see `config`).
    business = as_of(build_business(config, release_calendar(config.anchor_date)), config.end_date)
    builder = PayloadBuilder(config, calendar, business)
    writer = LandingWriter(out)
    sources.write_metrics_dictionary(writer)
    sources.write_releases(writer, calendar)
    sources.write_ip_to_geo(writer)
    sources.write_salesforce(writer, business, config)
    sources.write_zuora(writer, business, config)
    sources.write_customers_db(writer, business, builder, config)
    sources.write_gitlab_dotcom(writer, business, config)
    sources.write_gainsight(writer, business, config)
    pings = write_service_ping(writer, builder, config)
    return GenerationSummary(
        out=out,
        files=writer.files,
        payloads=pings.payloads,
        deliveries=pings.deliveries,
        bytes=writer.bytes_written,
        files_by_source=tuple(sorted(writer.files_by_source.items())),
        malformed_files=tuple(out / relative for relative in pings.malformed_files),
        instances=len(business.instances),
        namespaces=len(business.namespaces),
        start_date=config.start_date,
        end_date=config.end_date,
    )
