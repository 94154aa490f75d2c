"""prep_ping_instance, dim_ping_instance and dim_installation on hand-made pings: every edition ->
tier case, delivery and deployment types, internal and staging flags, the installation id, the last
ping of a week and of a month around a week and a month boundary with a late-received ping, version
parsing, and the installation's latest attributes and subscription."""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import pytest

from tests.conftest import dbt_build, load_raw, settings_for
from tests.ping_instance.ping_landing import GITLAB_COM_UUID, envelope, payload, write_billing, write_pings

MONDAY = "2024-03-04"
ONE_PING_INSTALLATIONS = {
    # hostname: (uuid, payload overrides)
    "tier-ce.example": ("aaaa0000-0000-4000-8000-000000000001", {"edition": "CE", "version": "15.2.1"}),
    "tier-ee-free.example": (
        "aaaa0000-0000-4000-8000-000000000002",
        {"edition": "EE Free", "version": "16.11.0-pre"},
    ),
    "tier-ees.example": ("aaaa0000-0000-4000-8000-000000000003", {"edition": "EES", "version": "17.4.2-ee"}),
    "tier-eep.example": ("aaaa0000-0000-4000-8000-000000000004", {"edition": "EEP", "active_user_count": -1}),
    "tier-eeu.example": (
        "aaaa0000-0000-4000-8000-000000000005",
        {"edition": "EEU", "version": "17.0.0-rc42", "license_trial": True},
    ),
    "tier-ee-premium.example": (
        "aaaa0000-0000-4000-8000-000000000006",
        {"edition": "EE", "license_plan": "premium"},
    ),
    "tier-ee-no-plan.example": (
        "aaaa0000-0000-4000-8000-000000000007",
        {"edition": "EE", "license_plan": None},
    ),
    "gitlab.com": (GITLAB_COM_UUID, {"edition": "EEU", "host_id": 4242}),
    "staging.gitlab.com": (GITLAB_COM_UUID, {}),
    "canary.gitlab-internal.example": (GITLAB_COM_UUID, {}),
    "acme.gitlab-dedicated.example": ("bbbb0000-0000-4000-8000-000000000001", {"gitlab_dedicated": True}),
    "self.acme.example": ("bbbb0000-0000-4000-8000-000000000002", {"gitlab_dedicated": False}),
    "dev.gitlab.org": ("bbbb0000-0000-4000-8000-000000000003", {}),
    "ops.gitlab.net": ("bbbb0000-0000-4000-8000-000000000004", {}),
    "customers.gitlab.com": ("bbbb0000-0000-4000-8000-000000000005", {}),
    "laptop.dev.example": (
        "bbbb0000-0000-4000-8000-000000000006",
        {"installation_type": "gitlab-development-kit"},
    ),
    "gitlab-staging.acme.example": ("cccc0000-0000-4000-8000-000000000001", {}),
    "stg2.acme.example": ("cccc0000-0000-4000-8000-000000000002", {}),
    "gitlab-stage.acme.example": ("cccc0000-0000-4000-8000-000000000003", {}),
    "backstage.acme.example": ("cccc0000-0000-4000-8000-000000000004", {}),
    "stagecoach.example": ("cccc0000-0000-4000-8000-000000000005", {}),
    "pre.gitlab.com": ("cccc0000-0000-4000-8000-000000000006", {}),
}

