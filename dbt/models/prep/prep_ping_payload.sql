{{ config(materialized='view') }}
{#- Received Service Ping payloads, one row per distinct ping: an instance that POSTs the same
    payload twice (or a file delivered twice) is one ping, kept at its first receipt. -#}
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
        source_ip,
        _source_file,
        _loaded_at
    from payloads
)

select *
from identified
qualify row_number() over (
    partition by dim_ping_instance_id order by ping_created_at, _source_file
) = 1
