"""The metrics dictionary: GitLab Service Ping metric definitions, as data and as YAML files.

`METRIC_DEFINITIONS` mirrors a slice of GitLab's `config/metrics` tree: current-format definitions
(`product_group`, `product_categories`, `tiers`, ...), a few in the 2021 format (`product_section`,
`product_stage`, `distribution`, `tier`), one with a list `time_frame`, some `status: removed`, one
`object`. Generator hints (`unit`, `options`) never reach the YAML.

A definition whose `time_frame` is a list is sent once per time frame, with GitLab's suffixes:
`<key_path>_monthly` (28d), `<key_path>_weekly` (7d), `<key_path>` (all).
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass, field

from usage_platform.synthetic.releases import milestone_key, release_calendar

ALL_TIERS = ("free", "premium", "ultimate")
PAID_TIERS = ("premium", "ultimate")

# The five metrics the Gainsight pump reads: every instance version sends them.
PUMP_METRIC_KEY_PATHS = (
    "usage_activity_by_stage_monthly.create.merge_requests",
    "usage_activity_by_stage_monthly.verify.ci_pipelines",
    "usage_activity_by_stage_monthly.plan.issues",
    "counts.ci_builds",
    "counts.deployments",
)

TIME_FRAME_SUFFIX = {"28d": "_monthly", "7d": "_weekly", "all": ""}

# product_group -> product_categories written into current-format files.
_CATEGORIES = {
    "analytics_instrumentation": ("service_ping",),
    "authentication": ("system_access",),
    "code_review": ("code_review_workflow",),
    "compliance": ("compliance_management",),
    "composition_analysis": ("software_composition_analysis",),
    "container_registry": ("container_registry",),
    "dedicated": ("dedicated",),
    "duo_chat": ("duo_chat",),
    "dynamic_analysis": ("dast",),
    "environments": ("continuous_delivery",),
    "geo": ("geo_replication",),
    "gitaly": ("gitaly",),
    "global_search": ("global_search",),
    "knowledge": ("pages",),
    "optimize": ("value_stream_management",),
    "package_registry": ("package_registry",),
    "pipeline_authoring": ("pipeline_composition",),
    "pipeline_execution": ("continuous_integration",),
    "platform_insights": ("incident_management",),
    "product_planning": ("portfolio_management",),
    "project_management": ("team_planning",),
    "provision": ("plan_provisioning",),
    "remote_development": ("web_ide",),
    "runner": ("runner",),
    "secret_detection": ("secret_detection",),
    "security_insights": ("vulnerability_management",),
    "self_managed": ("omnibus_package",),
    "source_code": ("source_code_management",),
    "static_analysis": ("sast",),
    "tenant_scale": ("groups_and_projects",),
}


@dataclass(frozen=True)
class MetricDefinition:
    key_path: str
    description: str
    product_group: str
    value_type: str  # number | string | boolean | object
    time_frame: str | tuple[str, ...]  # 7d | 28d | all | none, or a list
    data_source: str
    milestone: str
    status: str = "active"
    performance_indicator_type: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ALL_TIERS
    data_category: str = "optional"
    milestone_removed: str | None = None
    ee: bool = False  # lives under ee/config/metrics and only EE editions send it
    legacy: tuple[str, str] | None = None  # (product_section, product_stage): 2021-format file
    unit: str = "events"  # generator hint: events | users | setting
    options: tuple[str, ...] = field(default=(), compare=False)  # generator hint for strings

    @property
    def time_frames(self) -> tuple[str, ...]:
        return self.time_frame if isinstance(self.time_frame, tuple) else (self.time_frame,)

    def payload_key_paths(self) -> tuple[str, ...]:
        """The dotted paths this definition occupies in a payload."""
        if isinstance(self.time_frame, str):
            return (self.key_path,)
        return tuple(self.key_path + TIME_FRAME_SUFFIX[frame] for frame in self.time_frame)

    def is_sent_by(self, version: tuple[int, int], is_ee: bool) -> bool:
        """Older versions lack newer metrics; versions from `milestone_removed` on stop sending."""
        if self.key_path in PUMP_METRIC_KEY_PATHS:
            return True
        if self.ee and not is_ee:
            return False
        if milestone_key(self.milestone) > version:
            return False
        return not (self.milestone_removed and version >= milestone_key(self.milestone_removed))


# One definition per record: the key path; then, indented, `time_frame data_source value_type product_group
# milestone [flags]`; then, indented, the description. A list time frame is written `28d,7d`.
# Flags: `users` or `setting` (how the generator fills the value; default: event counts), `ee` (ee/ folder,
# EE editions only), `tiers=`, `pi=` (performance_indicator_type), `category=` (data_category),
# `removed=<milestone>`, `status=`, `legacy=<section>/<stage>` (2021 format), `options=` (string values).
_TABLE = """
# all-time database counts
counts.ci_builds
    all database number pipeline_execution <13.9 pi=customer_health_score category=operational
    Unique builds in project
