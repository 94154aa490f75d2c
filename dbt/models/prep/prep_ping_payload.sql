{{ config(materialized='view') }}
{#- Received Service Ping payloads, one row per distinct ping: an instance that POSTs the same
    payload twice (or a file delivered twice) is one ping, kept at its first receipt. The sender
    IP never leaves raw in clear: only its hash and the country it lies in come out.

    Payloads are large (~64 KB): the receipts are ranked without them, the ping id coming from the
    identity the loader read from each payload (raw _payload_uuid, _payload_hostname,
    _payload_recorded_at), and only each ping's first receipt is joined back to its payload, by
    row. Nothing here parses a payload, and a reader that filters on _loaded_at (the incremental
    flatten) reads only the payloads it keeps. -#}
with raw_rows as (
    select {{ row_locator() }} as raw_row, *
    from {{ source('service_ping', 'payloads') }}
),

receipts as (
    -- The payload column is not read: only these columns are used.
    select
        raw_row,
        {{ hash_key(['_payload_uuid', '_payload_hostname', '_payload_recorded_at']) }} as dim_ping_instance_id,
        -- The collector's receipt time when the file has envelopes, else the receipt-date folder.
        coalesce(try_cast(received_at as timestamp), cast(_receipt_date as timestamp)) as ping_created_at,
        received_at is not null as has_envelope,
        {{ hash_ip_address('source_ip') }} as ip_address_hash,
        {{ ipv4_to_integer('source_ip') }} as source_ip_numeric,
        _source_file
    from ({{ latest_file_version('raw_rows') }})
),

first_receipts as (
    select *
    from receipts
    qualify row_number() over (
        partition by dim_ping_instance_id order by ping_created_at, _source_file
    ) = 1
),

-- The country of each distinct sender address: a range join of the address against the networks
-- (the narrowest network wins should two overlap). Invalid or unknown addresses get none.
-- The addresses are read from raw, not from first_receipts: a CTE read twice keeps DuckDB from
-- leaving the payload column out of a query that counts rows of this view (dbt's tests do), so
-- each test read every payload (2-3 s instead of 0.2 s at 84,000 payloads).
ip_countries as (
    select
        addresses.source_ip_numeric,
        networks.dim_location_country_id
    from (
        select distinct {{ ipv4_to_integer('source_ip') }} as source_ip_numeric
        from {{ source('service_ping', 'payloads') }}
    ) as addresses
    inner join {{ ref('prep_ip_to_geo') }} as networks
        on addresses.source_ip_numeric
        between networks.ip_range_first_ip_numeric and networks.ip_range_last_ip_numeric
    qualify row_number() over (
        partition by addresses.source_ip_numeric order by networks.network_prefix_length desc, networks.network
    ) = 1
)

select
    first_receipts.dim_ping_instance_id,
    payloads.payload,
    first_receipts.ping_created_at,
    first_receipts.has_envelope,
    first_receipts.ip_address_hash,
    first_receipts._source_file,
    payloads._loaded_at,
    ip_countries.dim_location_country_id
from first_receipts
inner join {{ source('service_ping', 'payloads') }} as payloads
    on first_receipts.raw_row = payloads.{{ row_locator() }}
left join ip_countries
    on first_receipts.source_ip_numeric = ip_countries.source_ip_numeric
