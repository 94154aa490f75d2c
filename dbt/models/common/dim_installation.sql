{#- One row per installation (uuid + hostname) that has sent a Service Ping. Attributes come from
    its latest ping (Type 1: an installation that moves from Self-Managed to Dedicated, or upgrades,
    shows what it is now); the subscription is the one its latest mapped ping maps to. -#}
with pings as (
    select * from {{ ref('dim_ping_instance') }}
),

ping_dates as (
    select
        dim_installation_id,
        min(ping_created_at) as first_ping_created_at,
        max(ping_created_at) as last_ping_created_at,
        count(*) as ping_count
    from pings
    group by dim_installation_id
),

latest_pings as (
    select *
    from pings
    qualify row_number() over (
        partition by dim_installation_id
        order by ping_created_at desc, recorded_at desc, dim_ping_instance_id
    ) = 1
),

latest_mapped_pings as (
    select dim_installation_id, dim_subscription_id, subscription_mapping_source, ping_created_at
    from pings
    where dim_subscription_id is not null
    qualify row_number() over (
        partition by dim_installation_id
        order by ping_created_at desc, recorded_at desc, dim_ping_instance_id
    ) = 1
)

select
    latest_pings.dim_installation_id,
    latest_pings.uuid,
    latest_pings.hostname,
    latest_pings.host_id,
    cast(ping_dates.first_ping_created_at as date) as first_ping_date,
    cast(ping_dates.last_ping_created_at as date) as last_ping_date,
    ping_dates.first_ping_created_at,
    ping_dates.last_ping_created_at,
    ping_dates.ping_count,
    latest_pings.dim_ping_instance_id as latest_dim_ping_instance_id,
    latest_pings.version as latest_version,
    latest_pings.cleaned_version as latest_cleaned_version,
    latest_pings.major_minor_version as latest_major_minor_version,
    latest_pings.edition as latest_edition,
    latest_pings.main_edition as latest_main_edition,
    latest_pings.product_tier as latest_product_tier,
    latest_pings.installation_type,
    latest_pings.delivery_type,
    latest_pings.deployment_type,
    latest_pings.is_internal,
    latest_pings.is_staging,
    latest_pings.is_trial as latest_is_trial,
    latest_mapped_pings.dim_subscription_id as latest_dim_subscription_id,
    latest_mapped_pings.subscription_mapping_source as latest_subscription_mapping_source,
    cast(latest_mapped_pings.ping_created_at as date) as latest_subscription_mapped_date
from latest_pings
inner join ping_dates on latest_pings.dim_installation_id = ping_dates.dim_installation_id
left join latest_mapped_pings on latest_pings.dim_installation_id = latest_mapped_pings.dim_installation_id
