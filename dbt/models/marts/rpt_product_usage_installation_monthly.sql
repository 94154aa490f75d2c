{#- One row per installation and month, from the installation's last ping of the month: what the
    rpt_product_usage_* reports share. The account is the CRM account of the subscription the ping
    maps to (dim_subscription.dim_crm_account_id); an installation without one is kept, with a null
    account and account_mapping_status saying why. Versions behind as in
    mart_ping_instance_metric_monthly: release rank of the latest release at ping time minus the
    release rank of the ping's major.minor version. -#}
with pings as (
    select * from {{ ref('dim_ping_instance') }}
    where is_last_ping_of_month
),

subscriptions as (
    select dim_subscription_id, subscription_name, dim_crm_account_id
    from {{ ref('dim_subscription') }}
),

releases as (
    select major_minor_version, release_date, version_number
    from {{ ref('dim_app_release_major_minor') }}
),

latest_release_at_ping as (
    select pings.dim_ping_instance_id, max(releases.version_number) as latest_version_number
    from pings
    inner join releases on releases.release_date <= pings.ping_created_date
    group by pings.dim_ping_instance_id
)

select
    {{ hash_key(['pings.dim_installation_id', 'pings.snapshot_month']) }} as installation_monthly_id,
    pings.snapshot_month,
    pings.dim_installation_id,
    pings.dim_ping_instance_id,
    pings.uuid,
    pings.hostname,
    pings.ping_created_at,
    pings.version,
    pings.cleaned_version,
    pings.major_minor_version,
    pings.edition,
    pings.product_tier,
    pings.delivery_type,
    pings.deployment_type,
    pings.installation_type,
    pings.is_internal,
    pings.is_staging,
    pings.is_trial,
    pings.active_user_count,
    pings.license_user_count,
    pings.dim_subscription_id,
    subscriptions.subscription_name,
    subscriptions.dim_crm_account_id,
    subscriptions.dim_crm_account_id is not null as is_account_mapped,
    case
        when pings.dim_subscription_id is null then 'no_subscription'
        when subscriptions.dim_crm_account_id is null then 'subscription_without_crm_account'
        else 'crm_account'
    end as account_mapping_status,
    ping_release.release_date as version_release_date,
    ping_release.version_number,
    latest_release.major_minor_version as latest_major_minor_version,
    latest_release_at_ping.latest_version_number,
    latest_release_at_ping.latest_version_number - ping_release.version_number as versions_behind_latest
from pings
left join subscriptions on pings.dim_subscription_id = subscriptions.dim_subscription_id
left join releases as ping_release on pings.major_minor_version = ping_release.major_minor_version
left join latest_release_at_ping on pings.dim_ping_instance_id = latest_release_at_ping.dim_ping_instance_id
left join releases as latest_release on latest_release_at_ping.latest_version_number = latest_release.version_number
