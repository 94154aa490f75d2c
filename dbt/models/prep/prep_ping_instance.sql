{#- One row per Service Ping: the payload's top-level fields, typed. -#}
with payloads as (
    select * from {{ ref('prep_ping_payload') }}
),

typed as (
    select
        dim_ping_instance_id,
        {{ json_text('payload', 'uuid') }} as uuid,
        {{ json_text('payload', 'hostname') }} as hostname,
        {{ json_text('payload', 'version') }} as version,
        {{ json_text('payload', 'installation_type') }} as installation_type,
        {{ json_text('payload', 'edition') }} as edition,
        {{ to_utc_timestamp(json_text('payload', 'recorded_at')) }} as recorded_at,
        ping_created_at,
        cast(date_trunc('month', ping_created_at) as date) as snapshot_month,
        {{ json_integer('payload', 'active_user_count') }} as active_user_count_raw,
        {{ json_text('payload', 'license_md5') }} as license_md5,
        {{ json_text('payload', 'license_sha256') }} as license_sha256,
        {{ json_text('payload', 'license_subscription_id') }} as license_subscription_id,
        {{ json_integer('payload', 'license_user_count') }} as license_user_count_raw,
        {{ json_integer('payload', 'license_billable_users') }} as license_billable_users_raw,
        {{ json_integer('payload', 'historical_max_users') }} as historical_max_users_raw,
        try_cast({{ json_text('payload', 'license_trial') }} as boolean) as is_trial,
        {{ json_text('payload', 'license_plan') }} as license_plan,
        sha256(source_ip) as source_ip_hash,
        has_envelope,
        _source_file
    from payloads
)

select
    dim_ping_instance_id,
    uuid,
    hostname,
    version,
    installation_type,
    edition,
    case
        when edition in ('CE', 'EE Free', 'EE') then 'Free'
        when edition = 'EES' then 'Starter'
        when edition = 'EEP' then 'Premium'
        when edition = 'EEU' then 'Ultimate'
    end as product_tier,
    'Self-Managed' as delivery_type,
    recorded_at,
    ping_created_at,
    snapshot_month,
    -- Negative counts are Service Ping sentinels (-1 timeout, -2 error), never values.
    case when active_user_count_raw >= 0 then active_user_count_raw end as active_user_count,
    license_md5,
    license_sha256,
    license_subscription_id,
    case when license_user_count_raw >= 0 then license_user_count_raw end as license_user_count,
    case when license_billable_users_raw >= 0 then license_billable_users_raw end as license_billable_users,
    case when historical_max_users_raw >= 0 then historical_max_users_raw end as historical_max_users,
    coalesce(is_trial, false) as is_trial,
    license_plan,
    source_ip_hash,
    has_envelope,
    _source_file
from typed
