{#- Seat Link reports (Customers Portal `license_seat_links`), typed, one row per report, with the
    subscription version the report names, its accounts, the tier of the order's product and
    GitLab's flags (GitLab's prep_usage_self_managed_seat_link). Unlike GitLab, every report is
    kept: a report without a known order or subscription is flagged, not dropped. -#}
with seat_links as (
    {{ latest_file_version(source('customers_db', 'license_seat_links')) }}
),

orders as (
    select cast(id as varchar) as order_id, nullif(trim(product_rate_plan_id), '') as product_rate_plan_id
    from ({{ latest_file_version(source('customers_db', 'orders')) }}) as order_versions
),

subscriptions as (
    select * from {{ ref('prep_subscription') }}
),

-- GitLab's rule: a Seat Link order's rate plan counts when it is a Self-Managed or Dedicated product.
product_details as (
    select dim_product_detail_id, dim_product_tier_id
    from {{ ref('prep_product_detail') }}
    where product_deployment_type in ('Self-Managed', 'Dedicated')
),

typed as (
    select
        cast(id as varchar) as seat_link_id,
        nullif(trim(zuora_subscription_id), '') as dim_subscription_id,
        nullif(trim(zuora_subscription_name), '') as subscription_name,
        cast(order_id as varchar) as order_id,
        try_cast(report_timestamp as timestamp) as report_timestamp,
        coalesce(try_cast(report_date as date), cast(try_cast(report_timestamp as timestamp) as date)) as report_date,
        try_cast(active_user_count as bigint) as active_user_count,
        try_cast(license_user_count as bigint) as license_user_count,
        try_cast(max_historical_user_count as bigint) as max_historical_user_count,
        hostname,
        instance_identifier as uuid
    from seat_links
)

select
    typed.*,
    {{ hash_key(['typed.uuid', 'typed.hostname']) }} as dim_installation_id,
    subscriptions.dim_subscription_id_original,
    subscriptions.dim_subscription_id_previous,
    subscriptions.dim_billing_account_id,
    subscriptions.dim_crm_account_id,
    product_details.dim_product_tier_id,
    row_number() over (
        partition by typed.dim_subscription_id order by typed.report_timestamp desc, typed.seat_link_id desc
    ) = 1 as is_last_seat_link_report_per_subscription,
    row_number() over (
        partition by typed.order_id order by typed.report_timestamp desc, typed.seat_link_id desc
    ) = 1 as is_last_seat_link_report_per_order,
    subscriptions.dim_subscription_id is not null as is_subscription_in_zuora,
    product_details.dim_product_detail_id is not null as is_rate_plan_in_zuora,
    typed.active_user_count is not null as is_active_user_count_available
from typed
left join subscriptions on typed.dim_subscription_id = subscriptions.dim_subscription_id
left join orders on typed.order_id = orders.order_id
left join product_details on orders.product_rate_plan_id = product_details.dim_product_detail_id
