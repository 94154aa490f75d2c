{#- GitLab.com CI runners, typed, with their owner: a group runner belongs to the namespace and
    a project runner to the project its `sharding_key_id` names (GitLab 17.x; before, the
    ci_runner_namespaces and ci_runner_projects tables held the link). Instance runners are
    GitLab.com's shared runners and belong to no namespace. An export without sharding_key_id
    leaves group and project runners without an owner: a warning test says so, and such runners
    count for no namespace. -#}
with runners as (
    select
        try_cast(id as bigint) as dim_ci_runner_id,
        try_cast(runner_type as integer) as runner_type,
        try_cast(active as boolean) as is_active,
        try_cast({{ saas_column_or_null(source('gitlab_dotcom', 'ci_runners'), 'sharding_key_id') }} as bigint)
            as sharding_key_id,
        try_cast(created_at as timestamp) as created_at,
        try_cast(contacted_at as timestamp) as contacted_at
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'ci_runners')) }}) as raw_runners
)

select
    runners.dim_ci_runner_id,
    runners.runner_type,
    {{ saas_runner_type('runners.runner_type') }} as runner_type_name,
    coalesce(runners.is_active, false) as is_active,
    runners.sharding_key_id,
    case
        when runners.runner_type = 2 then runners.sharding_key_id
        when runners.runner_type = 3 then projects.dim_namespace_id
    end as dim_namespace_id,
    case when runners.runner_type = 3 then runners.sharding_key_id end as dim_project_id,
    case
        when runners.runner_type = 2 then namespaces.ultimate_parent_namespace_id
        when runners.runner_type = 3 then projects.ultimate_parent_namespace_id
    end as ultimate_parent_namespace_id,
    runners.created_at,
    runners.contacted_at
from runners
left join {{ ref('prep_namespace') }} as namespaces
    on runners.runner_type = 2 and runners.sharding_key_id = namespaces.dim_namespace_id
left join {{ ref('prep_gitlab_dotcom_project') }} as projects
    on runners.runner_type = 3 and runners.sharding_key_id = projects.dim_project_id
