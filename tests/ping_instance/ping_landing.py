"""Hand-made landing zones for the ping-instance model tests, and dbt builds of a selection."""

from __future__ import annotations

import csv
import json
from pathlib import Path

GITLAB_COM_UUID = "ea8bf810-1d6f-4a6a-b4fd-93e8cbd8b57f"


def payload(uuid: str, hostname: str, recorded_at: str, **fields) -> dict:
    """A Service Ping payload with the top-level keys the models read; `fields` override them."""
    return {
        "uuid": uuid,
        "hostname": hostname,
        "version": "17.4.2",
        "installation_type": "omnibus-gitlab",
        "edition": "EEP",
        "recorded_at": recorded_at,
        "active_user_count": 10,
        "license_md5": None,
        "license_sha256": None,
        "license_subscription_id": None,
        "license_user_count": 20,
        "license_plan": "premium",
        "license_trial": False,
        "counts": {"issues": 3},
        **fields,
    }


def envelope(received_at: str, ping: dict, source_ip: str = "192.0.2.10") -> dict:
    """A ping as the collecting endpoint keeps it: receipt time and sender beside the payload."""
    return {"received_at": received_at, "source_ip": source_ip, "payload": ping}


def write_pings(landing_dir: Path, pings_by_folder: dict[str, list[dict]]) -> None:
    """service_ping/<receipt date>/pings.ndjson, one record per line."""
    for folder, records in pings_by_folder.items():
        path = landing_dir / "service_ping" / folder / "pings.ndjson"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(record) + "\n" for record in records))


def write_csv(path: Path, header: str, rows: list[dict]) -> None:
    """A CSV export with the comma-separated `header`; fields a row lacks are left empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header.split(","), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_billing(landing_dir: Path, subscriptions: list[dict], licenses: list[dict]) -> None:
    """Minimal Zuora and Customers Portal exports (the sources the subscription mapping reads),
    plus a one-network IP-to-geo export (prep_ping_payload places sender IPs in countries)."""
    write_csv(
        landing_dir / "zuora" / "account.csv",
        "Id,AccountNumber,Name,CrmId,Status,Currency",
        [{"Id": "acc-1", "AccountNumber": "A001", "Name": "Acme", "CrmId": "crm-1", "Status": "Active"}],
    )
    write_csv(
        landing_dir / "zuora" / "subscription.csv",
        "Id,AccountId,Name,Status,Version,OriginalId,PreviousSubscriptionId,TermType,TermStartDate,"
        "TermEndDate,SubscriptionStartDate,SubscriptionEndDate,AutoRenew,CreatedDate,UpdatedDate",
        subscriptions,
    )
    write_csv(
        landing_dir / "customers_db" / "licenses.csv",
        "id,license_md5,license_sha256,zuora_subscription_id,zuora_subscription_name,plan_code,trial,"
        "users_count,starts_at,expires_at,created_at",
        licenses,
    )
    write_csv(
        landing_dir / "ip_to_geo" / "blocks_ipv4.csv",
        "network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,"
        "is_anonymous_proxy,is_satellite_provider,is_anycast",
        [{"network": "192.0.2.0/24", "geoname_id": "2921044", "is_anonymous_proxy": "0"}],
    )
    write_csv(
        landing_dir / "ip_to_geo" / "locations.csv",
        "geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,"
        "is_in_european_union",
        [
            {
                "geoname_id": "2921044",
                "locale_code": "en",
                "continent_code": "EU",
                "continent_name": "Europe",
                "country_iso_code": "DE",
                "country_name": "Germany",
                "is_in_european_union": "1",
            }
        ],
    )
