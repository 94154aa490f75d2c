{#- Month-over-month drops in an installation's active users: one row per installation and month
    whose last ping reports fewer active users than the last ping of the previous calendar month
    (a month without a ping breaks the comparison). A drop is significant when it loses at least
    rpt_active_user_drop_min_share of the previous month's users and at least
    rpt_active_user_drop_min_users users (dbt vars, defaults in macros/rpt_thresholds.sql). -#}
{%- set min_share = rpt_active_user_drop_min_share() %}
{%- set min_users = rpt_active_user_drop_min_users() %}
with installations as (
    select * from {{ ref('rpt_product_usage_installation_monthly') }}
),

compared as (
    select
        *,
        lag(snapshot_month) over (partition by dim_installation_id order by snapshot_month) as previous_month,
        lag(active_user_count) over (partition by dim_installation_id order by snapshot_month)
            as previous_month_active_user_count
    from installations
),

drops as (
    select
        *,
        previous_month_active_user_count - active_user_count as active_user_drop
    from compared
    where previous_month = cast({{ dbt.dateadd('month', -1, 'snapshot_month') }} as date)
        and active_user_count < previous_month_active_user_count
)

select
    {{ hash_key(['dim_installation_id', 'snapshot_month']) }} as active_user_drop_id,
    snapshot_month,
    previous_month,
    dim_installation_id,
    dim_ping_instance_id,
    uuid,
    hostname,
    delivery_type,
    product_tier,
    is_internal,
    dim_subscription_id,
    dim_crm_account_id,
    is_account_mapped,
    account_mapping_status,
    previous_month_active_user_count,
    active_user_count,
    active_user_drop,
    cast(active_user_drop as double) / previous_month_active_user_count as active_user_drop_share,
    active_user_drop >= {{ min_users }}
        and active_user_drop >= {{ min_share }} * previous_month_active_user_count as is_significant_drop,
    cast({{ min_share }} as double) as significant_drop_min_share,
    {{ min_users }} as significant_drop_min_users
from drops
