{#- The monthly metric values of self-managed installations with everything an analyst filters
    by: the ping (version, edition, tier, subscription), the metric (stage, section, group,
    xMAU / health-score flags, format), the location, and how far the version is behind:
    - versions_behind_latest = release rank of the latest release at ping time minus the release
      rank of the ping's major.minor version (null when the version is not in the release list);
    - days_since_release = days from the release of the ping's version to the ping. -#}
with monthly as (
    select * from {{ ref('fct_ping_instance_metric_monthly') }}
),

pings as (
    select * from {{ ref('dim_ping_instance') }}
),

releases as (
    select * from {{ ref('dim_app_release_major_minor') }}
),

latest_release_at_ping as (
    select pings.dim_ping_instance_id, max(releases.version_number) as latest_version_number
    from pings
    inner join releases on releases.release_date <= cast(pings.ping_created_at as date)
    where pings.is_last_ping_of_month
    group by pings.dim_ping_instance_id
)

select
    monthly.ping_instance_metric_monthly_id,
    monthly.snapshot_month,
    monthly.dim_installation_id,
    monthly.dim_ping_instance_id,
    pings.uuid,
    pings.hostname,
    pings.ping_created_at,
    pings.cleaned_version,
    pings.major_minor_version,
    pings.edition,
    pings.main_edition,
    pings.product_tier,
    pings.delivery_type,
    pings.deployment_type,
    pings.installation_type,
    pings.is_internal,
    pings.is_staging,
    pings.is_trial,
    pings.dim_subscription_id,
    pings.subscription_mapping_source,
    pings.dim_location_country_id,
    locations.country_name,
    locations.iso_2_country_code,
    locations.location_region_name_map,
    monthly.metrics_path,
    monthly.metric_key_path,
    metrics.product_section,
    metrics.product_stage,
    metrics.product_group,
    metrics.metric_format,
    monthly.time_frame,
    metrics.is_smau,
    metrics.is_gmau,
    metrics.is_paid_gmau,
    metrics.is_umau,
    metrics.is_health_score_metric,
    metrics.is_aggregated_metric,
    monthly.metric_value,
    monthly.monthly_metric_value,
    monthly.has_timed_out,
    ping_release.release_date as version_release_date,
    latest_release_at_ping.latest_version_number - ping_release.version_number as versions_behind_latest,
    datediff('day', ping_release.release_date, cast(pings.ping_created_at as date)) as days_since_release
from monthly
inner join pings on monthly.dim_ping_instance_id = pings.dim_ping_instance_id
left join {{ ref('dim_ping_metric') }} as metrics on monthly.metric_key_path = metrics.metrics_path
left join {{ ref('dim_location') }} as locations
    on pings.dim_location_country_id = locations.dim_location_country_id
left join releases as ping_release on pings.major_minor_version = ping_release.major_minor_version
left join latest_release_at_ping on monthly.dim_ping_instance_id = latest_release_at_ping.dim_ping_instance_id
