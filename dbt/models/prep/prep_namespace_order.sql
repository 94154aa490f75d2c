{#- Customers Portal orders placed for a GitLab.com namespace (`gl_namespace_id`): how GitLab
    links a SaaS namespace to its Zuora subscription. One row per order; a paid order names the
    subscription version it was placed for, a trial order none. `is_subscription_in_zuora` says
    whether Zuora knows that version (the same rule as the self-managed subscription mapping: a
    link counts only when Zuora knows the subscription). -#}
with orders as (
    select
        cast(id as varchar) as dim_order_id,
        try_cast(gl_namespace_id as bigint) as dim_namespace_id,
        nullif(trim(subscription_id), '') as dim_subscription_id,
        nullif(trim(subscription_name), '') as subscription_name,
        try_cast(quantity as bigint) as order_quantity,
        try_cast(start_date as date) as order_start_date,
        try_cast(end_date as date) as order_end_date,
        coalesce(try_cast(trial as boolean), false) as is_trial,
        try_cast(created_at as timestamp) as created_at,
        try_cast(updated_at as timestamp) as updated_at
    from ({{ saas_latest_rows(source('customers_db', 'orders')) }}) as raw_orders
    where nullif(trim(gl_namespace_id), '') is not null
)

select
    orders.*,
    orders.dim_subscription_id is not null and not orders.is_trial as is_paid,
    coalesce(
        orders.dim_subscription_id in (select zuora.dim_subscription_id from {{ ref('prep_subscription') }} as zuora),
        false
    ) as is_subscription_in_zuora
from orders
