"""A hand-made landing zone for the rpt_product_usage_* reports: five installations over June,
July and August 2024, three CRM accounts (one billing account without a CRM id), a hand-checked
release list and a small metrics dictionary. What each ping plants is spelled out in PINGS; the
tests state what the reports must make of it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tests.minimal_landing import write_minimal_landing
from tests.ping_instance.ping_landing import write_csv

# Release ranks (dim_app_release_major_minor.version_number): 16.8 = 1 ... 17.3 = 8.
RELEASES = [
    ("16.8", "2024-01-18"),
    ("16.9", "2024-02-15"),
    ("16.10", "2024-03-21"),
    ("16.11", "2024-04-18"),
    ("17.0", "2024-05-16"),
    ("17.1", "2024-06-20"),
    ("17.2", "2024-07-18"),
    ("17.3", "2024-08-15"),
]

# Stage usage metrics (dim_ping_metric places them through the seed product_group_stages) and
# one numeric setting flag of the verify stage, which is an indicator and no evidence of use.
CREATE_USERS = "redis_hll_counters.code_review.i_code_review_user_create_mr_monthly"  # user_based
CREATE_EVENTS = "counts_monthly.merge_request_comments"  # event_based
PLAN_ISSUES = "counts.issues"  # total_count
PLAN_USERS = "usage_activity_by_stage_monthly.plan.issues"  # user_based (the description)
VERIFY_BUILDS = "counts.ci_builds"  # total_count
VERIFY_SETTING = "settings.instance_runner_token_expiration_enabled"  # indicator
DEFINITIONS = {
    CREATE_USERS: ("28d", "code_review", "Unique users who created a merge request"),
    CREATE_EVENTS: ("28d", "code_review", "Comments on merge requests"),
    PLAN_ISSUES: ("all", "project_management", "Count of issues created"),
    PLAN_USERS: ("28d", "project_management", "Unique users creating issues"),
    VERIFY_BUILDS: ("all", "pipeline_execution", "Count of builds"),
    VERIFY_SETTING: ("none", "runner", "Whether instance runner tokens expire"),
}

RUNNERS = "counts.ci_runners"
INSTANCE_RUNNERS = "counts.ci_runners_instance_type_active"
GROUP_RUNNERS = "counts.ci_runners_group_type_active"
PROJECT_RUNNERS = "counts.ci_runners_project_type_active"


@dataclass(frozen=True)
class Installation:
    uuid: str
    installation_type: str | None  # None: the payload has no installation_type key
    license_md5: str | None


INSTALLATIONS = {
    "a.acme.example": Installation("aaaa0000-0000-4000-8000-00000000000a", "omnibus-gitlab", "md5-acme"),
    "b.acme.example": Installation("aaaa0000-0000-4000-8000-00000000000b", "helm-charts", "md5-acme"),
    "c.globex.example": Installation("aaaa0000-0000-4000-8000-00000000000c", "omnibus-gitlab", "md5-globex"),
    "d.free.example": Installation("aaaa0000-0000-4000-8000-00000000000d", "docker", None),
    "e.nocrm.example": Installation("aaaa0000-0000-4000-8000-00000000000e", None, "md5-nocrm"),
}
# license md5 -> (subscription, billing account, CRM id or "" for none)
LICENSES = {
    "md5-acme": ("S-ACME", "acc-acme", "crm-acme"),
    "md5-globex": ("S-GLOBEX", "acc-globex", "crm-globex"),
    "md5-nocrm": ("S-NOCRM", "acc-nocrm", ""),
}

FAILED = "failed"  # topology whose node query failed: a failure listed and no nodes


@dataclass(frozen=True)
class Ping:
    host: str
    day: str  # receipt folder (bare payloads: the day is when they were received)
    version: str
    active_users: int
    metrics: dict[str, object] = field(default_factory=dict)
    node_cpus: tuple[int, ...] | str = (4,)  # node_cpus of each topology node, or FAILED
    gitaly_servers: int = 1
    geo: tuple[bool, int] = (False, 0)  # geo_enabled, counts.geo_nodes


def _runners(total: int, instance: int, group: int, project: int) -> dict[str, int]:
    return {RUNNERS: total, INSTANCE_RUNNERS: instance, GROUP_RUNNERS: group, PROJECT_RUNNERS: project}


JUNE, JULY, AUGUST = "2024-06-25", "2024-07-28", "2024-08-26"
PINGS = [
    # June
    Ping(
        "a.acme.example",
        JUNE,
        "17.0.1",
        100,
        {CREATE_USERS: 10, CREATE_EVENTS: 20, PLAN_ISSUES: 100, PLAN_USERS: 4, VERIFY_BUILDS: 1000}
        | {VERIFY_SETTING: 1}
        | _runners(5, 1, 1, 1),
    ),
    Ping(
        "b.acme.example",
        JUNE,
        "16.9.0-ee",
        10,
        {CREATE_USERS: 0, CREATE_EVENTS: 0, PLAN_ISSUES: 50, PLAN_USERS: 0, VERIFY_BUILDS: 10}
        | _runners(2, 1, 0, 0),
        node_cpus=(4, 4),
    ),
    Ping(
        "c.globex.example",
        JUNE,
        "17.1.0",
        50,
        {
            CREATE_USERS: 0,
            CREATE_EVENTS: 0,
            PLAN_ISSUES: 5,
            PLAN_USERS: 0,
            VERIFY_BUILDS: 100,
            VERIFY_SETTING: 1,
        }
        | _runners(3, 1, 1, 0),
        node_cpus=(8,),
        geo=(True, 2),
    ),
    Ping("d.free.example", JUNE, "17.0.2", 30, {CREATE_USERS: 1, PLAN_ISSUES: 10}, node_cpus=(2,)),
    Ping("e.nocrm.example", JUNE, "17.1.0", 20, {VERIFY_SETTING: 1}),
    # July: a's ping of the 10th is not its last of the month (the 28th's is)
    Ping("a.acme.example", "2024-07-10", "17.1.0", 200, {CREATE_USERS: 90, VERIFY_BUILDS: 5000}),
    Ping(
        "a.acme.example",
        JULY,
        "17.2.0",
        80,
        {CREATE_USERS: 11, CREATE_EVENTS: 25, PLAN_ISSUES: 100, PLAN_USERS: 3, VERIFY_BUILDS: 1000}
        | _runners(8, 2, 3, 1),
        node_cpus=(8, 8, 8),
        gitaly_servers=3,
    ),
    Ping(
        "b.acme.example",
        JULY,
        "16.9.0-ee",
        6,
        {CREATE_USERS: 0, CREATE_EVENTS: 0, PLAN_ISSUES: 50, PLAN_USERS: 0, VERIFY_BUILDS: 10}
        | _runners(2, 1, 0, 0),
        node_cpus=(8, 8),
    ),
    Ping(
        "c.globex.example",
        JULY,
        "17.2.0",
        60,
        {
            CREATE_USERS: 0,
            CREATE_EVENTS: 0,
            PLAN_ISSUES: 5,
            PLAN_USERS: 0,
            VERIFY_BUILDS: 100,
            VERIFY_SETTING: 1,
        }
        | _runners(-1, 1, 1, 0),
        node_cpus=(8,),
        geo=(True, 3),
    ),
    Ping("e.nocrm.example", JULY, "17.1.0", 20, {VERIFY_SETTING: 1}),
    # August (d did not ping in July)
    Ping(
        "a.acme.example",
        AUGUST,
        "17.2.1",
        78,
        {CREATE_USERS: 12, CREATE_EVENTS: 30, PLAN_ISSUES: 130, PLAN_USERS: 5, VERIFY_BUILDS: 1000}
        | _runners(8, 2, 3, 1),
        node_cpus=(8, 8),
        gitaly_servers=3,
    ),
    Ping(
        "b.acme.example",
        AUGUST,
        "16.9.0-ee",
        6,
        {CREATE_USERS: 0, CREATE_EVENTS: 0, PLAN_ISSUES: 50, PLAN_USERS: 0, VERIFY_BUILDS: 25}
        | _runners(2, 1, 0, 0),
        node_cpus=FAILED,
    ),
    Ping(
        "c.globex.example",
        AUGUST,
        "17.3.0",
        40,
        {
            CREATE_USERS: 0,
            CREATE_EVENTS: 0,
            PLAN_ISSUES: 5,
            PLAN_USERS: 0,
            VERIFY_BUILDS: 100,
            VERIFY_SETTING: 1,
        }
        | _runners(4, 2, 1, 0),
        node_cpus=(8,),
        gitaly_servers=2,
        geo=(True, 2),
    ),
    Ping("d.free.example", AUGUST, "17.0.2", 10, {CREATE_USERS: 3, PLAN_ISSUES: 12}, node_cpus=(2,)),
    Ping("e.nocrm.example", AUGUST, "17.1.0", 14, {VERIFY_SETTING: 1}),
]


def _put(payload: dict, dotted: str, value: object) -> None:
    node = payload
    *parents, leaf = dotted.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def _topology(node_cpus: tuple[int, ...] | str) -> dict:
    if node_cpus == FAILED:
        return {
            "duration_s": 0.1,
            "failures": [{"name": "topology_node_data", "error": "timeout"}],
            "nodes": [],
        }
    nodes = [{"node_cpus": cpus, "node_memory_total_bytes": cpus * 2**31} for cpus in node_cpus]
    return {"duration_s": 0.1, "failures": [], "nodes": nodes}


def payload(ping: Ping) -> dict:
    installation = INSTALLATIONS[ping.host]
    body = {
        "uuid": installation.uuid,
        "hostname": ping.host,
        "version": ping.version,
        "edition": "EEP" if installation.license_md5 else "CE",
        "recorded_at": f"{ping.day}T06:00:00.000+00:00",
        "active_user_count": ping.active_users,
        "license_md5": installation.license_md5,
        "geo_enabled": ping.geo[0],
        "gitaly": {
            "version": ping.version,
            "servers": ping.gitaly_servers,
            "clusters": 0,
            "filesystems": ["EXT_4"],
        },
        "topology": _topology(ping.node_cpus),
    }
    if installation.installation_type is not None:
        body["installation_type"] = installation.installation_type
    for dotted, value in {**ping.metrics, "counts.geo_nodes": ping.geo[1]}.items():
        _put(body, dotted, value)
    return body


def _definition_yaml(key_path: str, time_frame: str, group: str, description: str) -> str:
    value_type = "number"
    return (
        f"key_path: {key_path}\ndescription: {description}\nproduct_group: {group}\n"
        f"value_type: {value_type}\nstatus: active\ntime_frame: {time_frame}\ndata_source: database\n"
        "tiers:\n- free\n- premium\n- ultimate\n"
    )


def write_report_landing(landing: Path) -> None:
    write_minimal_landing(landing)
    (landing / "releases").mkdir(parents=True, exist_ok=True)
    (landing / "releases" / "releases.csv").write_text(
        "major_minor_version,release_date\n" + "".join(f"{v},{d}\n" for v, d in RELEASES)
    )
    for index, (key_path, (time_frame, group, description)) in enumerate(DEFINITIONS.items()):
        path = landing / "metrics_dictionary" / "config" / "metrics" / f"2021010100000{index}_{key_path}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_definition_yaml(key_path, time_frame, group, description))
    write_csv(
        landing / "zuora" / "account.csv",
        "Id,AccountNumber,Name,CrmId,Status,Currency",
        [
            {
                "Id": account,
                "AccountNumber": account.upper(),
                "Name": account,
                "CrmId": crm,
                "Status": "Active",
            }
            for _, account, crm in LICENSES.values()
        ],
    )
    write_csv(
        landing / "zuora" / "subscription.csv",
        "Id,AccountId,Name,Status,Version,OriginalId,PreviousSubscriptionId,TermType,TermStartDate,"
        "TermEndDate,SubscriptionStartDate,SubscriptionEndDate,AutoRenew,CreatedDate,UpdatedDate",
        [
            {
                "Id": subscription,
                "AccountId": account,
                "Name": f"{subscription}-name",
                "Status": "Active",
                "Version": "1",
                "OriginalId": subscription,
                "TermStartDate": "2024-01-01",
                "TermEndDate": "2025-01-01",
            }
            for subscription, account, _ in LICENSES.values()
        ],
    )
    write_csv(
        landing / "customers_db" / "licenses.csv",
        "id,license_md5,license_sha256,zuora_subscription_id,zuora_subscription_name,plan_code,trial,"
        "users_count,starts_at,expires_at,created_at",
        [
            {
                "id": str(index),
                "license_md5": md5,
                "zuora_subscription_id": subscription,
                "plan_code": "premium",
            }
            for index, (md5, (subscription, _, _)) in enumerate(LICENSES.items(), start=1)
        ],
    )
    by_day: dict[str, list[dict]] = {}
    for ping in PINGS:
        by_day.setdefault(ping.day, []).append(payload(ping))
    for day, payloads in by_day.items():
        path = landing / "service_ping" / day / "pings.ndjson"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(body) + "\n" for body in payloads))
