{#- GitLab.com users, typed: only what usage counting needs (state and type). A user counts in
    user-based metrics when GitLab counts them as an active user: state `active` and a human
    (user_type 0, or null in older rows); bots (project bots, service accounts, ...) and
    blocked, banned or deactivated users do not. -#}
with users as (
    select
        try_cast(id as bigint) as dim_user_id,
        nullif(trim(state), '') as user_state,
        try_cast(user_type as integer) as user_type,
        try_cast(created_at as timestamp) as created_at,
        try_cast(last_activity_on as date) as last_activity_on
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'users')) }}) as raw_users
)

select
    dim_user_id,
    user_state,
    user_type,
    coalesce(user_type, 0) = 0 as is_human,
    coalesce(user_state = 'active' and coalesce(user_type, 0) = 0, false) as is_active_human_user,
    created_at,
    last_activity_on
from users
