{#- The latest Seat Link report of each subscription in each month. A report names a
    subscription version; it is attributed to the subscription's latest version. -#}
with seat_links as (
    select * from {{ ref('prep_usage_self_managed_seat_link') }}
),

versions as (
    select dim_subscription_id, subscription_name from {{ ref('dim_subscription') }}
),

latest_versions as (
    select dim_subscription_id, subscription_name
    from {{ ref('dim_subscription') }}
    where is_latest_version
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
        seat_links.hostname
    from seat_links
    left join versions on seat_links.dim_subscription_id = versions.dim_subscription_id
    inner join latest_versions
        on coalesce(versions.subscription_name, seat_links.subscription_name) = latest_versions.subscription_name
)

select
    {{ hash_key(['dim_subscription_id', 'snapshot_month']) }} as usage_self_managed_seat_link_id,
    *
from attributed
qualify row_number() over (
    partition by dim_subscription_id, snapshot_month order by report_timestamp desc, seat_link_id desc
) = 1
