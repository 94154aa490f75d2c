{{ config(materialized='view') }}
{#- Received Service Ping payloads, one row per distinct ping: an instance that POSTs the same
    payload twice (or a file delivered twice) is one ping, kept at its first receipt. The sender
    IP never leaves raw in clear: only its hash and the country it lies in come out. -#}
with payloads as (
    {{ latest_file_version(source('service_ping', 'payloads')) }}
),

identified as (
    select
        {{ hash_key([json_text('payload', 'uuid'), json_text('payload', 'hostname'),
                     json_text('payload', 'recorded_at')]) }} as dim_ping_instance_id,
        payload,
        -- The collector's receipt time when the file has envelopes, else the receipt-date folder.
        coalesce(try_cast(received_at as timestamp), cast(_receipt_date as timestamp)) as ping_created_at,
        received_at is not null as has_envelope,
        {{ hash_ip_address('source_ip') }} as ip_address_hash,
        {{ ipv4_to_integer('source_ip') }} as source_ip_numeric,
        _source_file,
        _loaded_at
    from payloads
),

deduplicated as (
    select *
    from identified
    qualify row_number() over (
        partition by dim_ping_instance_id order by ping_created_at, _source_file
    ) = 1
),

-- The country of each distinct sender address: a range join of the address against the networks
-- (the narrowest network wins should two overlap). Invalid or unknown addresses get none.
ip_countries as (
    select
        addresses.source_ip_numeric,
        networks.dim_location_country_id
    from (select distinct source_ip_numeric from deduplicated where source_ip_numeric is not null) as addresses
    inner join {{ ref('prep_ip_to_geo') }} as networks
        on addresses.source_ip_numeric
        between networks.ip_range_first_ip_numeric and networks.ip_range_last_ip_numeric
    qualify row_number() over (
        partition by addresses.source_ip_numeric order by networks.network_prefix_length desc, networks.network
    ) = 1
)

select
    deduplicated.* exclude (source_ip_numeric),
    ip_countries.dim_location_country_id
from deduplicated
left join ip_countries
    on deduplicated.source_ip_numeric = ip_countries.source_ip_numeric
