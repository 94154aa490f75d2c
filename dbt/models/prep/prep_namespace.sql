{#- GitLab.com namespaces, typed, each with its ultimate parent: the top-level group (or personal
    namespace) that plans, seats and usage belong to, found by walking parent_id up from every
    root. A namespace whose chain of parents does not reach a root (a parent missing from the
    export, a cycle) gets no ultimate parent, and the not_null test on it fails. -#}
with recursive namespaces as (
    select
        try_cast(id as bigint) as dim_namespace_id,
        name as namespace_name,
        path as namespace_path,
        -- Older GitLab rows have no type for personal namespaces.
        coalesce(nullif(trim(type), ''), 'User') as namespace_type,
        try_cast(parent_id as bigint) as parent_namespace_id,
        try_cast(owner_id as bigint) as namespace_owner_id,
        try_cast(visibility_level as integer) as visibility_level_id,
        try_cast(shared_runners_enabled as boolean) as shared_runners_enabled,
        try_cast(created_at as timestamp) as created_at,
        try_cast(updated_at as timestamp) as updated_at
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'namespaces')) }}) as raw_namespaces
),

lineage (dim_namespace_id, ultimate_parent_namespace_id, namespace_depth) as (
    select dim_namespace_id, dim_namespace_id, 0
    from namespaces
    where parent_namespace_id is null
    union all
    select children.dim_namespace_id, lineage.ultimate_parent_namespace_id, lineage.namespace_depth + 1
    from namespaces as children
    inner join lineage on children.parent_namespace_id = lineage.dim_namespace_id
    -- GitLab allows 20 levels; the bound only guards against malformed data.
    where lineage.namespace_depth < 100
)

select
    namespaces.dim_namespace_id,
    namespaces.namespace_name,
    namespaces.namespace_path,
    namespaces.namespace_type,
    namespaces.parent_namespace_id,
    lineage.ultimate_parent_namespace_id,
    namespaces.parent_namespace_id is null as namespace_is_ultimate_parent,
    lineage.namespace_depth,
    namespaces.namespace_owner_id,
    {{ saas_visibility('namespaces.visibility_level_id') }} as visibility_level,
    namespaces.shared_runners_enabled,
    namespaces.created_at,
    namespaces.updated_at
from namespaces
left join lineage on namespaces.dim_namespace_id = lineage.dim_namespace_id
