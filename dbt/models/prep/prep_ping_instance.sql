{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='dim_ping_instance_id',
    on_schema_change='fail',
) }}
{#- One row per Service Ping: the payload's top-level fields, typed, and the installation it comes
    from classified (tier, delivery and deployment type, internal, staging).

    The payload's fields are read in one parse (json_texts: a `->>` per field parses the whole
    ~64 KB payload once per field).

    Incremental: a run reads the payloads of the pings loaded into raw after the newest one here
    (prep_ping_payload keeps a ping at its first receipt, so a payload delivered again later adds
    nothing, and an earlier copy arriving late replaces the row: delete+insert on
    dim_ping_instance_id). The other rows are rewritten only when what a full rebuild would give
    them differs from what they hold: their receipt as prep_ping_payload gives it now (country of
    the sender IP after a new ip_to_geo export, the IP hash's salt, a first receipt that moved to
    an older load) or their classification by the seed gitlab_internal_installations. Those are
    rebuilt from the row's stored fields and the receipt's columns, without reading the payload. -#}
{%- set payload_fields = [
    'uuid', 'hostname', 'host_id', 'version', 'installation_type', 'edition', 'recorded_at',
    'active_user_count', 'license_md5', 'license_sha256', 'license_subscription_id',
    'license_user_count', 'license_billable_users', 'historical_max_users', 'license_trial',
    'license_plan', 'license_starts_at', 'license_expires_at', 'gitlab_dedicated',
] %}
{%- set field = {} %}
{%- for name in payload_fields %}
    {%- do field.update({name: list_at('fields', loop.index)}) %}
{%- endfor %}
{%- set receipt_columns = [
    'ping_created_at', 'has_envelope', 'ip_address_hash', 'dim_location_country_id', '_source_file', '_loaded_at',
] %}
{%- set output_columns = [
    'dim_ping_instance_id', 'dim_installation_id', 'uuid', 'hostname', 'host_id', 'version',
    'installation_type', 'edition', 'main_edition', 'product_tier', 'delivery_type', 'deployment_type',
    'is_saas_dedicated', 'is_internal', 'is_staging', 'recorded_at', 'ping_created_at', 'snapshot_month',
    'active_user_count', 'license_md5', 'license_sha256', 'license_subscription_id', 'license_user_count',
    'license_billable_users', 'historical_max_users', 'is_trial', 'license_plan', 'license_starts_at',
    'license_expires_at', 'ip_address_hash', 'dim_location_country_id', 'has_envelope', '_source_file',
    '_loaded_at',
] %}
{#- Incremental only over a table that has the columns it compares (an older build without them
    gets dbt's on_schema_change failure: rebuild with --full-refresh). -#}
{%- set watermark = incremental_watermark('_loaded_at') %}
{%- set incremental = watermark.incremental %}
{%- set loaded_after = watermark.loaded_after %}

with payloads as (
    select
        dim_ping_instance_id,
        {{ json_texts('payload', payload_fields) }} as fields,
        {{ receipt_columns | join(', ') }}
    from {{ ref('prep_ping_payload') }}
    {%- if loaded_after is not none %}
    where _loaded_at > {{ loaded_after }}
    {%- endif %}
),

internal_installations as (
    select
        lower(trim(hostname)) as hostname,
        lower(trim(uuid)) as uuid,
        deployment_type,
        coalesce(is_staging, false) as is_staging
    from {{ ref('gitlab_internal_installations') }}
),

typed as (
    select
        dim_ping_instance_id,
        {{ field['uuid'] }} as uuid,
        {{ field['hostname'] }} as hostname,
        {{ field['host_id'] }} as host_id,
        {{ field['version'] }} as version,
        {{ field['installation_type'] }} as installation_type,
        {{ field['edition'] }} as edition,
        {{ to_utc_timestamp(field['recorded_at']) }} as recorded_at,
        ping_created_at,
        cast(date_trunc('month', ping_created_at) as date) as snapshot_month,
        try_cast({{ field['active_user_count'] }} as bigint) as active_user_count_raw,
        {{ field['license_md5'] }} as license_md5,
        {{ field['license_sha256'] }} as license_sha256,
        {{ field['license_subscription_id'] }} as license_subscription_id,
        try_cast({{ field['license_user_count'] }} as bigint) as license_user_count_raw,
        try_cast({{ field['license_billable_users'] }} as bigint) as license_billable_users_raw,
        try_cast({{ field['historical_max_users'] }} as bigint) as historical_max_users_raw,
        try_cast({{ field['license_trial'] }} as boolean) as is_trial,
        {{ field['license_plan'] }} as license_plan,
        try_cast({{ field['license_starts_at'] }} as date) as license_starts_at,
        try_cast({{ field['license_expires_at'] }} as date) as license_expires_at,
        -- Sent since 15.10 (key path gitlab_dedicated); absent on older versions.
        try_cast({{ field['gitlab_dedicated'] }} as boolean) as is_saas_dedicated,
        ip_address_hash,
        dim_location_country_id,
        has_envelope,
        _source_file,
        _loaded_at,
        true as is_new
    from payloads
    {%- if incremental %}

    union all

    -- The pings already here, from their stored fields (the rules below give stored values
    -- back unchanged) and their receipt as it is now.
    select
        held.dim_ping_instance_id,
        held.uuid,
        held.hostname,
        held.host_id,
        held.version,
        held.installation_type,
        held.edition,
        held.recorded_at,
        receipts.ping_created_at,
        cast(date_trunc('month', receipts.ping_created_at) as date) as snapshot_month,
        held.active_user_count,
        held.license_md5,
        held.license_sha256,
        held.license_subscription_id,
        held.license_user_count,
        held.license_billable_users,
        held.historical_max_users,
        held.is_trial,
        held.license_plan,
        held.license_starts_at,
        held.license_expires_at,
        held.is_saas_dedicated,
        receipts.ip_address_hash,
        receipts.dim_location_country_id,
        receipts.has_envelope,
        receipts._source_file,
        receipts._loaded_at,
        false as is_new
    from {{ this }} as held
    inner join (
        select dim_ping_instance_id, {{ receipt_columns | join(', ') }}
        from {{ ref('prep_ping_payload') }}
    ) as receipts on held.dim_ping_instance_id = receipts.dim_ping_instance_id
    {%- if loaded_after is not none %}
    where receipts._loaded_at <= {{ loaded_after }}
    {%- endif %}
    {%- endif %}
),

classified as (
    select
        typed.*,
        {{ hash_key(['typed.uuid', 'typed.hostname']) }} as dim_installation_id,
        case
            when typed.edition in ('CE', 'EE Free') then 'Free'
            when typed.edition = 'EES' then 'Starter'
            when typed.edition = 'EEP' then 'Premium'
            when typed.edition = 'EEU' then 'Ultimate'
            -- Plain 'EE' is a license whose plan the edition does not name: the plan decides.
            when typed.edition = 'EE' then
                case lower(typed.license_plan)
                    when 'starter' then 'Starter'
                    when 'premium' then 'Premium'
                    when 'ultimate' then 'Ultimate'
                    else 'Free'
                end
        end as product_tier,
        case when typed.edition = 'CE' then 'CE' when typed.edition is not null then 'EE' end as main_edition,
        case
            when by_hostname.deployment_type is not null then by_hostname.deployment_type
            when typed.is_saas_dedicated then 'Dedicated'
            else 'Self-Managed'
        end as deployment_type,
        -- GitLab's own installations: listed in the seed (by hostname or uuid), a GitLab
        -- Development Kit, or a host under gitlab.com.
        (
            by_hostname.hostname is not null
            or by_uuid.uuid is not null
            or coalesce(typed.installation_type = 'gitlab-development-kit', false)
            or coalesce(lower(typed.hostname) like '%.gitlab.com', false)
        ) as is_internal,
        ({{ hostname_is_staging('typed.hostname') }} or coalesce(by_hostname.is_staging, false)) as is_staging
    from typed
    left join internal_installations as by_hostname on lower(trim(typed.hostname)) = by_hostname.hostname
    left join internal_installations as by_uuid on lower(trim(typed.uuid)) = by_uuid.uuid
),

rebuilt as (
    select
        is_new,
        dim_ping_instance_id,
        dim_installation_id,
        uuid,
        hostname,
        host_id,
        version,
        installation_type,
        edition,
        main_edition,
        product_tier,
        -- GitLab hosts GitLab.com and Dedicated (SaaS); customers host everything else.
        case when deployment_type in ('GitLab.com', 'Dedicated') then 'SaaS' else 'Self-Managed' end as delivery_type,
        deployment_type,
        coalesce(is_saas_dedicated, false) as is_saas_dedicated,
        is_internal,
        is_staging,
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
        license_starts_at,
        license_expires_at,
        ip_address_hash,
        dim_location_country_id,
        has_envelope,
        _source_file,
        _loaded_at
    from classified
)

select {{ output_columns | join(', ') }}, '{{ invocation_id }}' as _dbt_invocation_id
from rebuilt
{%- if incremental %}
where is_new
    -- (EXCEPT compares nulls as equal: only rows a rebuild changes are written again)
    or dim_ping_instance_id in (
        select dim_ping_instance_id from (
            select {{ output_columns | join(', ') }} from rebuilt where not is_new
            except
            select {{ output_columns | join(', ') }} from {{ this }}
        )
    )
{%- endif %}
