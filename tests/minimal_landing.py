"""The smallest landing zone the Service Ping chain builds on: headers only for the business
sources it joins (Zuora, licenses, IP-to-geo); tests add the rows they need."""

from __future__ import annotations

from pathlib import Path

HEADERS = {
    "zuora/subscription.csv": "Id,AccountId,Name,Status,Version,OriginalId,PreviousSubscriptionId,TermType,"
    "TermStartDate,TermEndDate,SubscriptionStartDate,SubscriptionEndDate,AutoRenew,CreatedDate,UpdatedDate\n",
    "zuora/account.csv": "Id,AccountNumber,Name,CrmId,Status,Currency\n",
    "customers_db/licenses.csv": "id,license_md5,license_sha256,zuora_subscription_id,"
    "zuora_subscription_name,plan_code,trial,users_count,starts_at,expires_at,created_at\n",
    "ip_to_geo/blocks_ipv4.csv": "network,geoname_id,registered_country_geoname_id,"
    "represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider,is_anycast\n",
    "ip_to_geo/locations.csv": "geoname_id,locale_code,continent_code,continent_name,country_iso_code,"
    "country_name,is_in_european_union\n",
}


def write_minimal_landing(landing: Path) -> None:
    for relative, text in HEADERS.items():
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_text(text)
