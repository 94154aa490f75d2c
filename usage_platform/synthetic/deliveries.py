"""How payloads land in `service_ping/<received date>/`: file formats, envelopes, duplicates, lateness.

- A payload is received seconds to three hours after `recorded_at`, into the folder of its UTC receipt
  date. One received after the end date is still in flight: it is not written (a later end date writes
  it into its receipt day's folder).
- Per folder, most payloads share one file: `usage_data_<YYYYMMDD>.ndjson` (bare payloads, one per line,
  exactly as POSTed) or `.ndjson.gz`, or `versions_app_<YYYYMMDD>.ndjson[.gz]` (the collecting endpoint's
  envelopes `{"received_at": "YYYY-MM-DD HH:MM:SS", "source_ip": ..., "payload": {...}}`).
- About 4% arrive alone as a pretty-printed bare `usage_ping_<uuid>_<recorded>.json`.
- About 2% are delivered twice (the same bytes again, up to 30 hours later, maybe in the next folder).
- About 2% arrive late: 7-14 days after they were recorded (never a golden instance's).
- Every delivery is drawn from its own stream (instance, recorded time), and the planted late and
  duplicate deliveries and the malformed days are picked among days up to the anchor date, so a folder's
  files depend only on what was received that day: a later end date leaves earlier folders byte-identical.
- Malformed files: `usage_data_<YYYYMMDD>_interrupted.ndjson` holds one complete bare payload (one
  that also arrives intact elsewhere) and then a line cut off mid-JSON. Nothing in it is needed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from usage_platform.synthetic.config import GeneratorConfig
from usage_platform.synthetic.model import Business
from usage_platform.synthetic.service_ping import PayloadBuilder, Ping
from usage_platform.synthetic.writers import LandingWriter

ROOT = "service_ping"
_STYLES = (("bare", False, 60), ("bare", True, 15), ("envelope", False, 15), ("envelope", True, 10))


@dataclass(frozen=True)
class Delivery:
    ping: Ping
    received: dt.datetime  # naive UTC


@dataclass(frozen=True)
class ServicePingResult:
    payloads: int
    deliveries: int
    malformed_files: tuple[str, ...]  # paths relative to the landing root


def plan_deliveries(pings: list[Ping], config: GeneratorConfig, business: Business) -> list[Delivery]:
    """Every delivery received by the end of `config.end_date`, in ping order."""
    cutoff = dt.datetime.combine(config.end_date, dt.time(23, 59, 59))
    golden = [business.instances[ping.instance_index].golden for ping in pings]

    def settled_by(days: int) -> list[int]:
        last = config.anchor_date - dt.timedelta(days=days)
        return [i for i, ping in enumerate(pings) if not golden[i] and ping.recorded_utc.date() <= last]

    # One late and one duplicate delivery are planted so both exist at any seed and scale; both arrive
    # before the anchor date, so every end date with that anchor has them.
    early = settled_by(15)
    planted_late = early[len(early) // 3] if early else -1
    settled = [i for i in settled_by(3) if i != planted_late]
    planted_duplicate = settled[len(settled) // 2] if settled else -1
    deliveries = []
    for number, ping in enumerate(pings):
        instance = business.instances[ping.instance_index]
        rng = config.rng("delivery", instance.uuid, ping.recorded_utc.isoformat())
        received = ping.recorded_utc + dt.timedelta(seconds=rng.randint(2, 3 * 3600))
        late = rng.random() < 0.02 and not instance.golden
        late_by = dt.timedelta(days=rng.randint(7, 14), seconds=rng.randint(0, 3600))
        if late or number == planted_late:
            received += late_by
        twice = rng.random() < 0.02 or number == planted_duplicate
        again = received + dt.timedelta(seconds=rng.randint(600, 30 * 3600))
        for moment in (received, again) if twice else (received,):
            if moment <= cutoff:  # later ones are still in flight
                deliveries.append(Delivery(ping, moment))
    return deliveries


def write_service_ping(
    writer: LandingWriter, builder: PayloadBuilder, config: GeneratorConfig
) -> ServicePingResult:
    deliveries = plan_deliveries(builder.pings(), config, builder.business)
    by_folder: dict[dt.date, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        by_folder[delivery.received.date()].append(delivery)
    malformed_days = _malformed_days(by_folder, config)
    malformed = []
    for day in sorted(by_folder):
        folder = sorted(
            by_folder[day], key=lambda d: (d.received, builder.business.instances[d.ping.instance_index].uuid)
        )
        _write_folder(writer, builder, config, day, folder)
        if day in malformed_days:
            malformed.append(_write_malformed(writer, builder, day, folder))
    payloads = len({(d.ping.instance_index, d.ping.recorded_utc) for d in deliveries})
    return ServicePingResult(payloads, len(deliveries), tuple(malformed))


def _malformed_days(by_folder: dict[dt.date, list[Delivery]], config: GeneratorConfig) -> set[dt.date]:
    """Days up to the anchor date whose folder has two deliveries or more (the same for any end date with
    that anchor); at least one, one per 40 instances."""
    candidates = sorted(
        day for day, items in by_folder.items() if len(items) >= 2 and day <= config.anchor_date
    )
    count = min(len(candidates), max(1, config.instances // 40))
    return set(config.rng("malformed").sample(candidates, count))


def _payload_json(builder: PayloadBuilder, ping: Ping, indent: int | None = None) -> str:
    payload = builder.build(ping)
    if indent:
        return json.dumps(payload, indent=indent, ensure_ascii=False)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _write_folder(writer, builder, config, day: dt.date, deliveries: list[Delivery]) -> None:
    rng = config.rng("folder", day.isoformat())
    style, compressed, _ = rng.choices(_STYLES, [weight for *_, weight in _STYLES])[0]
    lines = []
    single_names: set[str] = set()  # membership only
    for delivery in deliveries:
        if rng.random() < 0.04:
            _write_single(writer, builder, day, delivery, single_names)
            continue
        body = _payload_json(builder, delivery.ping)
        if style == "envelope":
            instance = builder.business.instances[delivery.ping.instance_index]
            received = delivery.received.strftime("%Y-%m-%d %H:%M:%S")
            body = f'{{"received_at":"{received}","source_ip":"{instance.source_ip}","payload":{body}}}'
        lines.append(body)
    if not lines:
        return
    stem = "usage_data" if style == "bare" else "versions_app"
    relative = f"{ROOT}/{day.isoformat()}/{stem}_{day:%Y%m%d}.ndjson"
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if compressed:
        writer.write_gzip(relative + ".gz", data)
    else:
        writer.write_bytes(relative, data)


def _write_single(writer, builder, day: dt.date, delivery: Delivery, taken: set[str]) -> None:
    instance = builder.business.instances[delivery.ping.instance_index]
    name = f"usage_ping_{instance.uuid}_{delivery.ping.recorded_utc:%Y%m%dT%H%M%S}"
    if name in taken:
        name += "_2"
    taken.add(name)
    writer.write_text(
        f"{ROOT}/{day.isoformat()}/{name}.json", _payload_json(builder, delivery.ping, indent=2) + "\n"
    )


def _write_malformed(writer, builder, day: dt.date, deliveries: list[Delivery]) -> str:
    complete = _payload_json(builder, deliveries[0].ping)
    cut = _payload_json(builder, deliveries[1].ping)
    relative = f"{ROOT}/{day.isoformat()}/usage_data_{day:%Y%m%d}_interrupted.ndjson"
    writer.write_text(relative, complete + "\n" + cut[: len(cut) * 3 // 5])
    return relative