counts.deployments
    all database number environments <13.9 pi=customer_health_score category=operational
    Total deployments count
counts.issues
    all database number project_management <13.9
    Count of Issues created
counts.merge_requests
    all database number code_review <13.9
    Count of the number of merge requests
counts.projects
    all database number tenant_scale <13.9
    Count of Projects created
counts.groups
    all database number tenant_scale <13.9
    Total count of groups as of usage ping snapshot
counts.ci_runners
    all database number runner <13.9
    Total configured Runners in project
counts.ci_runners_instance_type_active
    all database number runner 13.9
    Total active instance Runners
counts.ci_runners_group_type_active
    all database number runner 13.9
    Total active group Runners
counts.ci_runners_project_type_active
    all database number runner 13.9
    Total active project Runners
counts.ci_pipeline_schedules
    all database number pipeline_execution <13.9
    Pipeline schedules in GitLab
counts.ci_internal_pipelines
    all database number pipeline_execution <13.9
    Total pipelines in GitLab repositories
counts.environments
    all database number environments <13.9
    Total available and stopped environments
counts.successful_deployments
    all database number environments <13.9
    Total successful deployments
counts.failed_deployments
    all database number environments <13.9
    Total failed deployments
counts.releases
    all database number environments <13.9
    Unique release tags
counts.snippets
    all database number source_code <13.9
    Snippets
counts.boards
    all database number project_management <13.9
    Count of Boards created
counts.labels
    all database number project_management <13.9
    Count of Labels
counts.notes
    all database number project_management <13.9
    Count of notes (comments)
counts.projects_with_packages
    all database number package_registry <13.9
    Count of projects with packages
counts.container_expiration_policies_enabled
    all database number container_registry <13.9
    Count of projects with a container cleanup policy enabled
counts.clusters
    all database number environments <13.9
    Total GitLab Managed clusters both enabled and disabled
counts.epics
    all database number product_planning <13.9 ee tiers=premium,ultimate
    Count of all epics
counts.vulnerabilities
    all database number security_insights 14.1 ee tiers=ultimate
    Count of vulnerabilities detected
counts.geo_nodes
    all database number geo <13.9 ee tiers=premium,ultimate
    Total number of sites in a Geo deployment
counts.dast_jobs
    all database number dynamic_analysis <13.9 ee tiers=ultimate
    Count of DAST jobs
counts.sast_jobs
    all database number static_analysis <13.9
    Count of SAST CI jobs for the month
counts.projects_with_enabled_alert_integrations_histogram
    all database object platform_insights 14.6
    Histogram (buckets 1 to 100) of projects with at least 1 enabled integration
counts.web_ide_commits
    all redis number remote_development <13.9 removed=17.6
    Count of commits made from the Web IDE
counts.projects_prometheus_active
    all database number platform_insights <13.9 removed=16.0
    Count of projects where Prometheus integration is active
