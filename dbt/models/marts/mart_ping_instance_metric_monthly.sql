{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['dim_installation_id', 'snapshot_month'],
    on_schema_change='fail',
    post_hook="""
        delete from {{ this }}
        where (dim_installation_id, snapshot_month) not in (
            select dim_installation_id, snapshot_month from {{ ref('fct_ping_instance_metric_monthly') }}
        )""",
) }}
{#- The monthly metric values of self-managed installations with everything an analyst filters
    by: the ping (version, edition, tier, subscription), the metric (stage, section, group,
    xMAU / health-score flags, format), the location, and how far the version is behind:
    - versions_behind_latest = release rank of the latest release at ping time minus the release
      rank of the ping's major.minor version (null when the version is not in the release list);
    - days_since_release = days from the release of the ping's version to the ping.

    Incremental, per installation x month (delete+insert), so a delivery does not rewrite the
    whole history: a month is rebuilt when fct_ping_instance_metric_monthly rewrote it since
    (its _dbt_invocation_id, kept here as _fct_invocation_id, differs), when it is new or gone,
    when what the row takes from its ping, location and releases changed (_ping_attributes_hash:
    a new subscription mapping, an ip_to_geo export, a release), or when one of its metrics'
    dictionary attributes changed (_metric_attributes_hash). A month the monthly fact no longer
    has is deleted by the post-hook. -#}
{#- Incremental when the table holds the bookkeeping columns (the watermark's value is not used). -#}
{%- set incremental = incremental_watermark('_fct_invocation_id').incremental %}
{%- set metric_attribute_columns = [
    'product_section', 'product_stage', 'product_group', 'metric_format', 'is_smau', 'is_gmau',
    'is_paid_gmau', 'is_umau', 'is_health_score_metric', 'is_aggregated_metric',
] %}
{#- The hash of a metric's attributes is taken once per metric of the dictionary; a row whose metric
    the dictionary lacks gets the hash of no attributes. -#}
{%- set no_metric_attributes = [] %}
{%- for column in metric_attribute_columns %}
    {%- do no_metric_attributes.append('null') %}
{%- endfor %}
{%- set no_metric_attributes_hash = hash_key(no_metric_attributes) %}

with pings as (
    select * from {{ ref('dim_ping_instance') }}
    where is_last_ping_of_month
),

releases as (
    select * from {{ ref('dim_app_release_major_minor') }}
),

latest_release_at_ping as (
    select pings.dim_ping_instance_id, max(releases.version_number) as latest_version_number
    from pings
    inner join releases on releases.release_date <= cast(pings.ping_created_at as date)
    group by pings.dim_ping_instance_id
),

-- What a row takes from its ping (one row per ping of the month).
ping_attributes as (
    select
        pings.dim_ping_instance_id,
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
        ping_release.release_date as version_release_date,
        latest_release_at_ping.latest_version_number - ping_release.version_number as versions_behind_latest,
        datediff('day', ping_release.release_date, cast(pings.ping_created_at as date)) as days_since_release
    from pings
    left join {{ ref('dim_location') }} as locations
        on pings.dim_location_country_id = locations.dim_location_country_id
    left join releases as ping_release on pings.major_minor_version = ping_release.major_minor_version
    left join latest_release_at_ping on pings.dim_ping_instance_id = latest_release_at_ping.dim_ping_instance_id
),

ping_attributes_hashed as (
    select
        *,
        {{ hash_key([
            'uuid', 'hostname', 'ping_created_at', 'cleaned_version', 'major_minor_version', 'edition',
            'main_edition', 'product_tier', 'delivery_type', 'deployment_type', 'installation_type',
            'is_internal', 'is_staging', 'is_trial', 'dim_subscription_id', 'subscription_mapping_source',
            'dim_location_country_id', 'country_name', 'iso_2_country_code', 'location_region_name_map',
            'version_release_date', 'versions_behind_latest', 'days_since_release',
        ]) }} as _ping_attributes_hash
    from ping_attributes
),

-- What a row takes from its metric's dictionary entry.
metric_attributes as (
    select
        metrics_path,
        product_section,
        product_stage,
        product_group,
        metric_format,
        is_smau,
        is_gmau,
        is_paid_gmau,
        is_umau,
        is_health_score_metric,
        is_aggregated_metric,
        {{ hash_key(metric_attribute_columns) }} as _metric_attributes_hash
    from {{ ref('dim_ping_metric') }}
),
{%- if incremental %}

held_months as (
    select
        dim_installation_id,
        snapshot_month,
        any_value(_fct_invocation_id) as fct_invocation_id,
        any_value(_ping_attributes_hash) as ping_attributes_hash
    from {{ this }}
    group by dim_installation_id, snapshot_month
),

monthly_months as (
    select
        dim_installation_id,
        snapshot_month,
        any_value(dim_ping_instance_id) as dim_ping_instance_id,
        any_value(_dbt_invocation_id) as fct_invocation_id
    from {{ ref('fct_ping_instance_metric_monthly') }}
    group by dim_installation_id, snapshot_month
),

-- Metrics whose dictionary attributes are not those the table holds (hashed as in `rows`).
changed_metrics as (
    select held.metric_key_path
    from (select distinct metric_key_path, _metric_attributes_hash from {{ this }}) as held
    left join metric_attributes as now on held.metric_key_path = now.metrics_path
    where held._metric_attributes_hash <> coalesce(now._metric_attributes_hash, {{ no_metric_attributes_hash }})
),

rebuilt_months as (
    select
        now.dim_installation_id,
        now.snapshot_month
    from monthly_months as now
    left join held_months as held
        on now.dim_installation_id = held.dim_installation_id and now.snapshot_month = held.snapshot_month
    left join ping_attributes_hashed as attributes on now.dim_ping_instance_id = attributes.dim_ping_instance_id
    where held.dim_installation_id is null
        or now.fct_invocation_id <> held.fct_invocation_id
        or attributes._ping_attributes_hash is distinct from held.ping_attributes_hash
    union
    select dim_installation_id, snapshot_month
    from {{ this }}
    where metric_key_path in (select metric_key_path from changed_metrics)
),
{%- endif %}

-- The monthly fact's rows to write: every row, or the rebuilt months' on an incremental run.
monthly as (
    select * from {{ ref('fct_ping_instance_metric_monthly') }}
    {%- if incremental %}
    where (dim_installation_id, snapshot_month) in (select dim_installation_id, snapshot_month from rebuilt_months)
    {%- endif %}
),

rows as (
    select
        monthly.ping_instance_metric_monthly_id,
        monthly.snapshot_month,
        monthly.dim_installation_id,
        monthly.dim_ping_instance_id,
        attributes.uuid,
        attributes.hostname,
        attributes.ping_created_at,
        attributes.cleaned_version,
        attributes.major_minor_version,
        attributes.edition,
        attributes.main_edition,
        attributes.product_tier,
        attributes.delivery_type,
        attributes.deployment_type,
        attributes.installation_type,
        attributes.is_internal,
        attributes.is_staging,
        attributes.is_trial,
        attributes.dim_subscription_id,
        attributes.subscription_mapping_source,
        attributes.dim_location_country_id,
        attributes.country_name,
        attributes.iso_2_country_code,
        attributes.location_region_name_map,
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
        attributes.version_release_date,
        attributes.versions_behind_latest,
        attributes.days_since_release,
        attributes._ping_attributes_hash,
        coalesce(metrics._metric_attributes_hash, {{ no_metric_attributes_hash }}) as _metric_attributes_hash,
        monthly._dbt_invocation_id as _fct_invocation_id,
        '{{ invocation_id }}' as _dbt_invocation_id
    from monthly
    inner join ping_attributes_hashed as attributes
        on monthly.dim_ping_instance_id = attributes.dim_ping_instance_id
    left join metric_attributes as metrics on monthly.metric_key_path = metrics.metrics_path
)

select * from rows
{{- full_build_order_by(incremental, ['snapshot_month']) }}
