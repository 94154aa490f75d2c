{#- What Gainsight reads (GitLab's mart_product_usage_paid_user_metrics_monthly): one row per
    paid subscription x installation (or GitLab.com namespace) x month. Paid = the subscription's
    latest version is Active or Cancelled; rows always carry that latest version.
    Instance branch (installations that send Service Ping: Self-Managed, and GitLab Dedicated
    with delivery_type SaaS; GitLab.com's own ping is left to the namespace branch):
    - an installation's latest ping of the month, mapped to a subscription by its license (md5,
      then sha256, then the payload's subscription id: dim_ping_instance) or, when no license rule
      finds any subscription, through Gainsight: the instance's Gainsight record names a CRM account,
      and that account has exactly one paid self-managed subscription;
    - the subscription's latest Seat Link report of the same month; a subscription with a report
      but no mapped ping that month gets one row for the installation the report names;
    - a paid self-managed subscription with neither in a month of its term gets one row without
      an installation (is_data_in_subscription_month false), so Gainsight sees the gap.
    Namespace branch (GitLab.com): a paid SaaS subscription's ultimate-parent namespace in each
    month its Customers Portal order covers (fct_saas_namespace_metric_monthly), with the
    namespace's counters, plan and seats (dim_namespace).
    Each branch is one CTE with the same columns (instance_rows, namespace_rows); keys,
    utilization and is_latest_data are computed over their union.
    Zuora seats: prep_recurring_charge_subscription_monthly; what a subscription sells (delivery
    and deployment type): its recurring charges' products (dim_product_detail).
    Metric columns come from the seed gainsight_pump_metrics (key_path -> column_name): Service
    Ping key paths, which the SaaS counters use too. -#}
-- depends_on: {{ ref('gainsight_pump_metrics') }}
{{ config(grants=gainsight_grants()) }}
{%- set metrics = gainsight_pump_metrics() %}

with subscriptions as (
    select * from {{ ref('dim_subscription') }}
),

paid_subscriptions as (
    select *
    from subscriptions
    where is_latest_version and subscription_status in ('Active', 'Cancelled')
),

-- Every version of a paid subscription -> its latest version (licenses, reports and orders name versions).
paid_versions as (
    select dim_subscription_id, dim_subscription_id_latest as pump_subscription_id
    from subscriptions
    where subscription_status_latest_version in ('Active', 'Cancelled')
),

-- Months the warehouse has instance data for: the months instance rows can exist in.
data_months as (
    select distinct snapshot_month from {{ ref('dim_ping_instance') }}
    union
    select distinct snapshot_month from {{ ref('fct_usage_self_managed_seat_link') }}
),

-- Zuora seats per subscription (latest version) and month: the recurring charges that license
-- users, in force in the month (GitLab's zuora_licenses_per_subscription).
zuora_seats as (
    select dim_subscription_id, charge_month as snapshot_month, license_user_count
    from {{ ref('prep_recurring_charge_subscription_monthly') }}
    where license_user_count is not null
),

-- What each paid subscription's latest version sells: the delivery and deployment types of the
-- products of its recurring charges.
subscription_products as (
    select distinct
        charges.dim_subscription_id,
        details.product_delivery_type,
        details.product_deployment_type
    from {{ ref('prep_recurring_charge') }} as charges
    inner join {{ ref('dim_product_detail') }} as details
        on charges.dim_product_detail_id = details.dim_product_detail_id
    inner join paid_subscriptions on charges.dim_subscription_id = paid_subscriptions.dim_subscription_id
),

self_managed_subscriptions as (
    select distinct dim_subscription_id
    from subscription_products
    where product_delivery_type = 'Self-Managed'
),

saas_subscriptions as (
    select distinct dim_subscription_id
    from subscription_products
    where product_delivery_type = 'SaaS'
),

-- Deployment of an instance row without ping (GitLab's rule): what the subscription sells,
-- Self-Managed or Dedicated (Self-Managed when it sells both).
instance_deployments as (
    select dim_subscription_id, max(product_deployment_type) as product_deployment_type
    from subscription_products
    where product_deployment_type in ('Self-Managed', 'Dedicated')
    group by dim_subscription_id
),

-- Gainsight's record of each instance (the latest modified when Gainsight has several).
gainsight_instances as (
    select *
    from {{ ref('prep_gainsight_instance_info') }}
    where instance_uuid_key is not null
    qualify row_number() over (
        partition by instance_uuid_key, instance_hostname_key
        order by modified_at desc nulls last, gainsight_instance_info_id
    ) = 1
),

-- A CRM account leads to a subscription only when it has exactly one paid self-managed one.
gainsight_account_subscriptions as (
    select
        paid_subscriptions.dim_crm_account_id,
        min(paid_subscriptions.dim_subscription_id) as dim_subscription_id
    from paid_subscriptions
    inner join self_managed_subscriptions
        on paid_subscriptions.dim_subscription_id = self_managed_subscriptions.dim_subscription_id
    where paid_subscriptions.dim_crm_account_id is not null
    group by paid_subscriptions.dim_crm_account_id
    having count(*) = 1
),

-- The latest ping of each installation and month (GitLab.com's own ping is usage of namespaces).
last_pings as (
    select *
    from {{ ref('dim_ping_instance') }}
    where is_last_ping_of_month and deployment_type <> 'GitLab.com'
),

mapped_pings as (
    select
        coalesce(paid_versions.pump_subscription_id, gainsight_account_subscriptions.dim_subscription_id)
            as dim_subscription_id,
        last_pings.dim_ping_instance_id,
        last_pings.dim_installation_id,
        last_pings.uuid,
        last_pings.hostname,
        last_pings.snapshot_month,
        case
            when paid_versions.pump_subscription_id is not null then last_pings.subscription_mapping_source
            else 'gainsight'
        end as subscription_mapping_source,
        paid_versions.pump_subscription_id is null as is_mapped_through_gainsight
    from last_pings
    left join paid_versions on last_pings.dim_subscription_id = paid_versions.dim_subscription_id
    left join gainsight_instances
        on lower(last_pings.uuid) = gainsight_instances.instance_uuid_key
        and lower(last_pings.hostname) = gainsight_instances.instance_hostname_key
    -- Gainsight maps only pings that no license rule maps to any known subscription.
    left join gainsight_account_subscriptions
        on last_pings.dim_subscription_id is null
        and gainsight_instances.dim_crm_account_id = gainsight_account_subscriptions.dim_crm_account_id
    where paid_versions.pump_subscription_id is not null
        or gainsight_account_subscriptions.dim_subscription_id is not null
),

seat_links as (
    select seat_links.*
    from {{ ref('fct_usage_self_managed_seat_link') }} as seat_links
    inner join paid_subscriptions on seat_links.dim_subscription_id = paid_subscriptions.dim_subscription_id
),

-- The rows: mapped pings; else the month's Seat Link report; else, within the subscription's
-- term, a row saying there is no data.
instance_grain as (
    select
        dim_subscription_id,
        snapshot_month,
        dim_ping_instance_id,
        dim_installation_id,
        uuid,
        hostname,
        subscription_mapping_source,
        is_mapped_through_gainsight
    from mapped_pings
    union all
    select
        seat_links.dim_subscription_id,
        seat_links.snapshot_month,
        null,
        seat_links.dim_installation_id,
        seat_links.uuid,
        seat_links.hostname,
        'seat_link',
        false
    from seat_links
    where not exists (
        select 1
        from mapped_pings
        where mapped_pings.dim_subscription_id = seat_links.dim_subscription_id
            and mapped_pings.snapshot_month = seat_links.snapshot_month
    )
    union all
    select
        paid_subscriptions.dim_subscription_id,
        data_months.snapshot_month,
        null,
        null,
        null,
        null,
        null,
        false
    from paid_subscriptions
    inner join self_managed_subscriptions
        on paid_subscriptions.dim_subscription_id = self_managed_subscriptions.dim_subscription_id
    inner join data_months
        on data_months.snapshot_month
            >= cast(date_trunc('month', paid_subscriptions.subscription_start_date) as date)
        and (
            paid_subscriptions.subscription_end_date is null
            or data_months.snapshot_month
            <= cast(date_trunc('month', paid_subscriptions.subscription_end_date) as date)
        )
    where not exists (
        select 1
        from mapped_pings
        where mapped_pings.dim_subscription_id = paid_subscriptions.dim_subscription_id
            and mapped_pings.snapshot_month = data_months.snapshot_month
    )
        and not exists (
            select 1
            from seat_links
            where seat_links.dim_subscription_id = paid_subscriptions.dim_subscription_id
                and seat_links.snapshot_month = data_months.snapshot_month
        )
),

ping_metrics as (
    select
        flattened.dim_ping_instance_id
        {%- for metric in metrics %},
        max(case when flattened.metrics_path = '{{ metric[0] }}' then flattened.metric_value_number end)
            as {{ metric[1] }}
        {%- endfor %}
    from {{ ref('prep_ping_instance_flattened') }} as flattened
    inner join mapped_pings on flattened.dim_ping_instance_id = mapped_pings.dim_ping_instance_id
    where flattened.metrics_path in (
        {%- for metric in metrics %}'{{ metric[0] }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        {%- if not metrics %}null{% endif -%}
    )
    group by flattened.dim_ping_instance_id
),

locations as (
    select * from {{ ref('dim_location') }}
),

instance_rows as (
    select
        grain.snapshot_month,
        grain.dim_subscription_id,
        paid_subscriptions.dim_subscription_id_original,
        paid_subscriptions.dim_billing_account_id,
        paid_subscriptions.dim_crm_account_id,
        paid_subscriptions.subscription_name,
        paid_subscriptions.subscription_status,
        paid_subscriptions.term_start_date,
        paid_subscriptions.term_end_date,
        paid_subscriptions.subscription_start_date,
        paid_subscriptions.subscription_end_date,
        case
            when pings.delivery_type is not null then pings.delivery_type
            when instance_deployments.product_deployment_type = 'Dedicated' then 'SaaS'
            else 'Self-Managed'
        end as delivery_type,
        coalesce(pings.deployment_type, instance_deployments.product_deployment_type, 'Self-Managed')
            as deployment_type,
        grain.dim_installation_id,
        grain.uuid,
        grain.hostname,
        cast(null as varchar) as dim_namespace_id,
        gainsight_instances.instance_type,
        gainsight_instances.is_included_in_health_measures,
        grain.dim_ping_instance_id,
        pings.ping_created_at,
        pings.cleaned_version,
        pings.major_minor_version,
        pings.product_tier,
        locations.country_name,
        locations.iso_2_country_code,
        grain.subscription_mapping_source,
        grain.is_mapped_through_gainsight,
        seat_links.report_date as seat_link_report_date,
        coalesce(pings.active_user_count, seat_links.active_user_count) as active_user_count,
        coalesce(seat_links.active_user_count, pings.license_billable_users) as billable_user_count,
        coalesce(seat_links.max_historical_user_count, pings.historical_max_users)
            as max_historical_user_count,
        coalesce(zuora_seats.license_user_count, seat_links.license_user_count, pings.license_user_count)
            as license_user_count,
        case
            when zuora_seats.license_user_count is not null then 'Zuora'
            when seat_links.license_user_count is not null then 'Seat Link'
            when pings.license_user_count is not null then 'Service Ping'
        end as license_user_count_source
        {%- for metric in metrics %},
        ping_metrics.{{ metric[1] }}
        {%- endfor %},
        -- Data-quality flags (GitLab's names).
        case
            when pings.active_user_count <> seat_links.active_user_count then pings.active_user_count
        end as instance_user_count_not_aligned,
        case
            when pings.historical_max_users <> seat_links.max_historical_user_count
                then pings.historical_max_users
        end as historical_max_users_not_aligned,
        coalesce(seat_links.is_active_user_count_available, false) as is_seat_link_active_user_count_available,
        case when pings.dim_ping_instance_id is not null then pings.dim_subscription_id is not null end
            as is_usage_ping_license_mapped_to_subscription,
        case when pings.dim_ping_instance_id is not null then pings.is_mapped_by_subscription_id end
            as is_usage_ping_license_subscription_id_valid,
        pings.dim_ping_instance_id is not null as has_service_ping,
        seat_links.dim_subscription_id is not null as has_seat_link,
        (pings.dim_ping_instance_id is not null or seat_links.dim_subscription_id is not null)
            as is_data_in_subscription_month
    from instance_grain as grain
    inner join paid_subscriptions on grain.dim_subscription_id = paid_subscriptions.dim_subscription_id
    left join last_pings as pings on grain.dim_ping_instance_id = pings.dim_ping_instance_id
    left join seat_links
        on grain.dim_subscription_id = seat_links.dim_subscription_id
        and grain.snapshot_month = seat_links.snapshot_month
    left join zuora_seats
        on grain.dim_subscription_id = zuora_seats.dim_subscription_id
        and grain.snapshot_month = zuora_seats.snapshot_month
    left join gainsight_instances
        on lower(grain.uuid) = gainsight_instances.instance_uuid_key
        and lower(grain.hostname) = gainsight_instances.instance_hostname_key
    left join ping_metrics on grain.dim_ping_instance_id = ping_metrics.dim_ping_instance_id
    left join instance_deployments on grain.dim_subscription_id = instance_deployments.dim_subscription_id
    left join locations on pings.dim_location_country_id = locations.dim_location_country_id
),

-- GitLab.com: each paid SaaS subscription's ultimate-parent namespaces, month by month, as the
-- namespace's Customers Portal order names the subscription (a version: attributed to the latest).
namespace_metrics as (
    select
        paid_versions.pump_subscription_id as dim_subscription_id,
        saas_metrics.dim_namespace_id,
        saas_metrics.snapshot_month,
        max(case when saas_metrics.metrics_path = 'active_user_count' then saas_metrics.metric_value end)
            as active_user_count
        {%- for metric in metrics %},
        max(case when saas_metrics.metrics_path = '{{ metric[0] }}' then saas_metrics.metric_value end)
            as {{ metric[1] }}
        {%- endfor %}
    from {{ ref('fct_saas_namespace_metric_monthly') }} as saas_metrics
    inner join paid_versions on saas_metrics.dim_subscription_id = paid_versions.dim_subscription_id
    inner join saas_subscriptions on paid_versions.pump_subscription_id = saas_subscriptions.dim_subscription_id
    group by paid_versions.pump_subscription_id, saas_metrics.dim_namespace_id, saas_metrics.snapshot_month
),

-- Gainsight's record of each namespace (the latest modified when Gainsight has several).
gainsight_namespaces as (
    select *
    from {{ ref('prep_gainsight_instance_info') }}
    where dim_namespace_id is not null
    qualify row_number() over (
        partition by dim_namespace_id order by modified_at desc nulls last, gainsight_instance_info_id
    ) = 1
),

namespace_rows as (
    select
        namespace_metrics.snapshot_month,
        namespace_metrics.dim_subscription_id,
        paid_subscriptions.dim_subscription_id_original,
        paid_subscriptions.dim_billing_account_id,
        paid_subscriptions.dim_crm_account_id,
        paid_subscriptions.subscription_name,
        paid_subscriptions.subscription_status,
        paid_subscriptions.term_start_date,
        paid_subscriptions.term_end_date,
        paid_subscriptions.subscription_start_date,
        paid_subscriptions.subscription_end_date,
        'SaaS' as delivery_type,
        'GitLab.com' as deployment_type,
        cast(null as varchar) as dim_installation_id,
        cast(null as varchar) as uuid,
        cast(null as varchar) as hostname,
        cast(namespace_metrics.dim_namespace_id as varchar) as dim_namespace_id,
        gainsight_namespaces.instance_type,
        gainsight_namespaces.is_included_in_health_measures,
        cast(null as varchar) as dim_ping_instance_id,
        cast(null as timestamp) as ping_created_at,
        cast(null as varchar) as cleaned_version,
        cast(null as varchar) as major_minor_version,
        namespaces.product_tier,
        cast(null as varchar) as country_name,
        cast(null as varchar) as iso_2_country_code,
        'namespace_order' as subscription_mapping_source,
        false as is_mapped_through_gainsight,
        cast(null as date) as seat_link_report_date,
        namespace_metrics.active_user_count,
        namespaces.seats_in_use as billable_user_count,
        namespaces.max_seats_used as max_historical_user_count,
        coalesce(zuora_seats.license_user_count, namespaces.seats) as license_user_count,
        case
            when zuora_seats.license_user_count is not null then 'Zuora'
            when namespaces.seats is not null then 'gitlabdotcom'
        end as license_user_count_source
        {%- for metric in metrics %},
        namespace_metrics.{{ metric[1] }}
        {%- endfor %},
        -- The instance flags say nothing about a namespace: null.
        cast(null as bigint) as instance_user_count_not_aligned,
        cast(null as bigint) as historical_max_users_not_aligned,
        cast(null as boolean) as is_seat_link_active_user_count_available,
        cast(null as boolean) as is_usage_ping_license_mapped_to_subscription,
        cast(null as boolean) as is_usage_ping_license_subscription_id_valid,
        cast(null as boolean) as has_service_ping,
        cast(null as boolean) as has_seat_link,
        true as is_data_in_subscription_month
    from namespace_metrics
    inner join paid_subscriptions
        on namespace_metrics.dim_subscription_id = paid_subscriptions.dim_subscription_id
    inner join {{ ref('dim_namespace') }} as namespaces
        on namespace_metrics.dim_namespace_id = namespaces.dim_namespace_id
    left join zuora_seats
        on namespace_metrics.dim_subscription_id = zuora_seats.dim_subscription_id
        and namespace_metrics.snapshot_month = zuora_seats.snapshot_month
    left join gainsight_namespaces on namespace_metrics.dim_namespace_id = gainsight_namespaces.dim_namespace_id
),

unioned as (
    select * from instance_rows
    union all
    select * from namespace_rows
)

select
    {{ hash_key(['dim_subscription_id', 'uuid', 'hostname', 'dim_namespace_id', 'snapshot_month']) }}
        as primary_key,
    *,
    round(billable_user_count / nullif(license_user_count, 0), 4) as license_utilization,
    -- The installation's (or namespace's) latest month with data, per subscription.
    coalesce(
        is_data_in_subscription_month
        and snapshot_month = max(case when is_data_in_subscription_month then snapshot_month end) over (
            partition by dim_subscription_id, uuid, hostname, dim_namespace_id
        ),
        false
    ) as is_latest_data
from unioned
