{#- Countries of the IP-to-geo locations (MaxMind GeoLite2 layout), one row per country, with the
    sales region of seed location_region_map (a country override, else its continent's rule). -#}
with locations as (
    {{ latest_file_version(source('ip_to_geo', 'locations')) }}
),

regions as (
    select * from {{ ref('location_region_map') }}
),

countries as (
    select
        try_cast(geoname_id as bigint) as dim_location_country_id,
        trim(country_name) as country_name,
        upper(trim(country_iso_code)) as iso_2_country_code,
        upper(trim(continent_code)) as continent_code,
        trim(continent_name) as continent_name,
        coalesce(try_cast(is_in_european_union as boolean), false) as is_in_european_union
    from locations
    -- Continent geonames (no country code) locate continent-only networks; they are not countries.
    where nullif(trim(country_iso_code), '') is not null
        and try_cast(geoname_id as bigint) is not null
    -- A locations file per locale may land: prefer the English names.
    qualify row_number() over (
        partition by try_cast(geoname_id as bigint)
        order by coalesce(locale_code = 'en', false) desc, locale_code, _source_file
    ) = 1
)

select
    countries.dim_location_country_id,
    countries.country_name,
    countries.iso_2_country_code,
    countries.continent_code,
    countries.continent_name,
    countries.is_in_european_union,
    coalesce(country_rule.location_region_name, continent_rule.location_region_name) as location_region_name_map
from countries
left join regions as country_rule
    on countries.iso_2_country_code = country_rule.country_iso_code
left join regions as continent_rule
    on continent_rule.country_iso_code is null
    and countries.continent_code = continent_rule.continent_code
