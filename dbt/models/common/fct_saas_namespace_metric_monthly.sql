{#- Monthly SaaS usage per ultimate parent namespace: one row per namespace x month x metric
    path, from the month's last snapshot of prep_saas_usage_ping_namespace (GitLab's rule: the
    month's last value). `metric_value` is the counter's value on that day, what the pump
    publishes, as it publishes a self-managed ping's value. `monthly_metric_value` follows
    fct_ping_instance_metric_monthly: for all-time counters the increase since the previous
    month (never negative); as the counters are rebuilt from the whole tables, a month without
    an earlier value starts from zero. The subscription is the one of the namespace's paid
    Customers Portal order (Zuora-known version) covering the snapshot date, null when none. -#}
with pings as (
    select *
    from {{ ref('prep_saas_usage_ping_namespace') }}
    qualify row_number() over (
        partition by ultimate_parent_namespace_id, ping_name, snapshot_month order by ping_date desc
    ) = 1
),

with_previous as (
    select
        pings.*,
        lag(counter_value) over (
            partition by ultimate_parent_namespace_id, ping_name order by snapshot_month
        ) as previous_counter_value
    from pings
),

namespace_months as (
    select distinct ultimate_parent_namespace_id, snapshot_month, ping_date
    from pings
),

paid_orders as (
    select
        namespaces.ultimate_parent_namespace_id,
        orders.dim_order_id,
        orders.dim_subscription_id,
        orders.subscription_name,
        orders.order_start_date,
        orders.order_end_date,
        orders.created_at
    from {{ ref('prep_namespace_order') }} as orders
    inner join {{ ref('prep_namespace') }} as namespaces on orders.dim_namespace_id = namespaces.dim_namespace_id
    where orders.is_paid and orders.is_subscription_in_zuora
),

monthly_subscriptions as (
    select
        namespace_months.ultimate_parent_namespace_id,
        namespace_months.snapshot_month,
        paid_orders.dim_subscription_id,
        paid_orders.subscription_name
    from namespace_months
    inner join paid_orders
        on namespace_months.ultimate_parent_namespace_id = paid_orders.ultimate_parent_namespace_id
        and paid_orders.order_start_date <= namespace_months.ping_date
        and (paid_orders.order_end_date is null or namespace_months.ping_date < paid_orders.order_end_date)
    qualify row_number() over (
        partition by namespace_months.ultimate_parent_namespace_id, namespace_months.snapshot_month
        order by paid_orders.order_start_date desc, paid_orders.created_at desc, paid_orders.dim_order_id desc
    ) = 1
)

select
    {{ hash_key(['with_previous.ultimate_parent_namespace_id', 'with_previous.ping_name', 'with_previous.snapshot_month']) }}
        as saas_namespace_metric_monthly_id,
    with_previous.ultimate_parent_namespace_id as dim_namespace_id,
    with_previous.snapshot_month,
    with_previous.ping_date,
    with_previous.ping_name as metrics_path,
    with_previous.time_frame,
    with_previous.counter_value as metric_value,
    case
        when with_previous.time_frame = 'all'
            then greatest(with_previous.counter_value - coalesce(with_previous.previous_counter_value, 0), 0)
        else with_previous.counter_value
    end as monthly_metric_value,
    monthly_subscriptions.dim_subscription_id,
    monthly_subscriptions.subscription_name
from with_previous
left join monthly_subscriptions
    on with_previous.ultimate_parent_namespace_id = monthly_subscriptions.ultimate_parent_namespace_id
    and with_previous.snapshot_month = monthly_subscriptions.snapshot_month