# One installation pinging across the week of Mon 2024-01-29 .. Sun 2024-02-04 (which also holds the
# January/February boundary), the next week, and a ping recorded on 2024-02-03 that arrives late.
WEEKLY_UUID, WEEKLY_HOST = "dddd0000-0000-4000-8000-000000000001", "weekly.acme.example"
LICENSED = {"license_md5": "md5-weekly", "version": "16.8.1"}
WEEKLY_PINGS = {
    # name: (receipt folder, recorded_at, envelope received_at or None, overrides)
    "A": ("2024-01-29", "2024-01-29T01:00:00.000+00:00", None, LICENSED),
    "B": ("2024-01-31", "2024-01-31T01:00:00.000+00:00", None, LICENSED),
    "C": ("2024-02-01", "2024-02-01T01:00:00.000+00:00", None, LICENSED),
    "D": ("2024-02-04", "2024-02-04T22:00:00.000+02:00", "2024-02-04T23:30:00Z", LICENSED),
    "E": ("2024-02-05", "2024-02-05T01:00:00.000+00:00", None, {"license_subscription_id": "sub-v2"}),
    "F": ("2024-02-12", "2024-02-03T09:00:00.000+00:00", None, {"edition": "EE Free", "license_plan": None}),
}
EXPECTED_LAST_OF = {  # name: (is_last_ping_of_week, is_last_ping_of_month)
    "A": (False, False),
    "B": (False, True),  # last of January, but C and D follow in its week
    "C": (False, False),
    "D": (True, False),  # Sunday: closes the week, February goes on
    "E": (True, False),
    "F": (True, True),  # recorded before E, received a week later: counts when received
}

# Self-Managed first, then GitLab Dedicated: the installation shows what it is now.
MOVING_UUID, MOVING_HOST = "eeee0000-0000-4000-8000-000000000001", "moving.acme.example"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("ping_instance")
    settings = settings_for(tmp_path / "data")
    pings: dict[str, list[dict]] = {MONDAY: [], "2024-03-11": []}
    for hostname, (uuid, overrides) in ONE_PING_INSTALLATIONS.items():
        pings[MONDAY].append(payload(uuid, hostname, f"{MONDAY}T08:00:00.000+00:00", **overrides))
    for folder, recorded_at, received_at, overrides in WEEKLY_PINGS.values():
        ping = payload(WEEKLY_UUID, WEEKLY_HOST, recorded_at, **{"version": "16.9.0-ee", **overrides})
        pings.setdefault(folder, []).append(envelope(received_at, ping) if received_at else ping)
    pings[MONDAY].append(payload(MOVING_UUID, MOVING_HOST, f"{MONDAY}T09:00:00.000+00:00"))
    pings["2024-03-11"].append(
        payload(MOVING_UUID, MOVING_HOST, "2024-03-11T09:00:00.000+00:00", gitlab_dedicated=True)
    )
    write_pings(settings.landing_dir, pings)
    subscription = {"AccountId": "acc-1", "Name": "A-S001", "Status": "Active", "OriginalId": "sub-v1"}
    write_billing(
        settings.landing_dir,
        subscriptions=[
            {**subscription, "Id": "sub-v1", "Version": "1", "TermStartDate": "2023-06-01"},
            {**subscription, "Id": "sub-v2", "Version": "2", "PreviousSubscriptionId": "sub-v1"},
        ],
        licenses=[{"id": "1", "license_md5": "md5-weekly", "zuora_subscription_id": "sub-v1"}],
    )
    load_raw(settings)
    dbt_build(settings, "+dim_installation", tmp_dir=tmp_path)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        yield conn


