{#- One row per Service Ping, mapped to the Zuora subscription its license belongs to, with its
    installation's classification, its parsed version and whether it is the installation's last
    ping of its week and of its month.
    Mapping order (GitLab's rule): the license md5, then the license sha256 (both through
    prep_license), then the payload's own license_subscription_id; a candidate counts only if
    it names a known subscription. -#}
with pings as (
    select
        *,
        {{ version_part('version', 0) }} as cleaned_version,
        {{ version_part('version', 1) }} as major_version,
        {{ version_part('version', 2) }} as minor_version,
        {{ version_part('version', 3) }} as patch_version,
        {{ version_is_prerelease('version') }} as version_is_prerelease
    from {{ ref('prep_ping_instance') }}
),

licenses as (
    select * from {{ ref('prep_license') }}
),

subscriptions as (
    select dim_subscription_id from {{ ref('dim_subscription') }}
),

candidates as (
    select
        pings.dim_ping_instance_id,
        md5_subscription.dim_subscription_id as md5_subscription_id,
        sha256_subscription.dim_subscription_id as sha256_subscription_id,
        payload_subscription.dim_subscription_id as payload_subscription_id
    from pings
    left join licenses as md5_license on pings.license_md5 = md5_license.license_md5
    left join subscriptions as md5_subscription
        on md5_license.dim_subscription_id = md5_subscription.dim_subscription_id
    left join licenses as sha256_license on pings.license_sha256 = sha256_license.license_sha256
    left join subscriptions as sha256_subscription
        on sha256_license.dim_subscription_id = sha256_subscription.dim_subscription_id
    left join subscriptions as payload_subscription
        on pings.license_subscription_id = payload_subscription.dim_subscription_id
)

select
    pings.dim_ping_instance_id,
    pings.dim_installation_id,
    pings.uuid,
    pings.hostname,
    pings.host_id,
    pings.version,
    pings.cleaned_version,
    pings.major_version,
    pings.minor_version,
    pings.patch_version,
    cast(pings.major_version as varchar) || '.' || cast(pings.minor_version as varchar) as major_minor_version,
    pings.major_version * 100 + pings.minor_version as major_minor_version_num,
    pings.version_is_prerelease,
    pings.installation_type,
    pings.edition,
    pings.main_edition,
    pings.product_tier,
    pings.delivery_type,
    pings.deployment_type,
    pings.is_saas_dedicated,
    pings.is_internal,
    pings.is_staging,
    pings.recorded_at,
    pings.ping_created_at,
    cast(pings.ping_created_at as date) as ping_created_date,
    cast(date_trunc('week', pings.ping_created_at) as date) as ping_created_at_week,
    pings.snapshot_month as ping_created_at_month,
    cast(date_trunc('year', pings.ping_created_at) as date) as ping_created_at_year,
    cast(pings.ping_created_at as date) - 28 as ping_created_at_28_days_earlier,
    pings.snapshot_month,
    pings.active_user_count,
    pings.license_user_count,
    pings.license_billable_users,
    pings.historical_max_users,
    pings.is_trial,
    pings.license_plan,
    pings.license_starts_at,
    pings.license_expires_at,
    pings.license_md5,
    pings.license_sha256,
    pings.license_subscription_id,
    pings.ip_address_hash,
    pings.dim_location_country_id,
    coalesce(
        candidates.md5_subscription_id,
        candidates.sha256_subscription_id,
        candidates.payload_subscription_id
    ) as dim_subscription_id,
    case
        when candidates.md5_subscription_id is not null then 'license_md5'
        when candidates.sha256_subscription_id is not null then 'license_sha256'
        when candidates.payload_subscription_id is not null then 'license_subscription_id'
    end as subscription_mapping_source,
    candidates.md5_subscription_id is not null as is_mapped_by_md5,
    candidates.sha256_subscription_id is not null as is_mapped_by_sha256,
    candidates.payload_subscription_id is not null as is_mapped_by_subscription_id,
    -- GitLab's rule: an installation's ping of a week (ISO, Monday to Sunday) or of a month is
    -- its latest by created_at, the time the collector received it; a late ping counts when received.
    row_number() over (
        partition by pings.dim_installation_id, date_trunc('week', pings.ping_created_at)
        order by pings.ping_created_at desc, pings.recorded_at desc, pings.dim_ping_instance_id
    ) = 1 as is_last_ping_of_week,
    row_number() over (
        partition by pings.dim_installation_id, pings.snapshot_month
        order by pings.ping_created_at desc, pings.recorded_at desc, pings.dim_ping_instance_id
    ) = 1 as is_last_ping_of_month
from pings
left join candidates on pings.dim_ping_instance_id = candidates.dim_ping_instance_id