counts.kubernetes_agents_with_token
    all database number environments 18.3
    Count of Kubernetes agents with at least one token
# all-time distinct users by stage
usage_activity_by_stage.create.merge_requests
    all database number code_review <13.9 users
    Count of the number of users creating merge requests
usage_activity_by_stage.verify.ci_pipelines
    all database number pipeline_execution <13.9 users
    Distinct users triggering pipelines in a month
usage_activity_by_stage.plan.issues
    all database number project_management <13.9 users
    Count of users creating Issues
usage_activity_by_stage.release.deployments
    all database number environments <13.9 users
    Unique users triggering deployments
usage_activity_by_stage.manage.events
    all database number optimize <13.9 users
    Number of distinct users who have generated a manage event
usage_activity_by_stage.secure.user_sast_jobs
    all database number static_analysis <13.9 users ee tiers=ultimate
    Distinct users running SAST jobs
# 28-day distinct users by stage
usage_activity_by_stage_monthly.create.merge_requests
    28d database number code_review <13.9 users pi=customer_health_score
    Count distinct authors of merge requests
usage_activity_by_stage_monthly.verify.ci_pipelines
    28d database number pipeline_execution <13.9 users pi=customer_health_score
    Distinct users triggering pipelines in a month
usage_activity_by_stage_monthly.plan.issues
    28d database number project_management <13.9 users pi=customer_health_score
    Count of users creating Issues in a 28 day period
usage_activity_by_stage_monthly.verify.ci_builds
    28d database number pipeline_execution 12.9 users pi=customer_health_score category=operational
    Distinct users triggering jobs in a month
usage_activity_by_stage_monthly.release.deployments
    28d database number environments <13.9 users pi=customer_health_score
    Unique users triggering deployments
usage_activity_by_stage_monthly.create.action_monthly_active_users_project_repo
    28d redis number source_code <13.9 users pi=gmau,smau
    Count of monthly active users that have performed a Git push
usage_activity_by_stage_monthly.plan.notes
    28d database number project_management <13.9 users
    Count of users creating notes on issues in a 28 day period
usage_activity_by_stage_monthly.manage.events
    28d database number optimize <13.9 users
    Number of distinct users who have generated a manage event in a 28 day period
usage_activity_by_stage_monthly.package.projects_with_packages
    28d database number package_registry <13.9 users
    Distinct projects with packages in a month
usage_activity_by_stage_monthly.configure.project_clusters_enabled
    28d database number environments <13.9 users
    Total GitLab Managed enabled clusters attached to projects
usage_activity_by_stage_monthly.verify.ci_pipeline_config_repository
    28d database number pipeline_authoring <13.9 users
    Unique users creating pipelines from a .gitlab-ci.yml file
usage_activity_by_stage_monthly.secure.user_sast_jobs
    28d database number static_analysis <13.9 users ee tiers=ultimate pi=customer_health_score
    Users who run a SAST job
usage_activity_by_stage_monthly.secure.user_dast_jobs
    28d database number dynamic_analysis <13.9 users ee tiers=ultimate pi=customer_health_score
    Users who run a DAST job
usage_activity_by_stage_monthly.secure.user_container_scanning_jobs
    28d database number composition_analysis <13.9 users ee tiers=ultimate
    Users who run a Container Scanning job
usage_activity_by_stage_monthly.secure.user_secret_detection_jobs
    28d database number secret_detection <13.9 users ee tiers=ultimate
    Users who run a Secret Detection job
usage_activity_by_stage_monthly.create.merge_requests_with_required_codeowners
    28d database number source_code 18.2 users ee tiers=premium,ultimate
    Distinct authors of merge requests that require Code Owner approval
# 28-day and 7-day counts, aggregated metrics
counts_monthly.deployments
    28d database number environments <13.9
    Total deployments count for recent 28 days
counts_monthly.successful_deployments
    28d database number environments <13.9
    Total successful deployments in a 28 day period
