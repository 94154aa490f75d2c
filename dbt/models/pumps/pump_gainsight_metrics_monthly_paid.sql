{#- What Gainsight reads: one row per paid self-managed subscription x installation x month,
    from the installation's latest ping of the month and the subscription's latest Seat Link
    report of the month. A subscription with a Seat Link report but no mapped ping in a month
    still gets a row, for the installation the report names.
    Paid = the subscription's latest version is Active or Cancelled (Draft and Expired are not).
    Metric columns come from the seed gainsight_pump_metrics. -#}
-- depends_on: {{ ref('gainsight_pump_metrics') }}
{%- set metrics = gainsight_pump_metrics() %}

with paid_subscriptions as (
    select *
    from {{ ref('dim_subscription') }}
    where is_latest_version and subscription_status in ('Active', 'Cancelled')
),

versions as (
    select dim_subscription_id, subscription_name from {{ ref('dim_subscription') }}
),

monthly_pings as (
    select
        paid_subscriptions.dim_subscription_id as pump_subscription_id,
        pings.*
    from {{ ref('dim_ping_instance') }} as pings
    inner join versions on pings.dim_subscription_id = versions.dim_subscription_id
    inner join paid_subscriptions on versions.subscription_name = paid_subscriptions.subscription_name
    where pings.is_last_ping_of_month
),

seat_links as (
    select seat_links.*
    from {{ ref('fct_usage_self_managed_seat_link') }} as seat_links
    inner join paid_subscriptions on seat_links.dim_subscription_id = paid_subscriptions.dim_subscription_id
),

installations as (
    select pump_subscription_id as dim_subscription_id, uuid, hostname, snapshot_month, dim_ping_instance_id
    from monthly_pings
    union all
    select seat_links.dim_subscription_id, seat_links.uuid, seat_links.hostname, seat_links.snapshot_month, null
    from seat_links
    where not exists (
        select 1
        from monthly_pings
        where monthly_pings.pump_subscription_id = seat_links.dim_subscription_id
            and monthly_pings.snapshot_month = seat_links.snapshot_month
    )
),

metrics as (
    select
        dim_ping_instance_id
        {%- for metric in metrics %},
        max(case when metrics_path = '{{ metric[0] }}' then metric_value_number end) as {{ metric[1] }}
        {%- endfor %}
    from {{ ref('prep_ping_instance_flattened') }}
    where metrics_path in (
        {%- for metric in metrics %}'{{ metric[0] }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        {%- if not metrics %}null{% endif -%}
    )
    group by dim_ping_instance_id
),

joined as (
    select
        installations.snapshot_month,
        installations.dim_subscription_id,
        paid_subscriptions.dim_subscription_id_original,
        paid_subscriptions.subscription_name,
        paid_subscriptions.subscription_status,
        paid_subscriptions.dim_billing_account_id,
        paid_subscriptions.dim_crm_account_id,
        installations.uuid,
        installations.hostname,
        'Self-Managed' as delivery_type,
        installations.dim_ping_instance_id,
        monthly_pings.ping_created_at,
        monthly_pings.version,
        monthly_pings.product_tier,
        monthly_pings.subscription_mapping_source,
        seat_links.report_date as seat_link_report_date,
        coalesce(monthly_pings.active_user_count, seat_links.active_user_count) as active_user_count,
        coalesce(seat_links.active_user_count, monthly_pings.license_billable_users) as billable_user_count,
        coalesce(seat_links.license_user_count, monthly_pings.license_user_count) as license_user_count,
        coalesce(seat_links.max_historical_user_count, monthly_pings.historical_max_users)
            as max_historical_user_count
        {%- for metric in metrics %},
        metrics.{{ metric[1] }}
        {%- endfor %},
        monthly_pings.dim_ping_instance_id is not null as has_service_ping,
        seat_links.dim_subscription_id is not null as has_seat_link
    from installations
    inner join paid_subscriptions on installations.dim_subscription_id = paid_subscriptions.dim_subscription_id
    left join monthly_pings on installations.dim_ping_instance_id = monthly_pings.dim_ping_instance_id
    left join seat_links
        on installations.dim_subscription_id = seat_links.dim_subscription_id
        and installations.snapshot_month = seat_links.snapshot_month
    left join metrics on installations.dim_ping_instance_id = metrics.dim_ping_instance_id
)

select
    {{ hash_key(['dim_subscription_id', 'uuid', 'hostname', 'snapshot_month']) }} as primary_key,
    *,
    round(billable_user_count / nullif(license_user_count, 0), 4) as license_utilization
from joined
