{#- The latest Seat Link report of each subscription in each month (GitLab's
    fct_usage_self_managed_seat_link). A report names a subscription version; it is attributed to
    the subscription's latest version (found through the version it names, else through the
    subscription name it sends), so a report naming an older version counts for the current one.
    The latest report of the month wins: by report_timestamp, then by report id. -#}
with seat_links as (
    select * from {{ ref('prep_usage_self_managed_seat_link') }}
),

subscriptions as (
    select * from {{ ref('dim_subscription') }}
),

latest_versions as (
    select * from subscriptions where is_latest_version
),

attributed as (
    select
        latest_versions.dim_subscription_id,
        latest_versions.subscription_name,
        cast(date_trunc('month', seat_links.report_date) as date) as snapshot_month,
        seat_links.seat_link_id,
        seat_links.report_date,
        seat_links.report_timestamp,
        seat_links.active_user_count,
        seat_links.license_user_count,
        seat_links.max_historical_user_count,
        seat_links.uuid,
        seat_links.hostname,
        seat_links.dim_installation_id,
        seat_links.order_id as latest_order_id_in_month,
        seat_links.dim_subscription_id as dim_subscription_id_reported,
        latest_versions.dim_subscription_id_original,
        latest_versions.dim_subscription_id_previous,
        latest_versions.dim_billing_account_id,
        latest_versions.dim_crm_account_id,
        latest_versions.subscription_status,
        seat_links.dim_product_tier_id,
        seat_links.is_last_seat_link_report_per_order,
        seat_links.is_subscription_in_zuora,
        seat_links.is_rate_plan_in_zuora,
        seat_links.is_active_user_count_available
    from seat_links
    left join subscriptions as versions on seat_links.dim_subscription_id = versions.dim_subscription_id
    inner join latest_versions
        on coalesce(versions.subscription_name, seat_links.subscription_name) = latest_versions.subscription_name
),

monthly as (
    select *
    from attributed
    qualify row_number() over (
        partition by dim_subscription_id, snapshot_month order by report_timestamp desc, seat_link_id desc
    ) = 1
)

select
    {{ hash_key(['dim_subscription_id', 'snapshot_month']) }} as usage_self_managed_seat_link_id,
    *,
    snapshot_month = max(snapshot_month) over (partition by dim_subscription_id)
        as is_last_seat_link_report_per_subscription
from monthly
