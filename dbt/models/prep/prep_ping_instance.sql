{#- One row per Service Ping: the payload's top-level fields, typed, and the installation it comes
    from classified (tier, delivery and deployment type, internal, staging). -#}
with payloads as (
    select * from {{ ref('prep_ping_payload') }}
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
        {{ json_text('payload', 'uuid') }} as uuid,
        {{ json_text('payload', 'hostname') }} as hostname,
        {{ json_text('payload', 'host_id') }} as host_id,
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
        try_cast({{ json_text('payload', 'license_starts_at') }} as date) as license_starts_at,
        try_cast({{ json_text('payload', 'license_expires_at') }} as date) as license_expires_at,
        -- Sent since 15.10 (key path gitlab_dedicated); absent on older versions.
        try_cast({{ json_text('payload', 'gitlab_dedicated') }} as boolean) as is_saas_dedicated,
        ip_address_hash,
        dim_location_country_id,
        has_envelope,
        _source_file
    from payloads
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
)

select
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
    _source_file
from classified