counts_monthly.projects
    28d database number tenant_scale <13.9
    Count number of projects created in a 28 day period
counts_monthly.packages
    28d database number package_registry <13.9
    A monthly count of packages published to the package registry
counts_monthly.aggregated_metrics.code_review_group_monthly_active_users
    28d redis_hll number code_review <13.9 users pi=gmau
    Number of monthly active users performing code review actions
counts_monthly.aggregated_metrics.xmau_plan
    28d redis_hll number project_management <13.9 users pi=smau
    Unique users interacting with Plan features
counts_monthly.aggregated_metrics.xmau_project_management
    28d redis_hll number project_management <13.9 users pi=gmau
    Unique users interacting with Project Management features
counts_monthly.aggregated_metrics.i_testing_paid_monthly_active_user_total
    28d redis_hll number pipeline_execution <13.9 users ee tiers=premium,ultimate pi=paid_gmau
    Aggregated count of users using paid testing features
counts_monthly.aggregated_metrics.compliance_features_track_unique_visits_union
    28d redis_hll number compliance <13.9 users ee tiers=ultimate
    Unique users of the audit events screen or API, the compliance dashboard or the credentials inventory
counts_weekly.aggregated_metrics.code_review_group_monthly_active_users
    7d redis_hll number code_review <13.9 users
    Weekly active users performing code review actions
counts_weekly.aggregated_metrics.xmau_plan
    7d redis_hll number project_management <13.9 users
    Weekly unique users interacting with Plan features
# Redis HLL and internal events
redis_hll_counters.code_review.i_code_review_user_create_mr_monthly
    28d redis_hll number code_review <13.9 users pi=customer_health_score
    Count of unique users per month who created a MR
redis_hll_counters.code_review.i_code_review_user_create_mr_weekly
    7d redis_hll number code_review <13.9 users
    Count of unique users per week who created a MR
redis_hll_counters.code_review.i_code_review_user_approve_mr_monthly
    28d redis_hll number code_review <13.9 users
    Count of unique users per month who approve MRs
redis_hll_counters.code_review.i_code_review_user_approve_mr_weekly
    7d redis_hll number code_review <13.9 users
    Count of unique users per week who approve MRs
redis_hll_counters.code_review.i_code_review_user_add_suggestion_monthly
    28d redis_hll number code_review <13.9 users
    Count of unique users per month who added a suggestion
redis_hll_counters.ci_templates.p_ci_templates_jobs_test
    28d,7d internal_events number pipeline_authoring 14.3 users
    Count of distinct projects that included the Jobs/Test.gitlab-ci.yml template in a pipeline
redis_hll_counters.ci_templates.p_ci_templates_security_sast
    28d,7d internal_events number static_analysis 14.3 users
    Count of distinct projects that included the SAST template in a pipeline
redis_hll_counters.ide_edit.g_edit_by_web_ide_monthly
    28d redis_hll number remote_development <13.9 users
    Number of users editing a file from the Web IDE
redis_hll_counters.issues_edit.g_project_management_issue_created_monthly
    28d redis_hll number project_management <13.9 users
    Count of MAU creating new issues
redis_hll_counters.issues_edit.g_project_management_issue_created_weekly
    7d redis_hll number project_management <13.9 users
    Count of WAU creating issues
redis_hll_counters.pipeline_authoring.o_pipeline_authoring_unique_users_committing_ciconfigfile_monthly
    28d redis_hll number pipeline_authoring <13.9 users pi=gmau
    Monthly unique user count doing commits which contains the CI config file
redis_hll_counters.search.i_search_total_monthly
    28d redis_hll number global_search <13.9 users pi=smau,gmau
    Calculated unique users to perform Basic or Advanced searches by month
redis_hll_counters.user_packages.i_package_maven_user_monthly
    28d redis_hll number package_registry <13.9 users
    A monthly count of users that have published a Maven package
redis_hll_counters.snippets.i_snippets_show_monthly
    28d redis_hll number source_code 14.0 users
    Monthly number of users viewing snippets
