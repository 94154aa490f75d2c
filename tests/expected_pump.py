"""The Gainsight pump as the business rules say it should be, computed from the landing files
alone with the standard library: an independent second implementation for the end-to-end test.

Rules (DESIGN.md §5 and the pump model's documentation):
- a ping is identified by (uuid, hostname, recorded_at); a ping received twice counts once, at
  its first receipt; receipt = the envelope's received_at, else the date folder;
- an installation's ping of a month is its latest by receipt time;
- its license maps to a subscription version by license md5, then license sha256 (licenses.csv),
  then the payload's license_subscription_id, each only if that version exists in Zuora;
- rows go to the subscription's latest version, and only if that version is Active or Cancelled;
- a Seat Link report names a version too; the subscription's latest report of the month counts;
- a subscription with a report but no mapped ping in a month gets one row for the report's
  installation;
- active users: the ping's (else the report's); license users: the report's (else the ping's).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

PAID_STATUSES = {"Active", "Cancelled"}


@dataclass(frozen=True)
class PumpRow:
    dim_subscription_id: str
    uuid: str | None
    hostname: str | None
    snapshot_month: dt.date
    active_user_count: int | None
    license_user_count: int | None


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _documents(path: Path) -> list:
    """The JSON documents of one ping file; raises ValueError if the file is not readable JSON."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        text = handle.read()
    if ".ndjson" in path.name:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    document = json.loads(text)
    return document if isinstance(document, list) else [document]


def read_pings(landing: Path) -> tuple[list[dict], set[str]]:
    """(pings with their receipt time, files that cannot be read)."""
    pings, unreadable = [], set()
    for path in sorted((landing / "service_ping").glob("*/*")):
        if not path.is_file():
            continue
        try:
            documents = _documents(path)
        except (ValueError, OSError, EOFError):
            unreadable.add(f"service_ping/{path.parent.name}/{path.name}")
            continue
        folder_date = dt.datetime.fromisoformat(path.parent.name)
        for document in documents:
            if not isinstance(document, dict):
                continue
            is_envelope = isinstance(document.get("payload"), dict) and (
                "received_at" in document or "created_at" in document
            )
            payload = document["payload"] if is_envelope else document
            received = document.get("received_at") or document.get("created_at") if is_envelope else None
            created_at = dt.datetime.fromisoformat(received) if received else folder_date
            pings.append({"payload": payload, "created_at": created_at, "file": str(path)})
    return pings, unreadable


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _int(text: str | None) -> int | None:
    return int(text) if text not in (None, "") else None


def _first(*values):
    return next((v for v in values if v is not None), None)


def expected_pump(landing: Path) -> dict[tuple, PumpRow]:
    subscriptions = {row["Id"]: row for row in read_csv(landing / "zuora" / "subscription.csv")}
    latest_by_name: dict[str, dict] = {}
    for row in subscriptions.values():
        current = latest_by_name.get(row["Name"])
        if current is None or int(row["Version"]) > int(current["Version"]):
            latest_by_name[row["Name"]] = row

    def paid_latest_id(version_id: str | None, name: str | None = None) -> str | None:
        name = subscriptions[version_id]["Name"] if version_id in subscriptions else name
        latest = latest_by_name.get(name) if name else None
        return latest["Id"] if latest and latest["Status"] in PAID_STATUSES else None

    licenses = read_csv(landing / "customers_db" / "licenses.csv")
    by_md5 = {r["license_md5"]: r["zuora_subscription_id"] for r in licenses if r["license_md5"]}
    by_sha256 = {r["license_sha256"]: r["zuora_subscription_id"] for r in licenses if r["license_sha256"]}

    def mapped_version(payload: dict) -> str | None:
        for candidate in (
            by_md5.get(payload.get("license_md5")),
            by_sha256.get(payload.get("license_sha256")),
            payload.get("license_subscription_id"),
        ):
            if candidate and candidate in subscriptions:
                return candidate
        return None

    # One ping per (uuid, hostname, recorded_at), at its first receipt.
    first_receipt: dict[tuple, dict] = {}
    pings, _ = read_pings(landing)
    for ping in sorted(pings, key=lambda p: (p["created_at"], p["file"])):
        p = ping["payload"]
        first_receipt.setdefault((p.get("uuid"), p.get("hostname"), p.get("recorded_at")), ping)

    # The latest ping of each installation in each month.
    last_of_month: dict[tuple, dict] = {}
    for ping in first_receipt.values():
        p = ping["payload"]
        month = ping["created_at"].date().replace(day=1)
        key = (p.get("uuid"), p.get("hostname"), month)
        order = (ping["created_at"], dt.datetime.fromisoformat(p["recorded_at"]))
        if key not in last_of_month or order > last_of_month[key][0]:
            last_of_month[key] = (order, ping)

    # The latest Seat Link report of each paid subscription in each month.
    seat_links: dict[tuple, dict] = {}
    for report in read_csv(landing / "customers_db" / "license_seat_links.csv"):
        subscription = paid_latest_id(report["zuora_subscription_id"], report["zuora_subscription_name"])
        if subscription is None:
            continue
        month = dt.date.fromisoformat(report["report_date"]).replace(day=1)
        order = (dt.datetime.fromisoformat(report["report_timestamp"]), report["id"])
        key = (subscription, month)
        if key not in seat_links or order > seat_links[key][0]:
            seat_links[key] = (order, report)

    rows: dict[tuple, PumpRow] = {}
    for (uuid, hostname, month), (_, ping) in last_of_month.items():
        subscription = paid_latest_id(mapped_version(ping["payload"]))
        if subscription is None:
            continue
        report = seat_links.get((subscription, month), (None, {}))[1]
        p = ping["payload"]
        rows[(subscription, uuid, hostname, month)] = PumpRow(
            subscription,
            uuid,
            hostname,
            month,
            active_user_count=_first(
                _count(p.get("active_user_count")), _int(report.get("active_user_count"))
            ),
            license_user_count=_first(
                _int(report.get("license_user_count")), _count(p.get("license_user_count"))
            ),
        )
    subscriptions_with_pings = {(key[0], key[3]) for key in rows}
    for (subscription, month), (_, report) in seat_links.items():
        if (subscription, month) in subscriptions_with_pings:
            continue
        uuid, hostname = report["instance_identifier"] or None, report["hostname"] or None
        rows[(subscription, uuid, hostname, month)] = PumpRow(
            subscription,
            uuid,
            hostname,
            month,
            active_user_count=_int(report["active_user_count"]),
            license_user_count=_int(report["license_user_count"]),
        )
    return rows
