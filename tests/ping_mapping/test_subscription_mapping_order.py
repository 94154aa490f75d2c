"""License -> subscription mapping order (GitLab's rule): license md5, then license sha256 (both
through the Customers Portal licenses), then the payload's own license_subscription_id; a
candidate counts only when Zuora knows that subscription."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.conftest import dbt_build, load_raw, settings_for
from tests.minimal_landing import write_minimal_landing

SUBSCRIPTIONS = ["S-MD5", "S-SHA", "S-PAYLOAD"]
LICENSES = [
    # id, md5, sha256, zuora subscription
    ("1", "md5-paid", "sha-of-md5-license", "S-MD5"),
    ("2", "md5-other", "sha-paid", "S-SHA"),
    ("3", "md5-trial", "sha-trial", ""),  # a trial: no subscription
    ("4", "md5-gone", "sha-gone", "S-UNKNOWN"),  # names a subscription Zuora does not have
]
# uuid -> (license_md5, license_sha256, license_subscription_id, expected subscription, expected rule)
PINGS = {
    "all-three-agree-on-md5": ("md5-paid", "sha-paid", "S-PAYLOAD", "S-MD5", "license_md5"),
    "sha-when-md5-unknown": ("md5-nobody-knows", "sha-paid", "S-PAYLOAD", "S-SHA", "license_sha256"),
    "sha-when-md5-null": (None, "sha-paid", None, "S-SHA", "license_sha256"),
    "payload-when-hashes-unknown": ("x", "y", "S-PAYLOAD", "S-PAYLOAD", "license_subscription_id"),
    "trial-falls-through": ("md5-trial", "sha-trial", "S-PAYLOAD", "S-PAYLOAD", "license_subscription_id"),
    "unknown-subscription-falls-through": (
        "md5-gone",
        None,
        "S-PAYLOAD",
        "S-PAYLOAD",
        "license_subscription_id",
    ),
    "payload-id-unknown-to-zuora": (None, None, "S-NOWHERE", None, None),
    "no-license-at-all": (None, None, None, None, None),
}


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mapping")
    settings = settings_for(tmp / "data")
    landing = settings.landing_dir
    write_minimal_landing(landing)
    with (landing / "zuora/subscription.csv").open("a") as handle:
        for sid in SUBSCRIPTIONS:
            handle.write(
                f"{sid},A1,{sid}-name,Active,1,{sid},,TERMED,2026-01-01,2027-01-01,2026-01-01,,true,,\n"
            )
    with (landing / "customers_db/licenses.csv").open("a") as handle:
        for lid, md5, sha, sub in LICENSES:
            handle.write(f"{lid},{md5},{sha},{sub},,premium,false,10,2026-01-01,2027-01-01,\n")
    lines = []
    for uuid, (md5, sha, payload_sub, _, _) in PINGS.items():
        lines.append(
            json.dumps(
                {
                    "uuid": uuid,
                    "hostname": f"{uuid}.example.com",
                    "version": "18.1.0",
                    "edition": "EEP",
                    "recorded_at": "2026-05-04T06:00:00+00:00",
                    "license_md5": md5,
                    "license_sha256": sha,
                    "license_subscription_id": payload_sub,
                }
            )
        )
    (landing / "service_ping/2026-05-04").mkdir(parents=True)
    (landing / "service_ping/2026-05-04/usage.ndjson").write_text("\n".join(lines) + "\n")
    (landing / "releases").mkdir()
    (landing / "releases/releases.csv").write_text("major_minor_version,release_date\n18.1,2026-04-16\n")
    load_raw(settings)
    dbt_build(settings, "+dim_ping_instance", tmp_dir=tmp)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        rows = conn.execute(
            "select uuid, dim_subscription_id, subscription_mapping_source from common.dim_ping_instance"
        ).fetchall()
    return {uuid: (sub, rule) for uuid, sub, rule in rows}


@pytest.mark.parametrize("uuid", sorted(PINGS))
def test_mapping_order(mapped, uuid):
    *_, expected_subscription, expected_rule = PINGS[uuid]
    assert mapped[uuid] == (expected_subscription, expected_rule)
