{#- IPv4 networks of the IP-to-geo blocks file (MaxMind GeoLite2 layout), one row per network,
    with its first and last address as integers for range joins and the country its addresses
    are attributed to. -#}
with blocks as (
    {{ latest_file_version(source('ip_to_geo', 'blocks_ipv4')) }}
),

countries as (
    select dim_location_country_id from {{ ref('prep_location_country') }}
),

networks as (
    select
        trim(network) as network,
        {{ ipv4_prefix_length('network') }} as network_prefix_length,
        {{ ipv4_network_first_integer('network') }} as ip_range_first_ip_numeric,
        {{ ipv4_network_last_integer('network') }} as ip_range_last_ip_numeric,
        try_cast(geoname_id as bigint) as geoname_id,
        try_cast(registered_country_geoname_id as bigint) as registered_country_geoname_id,
        try_cast(represented_country_geoname_id as bigint) as represented_country_geoname_id,
        coalesce(try_cast(is_anonymous_proxy as boolean), false) as is_anonymous_proxy,
        coalesce(try_cast(is_satellite_provider as boolean), false) as is_satellite_provider,
        coalesce(try_cast(is_anycast as boolean), false) as is_anycast
    from blocks
    where nullif(trim(network), '') is not null
    qualify row_number() over (partition by trim(network) order by _loaded_at desc, _source_file) = 1
)

select
    networks.*,
    -- Where the addresses are (geoname_id) when that is a country; else, for anonymous proxies,
    -- satellite providers and continent-only networks, the country the network is registered in.
    coalesce(located.dim_location_country_id, registered.dim_location_country_id) as dim_location_country_id,
    located.dim_location_country_id is null
    and registered.dim_location_country_id is not null as is_located_by_registered_country
from networks
left join countries as located
    on networks.geoname_id = located.dim_location_country_id
left join countries as registered
    on networks.registered_country_geoname_id = registered.dim_location_country_id
