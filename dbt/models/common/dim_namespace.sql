{#- GitLab.com namespaces: one row per namespace (groups, subgroups, personal and project
    namespaces) with its place in the hierarchy and the plan, seats and subscription of its
    ultimate parent (on GitLab.com a subscription belongs to the top-level namespace, and
    subgroups and projects use it). A namespace whose ultimate parent has no gitlab_subscriptions
    row is on the Free plan, as GitLab.com treats it. The subscription is the one of the latest
    paid Customers Portal order of the ultimate parent whose version Zuora knows. -#}
with namespaces as (
    select * from {{ ref('prep_namespace') }}
),

plans as (
    select * from {{ ref('prep_gitlab_dotcom_gitlab_subscription') }}
),

latest_paid_orders as (
    select
        namespaces.ultimate_parent_namespace_id,
        orders.dim_subscription_id,
        orders.subscription_name
    from {{ ref('prep_namespace_order') }} as orders
    inner join namespaces on orders.dim_namespace_id = namespaces.dim_namespace_id
    where orders.is_paid and orders.is_subscription_in_zuora
    qualify row_number() over (
        partition by namespaces.ultimate_parent_namespace_id
        order by orders.order_start_date desc, orders.created_at desc, orders.dim_order_id desc
    ) = 1
),

joined as (
    select
        namespaces.*,
        plans.gitlab_subscription_id,
        coalesce(plans.gitlab_plan_id, {{ saas_free_plan_id() }}) as gitlab_plan_id,
        coalesce(plans.is_trial, false) as is_trial,
        plans.trial_ends_on,
        plans.seats,
        plans.seats_in_use,
        plans.max_seats_used,
        latest_paid_orders.dim_subscription_id,
        latest_paid_orders.subscription_name
    from namespaces
    left join plans on namespaces.ultimate_parent_namespace_id = plans.dim_namespace_id
    left join latest_paid_orders
        on namespaces.ultimate_parent_namespace_id = latest_paid_orders.ultimate_parent_namespace_id
)

select
    dim_namespace_id,
    namespace_name,
    namespace_path,
    namespace_type,
    parent_namespace_id,
    ultimate_parent_namespace_id,
    namespace_is_ultimate_parent,
    namespace_depth,
    visibility_level,
    shared_runners_enabled,
    created_at as namespace_created_at,
    gitlab_subscription_id,
    gitlab_plan_id,
    {{ saas_plan_attribute('gitlab_plan_id', 'name') }} as gitlab_plan_name,
    {{ saas_plan_attribute('gitlab_plan_id', 'tier') }} as product_tier,
    {{ saas_plan_attribute('gitlab_plan_id', 'is_paid') }} as gitlab_plan_is_paid,
    is_trial,
    trial_ends_on,
    seats,
    seats_in_use,
    max_seats_used,
    dim_subscription_id,
    subscription_name
from joined