redis_hll_counters.terraform.p_terraform_state_api_unique_users_monthly
    28d redis_hll number environments <13.9 users pi=gmau
    Monthly active users of GitLab Managed Terraform states
redis_hll_counters.count_distinct_user_id_from_request_duo_chat_response
    28d,7d internal_events number duo_chat 18.9 users ee tiers=premium,ultimate
    Count of unique users who received a Duo Chat response
redis_hll_counters.count_distinct_project_id_from_trigger_merge_request_review
    28d,7d internal_events number code_review 19.1 users
    Count of unique projects where a merge request review was triggered
redis_hll_counters.ci_secrets_management.i_ci_secrets_management_vault_build_created_monthly
    28d redis_hll number pipeline_execution <13.9 users removed=17.0
    Monthly active users creating pipelines that use Vault secrets
# settings
settings.gitaly_apdex
    none prometheus number gitaly 14.0 setting
    Gitaly application performance
settings.ldap_encrypted_secrets_enabled
    none system boolean authentication <13.9 setting
    Is encrypted LDAP secrets configured?
settings.smtp_encrypted_secrets_enabled
    none system boolean self_managed 14.2 setting
    Is encrypted SMTP secrets configured?
settings.operating_system
    none system string self_managed 13.11 setting options=ubuntu-22.04,ubuntu-24.04,debian-12,el-9,amazon-2023
    Information about the operating system running GitLab
settings.snowplow_enabled
    none database boolean analytics_instrumentation 16.2 setting
    Whether snowplow is enabled for the GitLab instance
settings.user_cap_feature_enabled
    none database number provision 14.2 setting
    The value of the user cap setting; null when the feature is disabled
settings.allow_runner_registration_token
    none database boolean runner 16.11 setting
    Whether runner registration tokens are allowed
settings.zoekt_search_enabled
    none database boolean global_search 18.4 setting ee tiers=premium,ultimate
    Whether exact code search with Zoekt is enabled
geo_enabled
    none system boolean geo <13.9 setting
    Is Geo enabled?
database.adapter
    none system string self_managed <13.9 setting
    This metric only returns a value of PostgreSQL in supported versions of GitLab
database.version
    none system string self_managed <13.9 setting
    The version of the PostgreSQL database
# instance identity and license (values come from the instance itself)
uuid
    none database string analytics_instrumentation <13.9 setting category=standard
    GitLab instance unique identifier
hostname
    none system string analytics_instrumentation <13.9 setting category=standard
    Host name of GitLab instance
version
    none system string self_managed <13.9 setting category=standard
    Version of GitLab instance
installation_type
    none system string self_managed <13.9 setting category=standard
    The installation method used to install GitLab
recorded_at
    none system string analytics_instrumentation <13.9 setting category=standard
    When the Service Ping computation was started
active_user_count
    none database number analytics_instrumentation <13.9 setting category=standard
    The number of active users existing in the instance
gitaly.version
    none system string gitaly <13.9 setting
    Version of Gitaly
license_md5
    none license string provision <13.9 setting ee category=subscription removed=16.2
    The MD5 hash of the license key
license_sha256
    none license string provision 15.2 setting ee category=subscription
    The SHA256 hash of the license key
license_id
    none license number provision <13.9 setting ee category=subscription
    The ID of the license
license_subscription_id
    none license string provision <13.9 setting ee category=subscription
    Identifier for the subscription the license belongs to
license_user_count
    none license number provision <13.9 setting ee category=subscription
    The number of seats included in the license
license_billable_users
    none database number provision 14.0 setting ee category=subscription
    Number of billable users
historical_max_users
    none license number provision <13.9 setting ee category=subscription
    The maximum active user count
license_plan
    none license string provision <13.9 setting ee category=subscription
    The plan of the license
license_trial
    none license boolean provision <13.9 setting ee category=subscription
    Whether this is a trial license
