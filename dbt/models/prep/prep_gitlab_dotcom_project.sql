{#- GitLab.com projects, typed, with the ultimate parent namespace of the namespace they live in. -#}
with projects as (
    select
        try_cast(id as bigint) as dim_project_id,
        try_cast(namespace_id as bigint) as dim_namespace_id,
        try_cast(creator_id as bigint) as creator_id,
        try_cast(visibility_level as integer) as visibility_level_id,
        try_cast(archived as boolean) as is_archived,
        try_cast(created_at as timestamp) as created_at
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'projects')) }}) as raw_projects
)

select
    projects.dim_project_id,
    projects.dim_namespace_id,
    namespaces.ultimate_parent_namespace_id,
    projects.creator_id,
    {{ saas_visibility('projects.visibility_level_id') }} as visibility_level,
    coalesce(projects.is_archived, false) as is_archived,
    projects.created_at
from projects
left join {{ ref('prep_namespace') }} as namespaces on projects.dim_namespace_id = namespaces.dim_namespace_id
