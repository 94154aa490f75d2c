{#- Everything the SaaS usage counters count, one row per thing that happened (or exists) in a
    GitLab.com namespace, attributed to the namespace's ultimate parent: GitLab's `prep_event`
    idea, reduced to what the counters of the seed saas_usage_ping_counters need.
    `activity_name` says what the row is:
    - action: a row of the events table (push, comment, create, merge, close, join, ...);
    - merge_request_creation, issue_creation, ci_pipeline_creation, project_creation;
    - ci_internal_pipeline_creation: a pipeline whose source is not `external` (GitLab's internal pipelines);
    - group_creation: a group namespace (the top-level group and its subgroups);
    - ci_runner_creation: a group or project runner with a known owner; active_group_runner and
      active_project_runner: such a runner that is active now (the export holds only the current
      flag), dated by its creation;
    - membership: a user's membership of a group or project of the hierarchy.
    Every row must reach an ultimate parent namespace (not_null test): activity in a project or
    namespace missing from the export is an error, not a silent loss. Runners without a known
    owner are left out here and reported by prep_gitlab_dotcom_ci_runner's tests. -#}
with projects as (
    select dim_project_id, dim_namespace_id, ultimate_parent_namespace_id
    from {{ ref('prep_gitlab_dotcom_project') }}
),

merge_requests as (
    select
        try_cast(id as bigint) as activity_id,
        try_cast(target_project_id as bigint) as dim_project_id,
        try_cast(author_id as bigint) as dim_user_id,
        try_cast(created_at as timestamp) as activity_at
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'merge_requests')) }}) as raw_merge_requests
),

issues as (
    select
        try_cast(id as bigint) as activity_id,
        try_cast(project_id as bigint) as dim_project_id,
        try_cast(author_id as bigint) as dim_user_id,
        try_cast(created_at as timestamp) as activity_at
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'issues')) }}) as raw_issues
),

pipelines as (
    select
        try_cast(id as bigint) as activity_id,
        try_cast(project_id as bigint) as dim_project_id,
        try_cast(user_id as bigint) as dim_user_id,
        -- `source` is GitLab's enum: its name, or its number in database exports (6 = external).
        coalesce(lower(trim(source)), '') not in ('external', '6') as is_internal,
        try_cast(created_at as timestamp) as activity_at
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'ci_pipelines')) }}) as raw_pipelines
),

events as (
    select
        try_cast(id as bigint) as activity_id,
        try_cast(project_id as bigint) as dim_project_id,
        try_cast(author_id as bigint) as dim_user_id,
        try_cast(created_at as timestamp) as activity_at
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'events')) }}) as raw_events
),

members as (
    select
        try_cast(id as bigint) as activity_id,
        try_cast(user_id as bigint) as dim_user_id,
        try_cast(source_id as bigint) as source_id,
        trim(source_type) as source_type,
        try_cast(created_at as timestamp) as activity_at
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'members')) }}) as raw_members
),

in_projects as (
    select 'action' as activity_name, activity_id, dim_project_id, dim_user_id, activity_at from events
    union all
    select 'merge_request_creation', activity_id, dim_project_id, dim_user_id, activity_at from merge_requests
    union all
    select 'issue_creation', activity_id, dim_project_id, dim_user_id, activity_at from issues
    union all
    select 'ci_pipeline_creation', activity_id, dim_project_id, dim_user_id, activity_at from pipelines
    union all
    select 'ci_internal_pipeline_creation', activity_id, dim_project_id, dim_user_id, activity_at
    from pipelines
    where is_internal
    union all
    select 'project_creation', dim_project_id, dim_project_id, creator_id, created_at
    from {{ ref('prep_gitlab_dotcom_project') }}
    union all
    select 'membership', activity_id, source_id, dim_user_id, activity_at
    from members
    where source_type = 'Project'
),

in_namespaces as (
    select 'group_creation' as activity_name, dim_namespace_id as activity_id, dim_namespace_id,
        cast(null as bigint) as dim_user_id, created_at as activity_at
    from {{ ref('prep_namespace') }}
    where namespace_type = 'Group'
    union all
    select 'membership', activity_id, source_id, dim_user_id, activity_at
    from members
    where coalesce(source_type, '') <> 'Project'
),

runners as (
    select 'ci_runner_creation' as activity_name, dim_ci_runner_id as activity_id, dim_namespace_id,
        dim_project_id, ultimate_parent_namespace_id, created_at as activity_at
    from {{ ref('prep_gitlab_dotcom_ci_runner') }}
    where ultimate_parent_namespace_id is not null
    union all
    select 'active_group_runner', dim_ci_runner_id, dim_namespace_id, dim_project_id,
        ultimate_parent_namespace_id, created_at
    from {{ ref('prep_gitlab_dotcom_ci_runner') }}
    where ultimate_parent_namespace_id is not null and runner_type = 2 and is_active
    union all
    select 'active_project_runner', dim_ci_runner_id, dim_namespace_id, dim_project_id,
        ultimate_parent_namespace_id, created_at
    from {{ ref('prep_gitlab_dotcom_ci_runner') }}
    where ultimate_parent_namespace_id is not null and runner_type = 3 and is_active
),

attributed as (
    select
        in_projects.activity_name,
        in_projects.activity_id,
        projects.ultimate_parent_namespace_id,
        projects.dim_namespace_id,
        in_projects.dim_project_id,
        in_projects.dim_user_id,
        in_projects.activity_at
    from in_projects
    left join projects on in_projects.dim_project_id = projects.dim_project_id
    union all
    select
        in_namespaces.activity_name,
        in_namespaces.activity_id,
        namespaces.ultimate_parent_namespace_id,
        in_namespaces.dim_namespace_id,
        cast(null as bigint),
        in_namespaces.dim_user_id,
        in_namespaces.activity_at
    from in_namespaces
    left join {{ ref('prep_namespace') }} as namespaces
        on in_namespaces.dim_namespace_id = namespaces.dim_namespace_id
    union all
    select
        activity_name,
        activity_id,
        ultimate_parent_namespace_id,
        dim_namespace_id,
        dim_project_id,
        cast(null as bigint),
        activity_at
    from runners
)

select
    {{ hash_key(['attributed.activity_name', 'attributed.activity_id']) }} as namespace_activity_id,
    attributed.activity_name,
    attributed.activity_id,
    attributed.ultimate_parent_namespace_id,
    attributed.dim_namespace_id,
    attributed.dim_project_id,
    attributed.dim_user_id,
    coalesce(users.is_active_human_user, false) as is_active_human_user,
    attributed.activity_at,
    cast(attributed.activity_at as date) as activity_date
from attributed
left join {{ ref('prep_gitlab_dotcom_user') }} as users on attributed.dim_user_id = users.dim_user_id
