{#- GitLab.com plan subscriptions of namespaces (`gitlab_subscriptions`), typed: the namespace's
    plan (hosted_plan_id, named by macro saas_hosted_plans), seats bought, seats in use
    (billable members now) and the most seats ever used. The export is the current state, one
    row per namespace. -#}
with subscriptions as (
    select
        try_cast(id as bigint) as gitlab_subscription_id,
        try_cast(namespace_id as bigint) as dim_namespace_id,
        try_cast(hosted_plan_id as bigint) as gitlab_plan_id,
        try_cast(seats as bigint) as seats,
        try_cast(seats_in_use as bigint) as seats_in_use,
        try_cast(max_seats_used as bigint) as max_seats_used,
        try_cast(start_date as date) as gitlab_subscription_start_date,
        try_cast(end_date as date) as gitlab_subscription_end_date,
        try_cast(trial as boolean) as trial,
        try_cast(trial_ends_on as date) as trial_ends_on,
        try_cast(created_at as timestamp) as created_at,
        try_cast(updated_at as timestamp) as updated_at
    from ({{ saas_latest_rows(source('gitlab_dotcom', 'gitlab_subscriptions')) }}) as raw_subscriptions
)

select
    gitlab_subscription_id,
    dim_namespace_id,
    gitlab_plan_id,
    {{ saas_plan_attribute('gitlab_plan_id', 'name') }} as gitlab_plan_name,
    {{ saas_plan_attribute('gitlab_plan_id', 'tier') }} as product_tier,
    {{ saas_plan_attribute('gitlab_plan_id', 'is_paid') }} as gitlab_plan_is_paid,
    coalesce(trial, false) or coalesce({{ saas_plan_attribute('gitlab_plan_id', 'is_trial') }}, false) as is_trial,
    trial_ends_on,
    seats,
    seats_in_use,
    max_seats_used,
    gitlab_subscription_start_date,
    gitlab_subscription_end_date,
    created_at,
    updated_at
from subscriptions
