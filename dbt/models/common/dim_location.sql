{#- Countries an IP address or an account can be located in, one row per country, with continent
    and sales region (GitLab's dim_location_country). -#}
select
    dim_location_country_id,
    country_name,
    iso_2_country_code,
    continent_code,
    continent_name,
    is_in_european_union,
    location_region_name_map
from {{ ref('prep_location_country') }}
