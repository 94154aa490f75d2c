{#- IPv4 networks and the country their addresses are attributed to, one row per network: an
    address as integer joins where it lies between the first and the last address. -#}
select
    {{ hash_key(['network']) }} as dim_ip_to_geo_id,
    network,
    network_prefix_length,
    ip_range_first_ip_numeric,
    ip_range_last_ip_numeric,
    dim_location_country_id,
    is_located_by_registered_country,
    is_anonymous_proxy,
    is_satellite_provider,
    is_anycast
from {{ ref('prep_ip_to_geo') }}