def rows(conn, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def pings(warehouse) -> dict[str, dict]:
    """dim_ping_instance rows: one-ping installations by hostname, the weekly ones by name."""
    weekly_names = {recorded_at: name for name, (_, recorded_at, _, _) in WEEKLY_PINGS.items()}
    by_key = {}
    for row in rows(warehouse, "select * from common.dim_ping_instance"):
        if row["hostname"] == WEEKLY_HOST:
            recorded = row["recorded_at"].replace(tzinfo=dt.UTC)
            names = [n for r, n in weekly_names.items() if dt.datetime.fromisoformat(r) == recorded]
            by_key[names[0]] = row
        elif row["hostname"] != MOVING_HOST:
            by_key[row["hostname"]] = row
    return by_key


@pytest.fixture(scope="module")
def installations(warehouse) -> dict[str, dict]:
    return {row["hostname"]: row for row in rows(warehouse, "select * from common.dim_installation")}


@pytest.mark.parametrize(
    ("hostname", "tier", "main_edition"),
    [
        ("tier-ce.example", "Free", "CE"),
        ("tier-ee-free.example", "Free", "EE"),
        ("tier-ees.example", "Starter", "EE"),
        ("tier-eep.example", "Premium", "EE"),
        ("tier-eeu.example", "Ultimate", "EE"),
        ("tier-ee-premium.example", "Premium", "EE"),  # plain EE: the license plan decides
        ("tier-ee-no-plan.example", "Free", "EE"),  # plain EE without a paid plan
    ],
)
def test_edition_gives_tier_and_main_edition(pings, hostname, tier, main_edition):
    assert (pings[hostname]["product_tier"], pings[hostname]["main_edition"]) == (tier, main_edition)


@pytest.mark.parametrize(
    ("hostname", "delivery", "deployment"),
    [
        ("gitlab.com", "SaaS", "GitLab.com"),
        ("acme.gitlab-dedicated.example", "SaaS", "Dedicated"),
        ("self.acme.example", "Self-Managed", "Self-Managed"),  # gitlab_dedicated false
        ("tier-ce.example", "Self-Managed", "Self-Managed"),  # no gitlab_dedicated key at all
        ("staging.gitlab.com", "Self-Managed", "Self-Managed"),  # only hostname gitlab.com is GitLab.com
    ],
)
def test_delivery_and_deployment_types(pings, hostname, delivery, deployment):
    assert (pings[hostname]["delivery_type"], pings[hostname]["deployment_type"]) == (delivery, deployment)


INTERNAL = {
    "gitlab.com",  # seed, by hostname
    "staging.gitlab.com",
    "pre.gitlab.com",
    "dev.gitlab.org",
    "ops.gitlab.net",
    "canary.gitlab-internal.example",  # seed, by GitLab.com's uuid
    "customers.gitlab.com",  # a host under gitlab.com
    "laptop.dev.example",  # a GitLab Development Kit
}
STAGING = {"staging.gitlab.com", "gitlab-staging.acme.example", "stg2.acme.example"}
STAGING |= {"gitlab-stage.acme.example", "pre.gitlab.com"}  # pre.gitlab.com: marked in the seed


def test_internal_flag(pings):
    flagged = {hostname for hostname in ONE_PING_INSTALLATIONS if pings[hostname]["is_internal"]}
    assert flagged == INTERNAL


def test_staging_flag(pings):
    flagged = {hostname for hostname in ONE_PING_INSTALLATIONS if pings[hostname]["is_staging"]}
    assert flagged == STAGING  # backstage.acme.example and stagecoach.example are not staging


def test_installation_id_is_md5_of_uuid_and_hostname(pings, installations):
    for key, row in pings.items():
        expected = hashlib.md5(f"{row['uuid']}|{row['hostname']}".encode()).hexdigest()
        assert row["dim_installation_id"] == expected, key
    # Three installations share GitLab.com's uuid and stay apart.
    assert (
        len({pings[h]["dim_installation_id"] for h in ("gitlab.com", "staging.gitlab.com", "pre.gitlab.com")})
        == 3
    )
    assert len(installations) == len(ONE_PING_INSTALLATIONS) + 2


def test_last_ping_of_week_and_month(pings):
    actual = {
        name: (pings[name]["is_last_ping_of_week"], pings[name]["is_last_ping_of_month"])
        for name in WEEKLY_PINGS
    }
    assert actual == EXPECTED_LAST_OF
    assert pings["D"]["ping_created_at_week"] == pings["A"]["ping_created_at_week"] == dt.date(2024, 1, 29)
    assert pings["F"]["ping_created_at_week"] == dt.date(2024, 2, 12)
    assert pings["F"]["snapshot_month"] == pings["F"]["ping_created_at_month"] == dt.date(2024, 2, 1)


@pytest.mark.parametrize(
    ("hostname", "cleaned", "major", "minor", "patch", "major_minor", "number", "prerelease"),
    [
        ("tier-ees.example", "17.4.2", 17, 4, 2, "17.4", 1704, False),  # 17.4.2-ee
        ("tier-ee-free.example", "16.11.0", 16, 11, 0, "16.11", 1611, True),  # 16.11.0-pre
        ("tier-ce.example", "15.2.1", 15, 2, 1, "15.2", 1502, False),  # 15.2.1
        ("tier-eeu.example", "17.0.0", 17, 0, 0, "17.0", 1700, True),  # 17.0.0-rc42
    ],
)
def test_version_parsing(pings, hostname, cleaned, major, minor, patch, major_minor, number, prerelease):
    row = pings[hostname]
    parsed = [row[c] for c in ("cleaned_version", "major_version", "minor_version", "patch_version")]
    parsed += [row["major_minor_version"], row["major_minor_version_num"], row["version_is_prerelease"]]
    assert parsed == [cleaned, major, minor, patch, major_minor, number, prerelease]


def test_payload_fields_and_calendar(pings):
    assert pings["gitlab.com"]["host_id"] == "4242"
    assert pings["tier-ce.example"]["host_id"] is None
    assert pings["tier-eep.example"]["active_user_count"] is None  # the -1 sentinel
    assert pings["tier-ees.example"]["active_user_count"] == 10
    assert pings["tier-eeu.example"]["is_trial"] and not pings["tier-ees.example"]["is_trial"]
    d = pings["D"]  # envelope: received 23:30 UTC on Sunday
    assert d["ping_created_at"] == dt.datetime(2024, 2, 4, 23, 30)
    assert (d["ping_created_date"], d["ping_created_at_year"]) == (dt.date(2024, 2, 4), dt.date(2024, 1, 1))
    assert d["ping_created_at_28_days_earlier"] == dt.date(2024, 1, 7)
    assert [pings[n]["subscription_mapping_source"] for n in "AEF"] == [
        "license_md5",
        "license_subscription_id",
        None,
    ]


def test_installation_takes_its_latest_ping(installations, pings):
    weekly = installations[WEEKLY_HOST]
    assert weekly["ping_count"] == len(WEEKLY_PINGS)
    assert (weekly["first_ping_date"], weekly["last_ping_date"]) == (
        dt.date(2024, 1, 29),
        dt.date(2024, 2, 12),
    )
    # The latest received ping (F, late) gives the attributes: unlicensed EE Free now.
    assert weekly["latest_dim_ping_instance_id"] == pings["F"]["dim_ping_instance_id"]
    assert (weekly["latest_version"], weekly["latest_major_minor_version"]) == ("16.9.0-ee", "16.9")
    assert (weekly["latest_edition"], weekly["latest_product_tier"]) == ("EE Free", "Free")
    # ... and the subscription is the one its latest mapped ping (E) maps to.
    assert weekly["latest_dim_subscription_id"] == "sub-v2"
    assert weekly["latest_subscription_mapping_source"] == "license_subscription_id"
    assert weekly["latest_subscription_mapped_date"] == dt.date(2024, 2, 5)
    assert installations["tier-ce.example"]["latest_dim_subscription_id"] is None


def test_installation_type_1_attributes(installations):
    moving = installations[MOVING_HOST]
    assert (moving["delivery_type"], moving["deployment_type"]) == ("SaaS", "Dedicated")
    assert (moving["first_ping_date"], moving["ping_count"]) == (dt.date(2024, 3, 4), 2)
    gitlab_com = installations["gitlab.com"]
    assert (gitlab_com["deployment_type"], gitlab_com["is_internal"], gitlab_com["is_staging"]) == (
        "GitLab.com",
        True,
        False,
    )
    assert installations["staging.gitlab.com"]["is_staging"]