license_expires_at
    none license string provision <13.9 setting ee category=subscription
    The date the license ends
license_starts_at
    none license string provision <13.9 setting ee category=subscription
    The date the license starts
licensee
    none license object provision <13.9 setting ee category=subscription
    Name, email and company of the licensee
# the 2021 format (product_section / product_stage / distribution / tier)
counts.incident_issues
    all database number respond <13.9 status=data_available legacy=ops/monitor
    Count of incidents (issues where issue_type=incident)
counts.projects_with_prometheus_alerts
    all database number respond <13.9 status=data_available legacy=ops/monitor
    Projects with Prometheus alerting enabled
usage_activity_by_stage_monthly.secure.user_unique_users_all_secure_scanners
    28d database number threat_insights 13.9 users ee tiers=ultimate status=data_available legacy=sec/secure
    Count of unique users who have run any secure scanner
counts.geo_event_log_max_id
    all database number geo <13.9 ee tiers=premium,ultimate status=data_available legacy=enablement/geo
    Number of replication events on a Geo primary
mattermost_enabled
    none system boolean distribution_deploy <13.9 setting status=implemented legacy=enablement/systems
    Whether Mattermost is enabled
"""
_LIST_FLAGS = {"tiers": "tiers", "pi": "performance_indicator_type", "options": "options"}


def _parse_record(key_path: str, attributes: str, description: str) -> MetricDefinition:
    time_frame, data_source, value_type, group, milestone, *flags = attributes.split()
    fields: dict = {}
    for flag in flags:
        name, _, value = flag.partition("=")
        if name == "ee":
            fields["ee"] = True
        elif name in ("users", "setting"):
            fields["unit"] = name
        elif name in _LIST_FLAGS:
            fields[_LIST_FLAGS[name]] = tuple(value.split(","))
        elif name == "removed":
            fields.update(status="removed", milestone_removed=value)
        elif name == "legacy":
            fields["legacy"] = tuple(value.split("/"))
        elif name in ("category", "status"):
            fields["data_category" if name == "category" else "status"] = value
        else:
            raise ValueError(f"{key_path}: unknown flag {flag!r}")
    frames = tuple(time_frame.split(","))
    return MetricDefinition(
        key_path=key_path,
        description=description,
        product_group=group,
        value_type=value_type,
        time_frame=frames if len(frames) > 1 else time_frame,
        data_source=data_source,
        milestone=milestone,
        **fields,
    )


def _parse_table(text: str) -> tuple[MetricDefinition, ...]:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if len(lines) % 3:
        raise ValueError("metric table records have three lines each")
    return tuple(_parse_record(*record) for record in zip(lines[0::3], lines[1::3], lines[2::3], strict=True))


METRIC_DEFINITIONS: tuple[MetricDefinition, ...] = _parse_table(_TABLE)
DEFINITION_BY_KEY_PATH = {definition.key_path: definition for definition in METRIC_DEFINITIONS}


# --- YAML files ---------------------------------------------------------------------------------------
_FOLDER_BY_TIME_FRAME = {"28d": "counts_28d", "7d": "counts_7d", "all": "counts_all"}
_SETTINGS_ROOTS = ("settings.", "database.", "geo_enabled", "mattermost_enabled", "gitaly.")


def folder(definition: MetricDefinition) -> str:
    """Folder under config/metrics, as GitLab sorts definitions (list time frames live in counts_all)."""
    if isinstance(definition.time_frame, tuple):
        return "counts_all"
    if definition.time_frame == "none":
        return "settings" if definition.key_path.startswith(_SETTINGS_ROOTS) else "license"
    return _FOLDER_BY_TIME_FRAME[definition.time_frame]


def _milestone_date(milestone: str) -> dt.date:
    key = milestone_key(milestone)
    if key < (13, 9):
        return dt.date(2021, 2, 16)  # when GitLab bulk-created the dictionary for older metrics
    for release in release_calendar(dt.date(2100, 1, 1)):
        if release.key == key:
            return release.date - dt.timedelta(days=25)
    raise ValueError(f"unknown milestone {milestone}")


def relative_path(definition: MetricDefinition, index: int) -> str:
    """`[ee/]config/metrics/<folder>/<YYYYMMDDHHMMSS>_<name>.yml`; the stamp derives from the milestone."""
    stamp = dt.datetime.combine(_milestone_date(definition.milestone), dt.time(10)) + dt.timedelta(
        seconds=97 * index + 13
    )
    name = definition.key_path.rsplit(".", 1)[-1]
    root = "ee/config/metrics" if definition.ee else "config/metrics"
    return f"{root}/{folder(definition)}/{stamp:%Y%m%d%H%M%S}_{name}.yml"


def _merge_request_url(definition: MetricDefinition) -> str:
    major, minor = milestone_key(definition.milestone)
    base = 40000 + max(0, (major - 13) * 12 + minor) * 8000  # MR ids grow with time
    number = base + zlib.crc32(definition.key_path.encode()) % 7000
    return f"https://gitlab.com/gitlab-org/gitlab/-/merge_requests/{number}"


def yaml_fields(definition: MetricDefinition) -> list[tuple[str, object]]:
    """The definition's YAML keys in GitLab's order for its format."""
    time_frame = (
        list(definition.time_frame) if isinstance(definition.time_frame, tuple) else definition.time_frame
    )
    if definition.legacy:
        section, stage = definition.legacy
        return [
            ("key_path", definition.key_path),
            ("description", definition.description),
            ("product_section", section),
            ("product_stage", stage),
            ("product_group", definition.product_group),
            ("value_type", definition.value_type),
            ("status", definition.status),
            ("time_frame", time_frame),
            ("data_source", definition.data_source),
            ("distribution", ["ee"] if definition.ee else ["ce", "ee"]),
            ("tier", list(definition.tiers)),
            ("performance_indicator_type", list(definition.performance_indicator_type)),
            ("milestone", definition.milestone),
        ]
    fields: list[tuple[str, object]] = [
        ("key_path", definition.key_path),
        ("description", definition.description),
        ("product_group", definition.product_group),
        ("product_categories", list(_CATEGORIES.get(definition.product_group, ()))),
        ("value_type", definition.value_type),
        ("status", definition.status),
        ("milestone", definition.milestone),
        ("introduced_by_url", _merge_request_url(definition)),
        ("time_frame", time_frame),
        ("data_source", definition.data_source),
        ("data_category", definition.data_category),
        ("performance_indicator_type", list(definition.performance_indicator_type)),
        ("tiers", list(definition.tiers)),
    ]
    if definition.status == "removed":
        fields += [("milestone_removed", definition.milestone_removed), ("removed_by_url", None)]
    return fields


_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}
_PLAIN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ .,()/+-:=")


def _scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    plain = (
        text
        and (text[0].isalpha() or re.fullmatch(r"\d+d", text))  # 28d and 7d stay plain, as GitLab writes them
        and set(text) <= _PLAIN_CHARS
        and ": " not in text
        and not text.endswith((":", " "))
        and text.lower() not in _YAML_WORDS
    )
    return text if plain else "'" + text.replace("'", "''") + "'"


def render_yaml(fields: list[tuple[str, object]]) -> str:
    lines = ["---"]
    for key, value in fields:
        if isinstance(value, list):
            lines.append(f"{key}: []" if not value else f"{key}:")
            lines.extend(f"- {_scalar(item)}" for item in value)
        else:
            lines.append(f"{key}: {_scalar(value)}".rstrip())
    return "\n".join(lines) + "\n"


def dictionary_files() -> list[tuple[str, str]]:
    """(relative path, YAML text) for every definition, sorted by path."""
    files = [(relative_path(d, i), render_yaml(yaml_fields(d))) for i, d in enumerate(METRIC_DEFINITIONS)]
    return sorted(files)
