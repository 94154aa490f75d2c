{#- Customers Portal licenses, typed; personal fields (licensee name, email, company) stay in raw.
    A license names the Zuora subscription version current when it was issued (none for trials). -#}
with licenses as (
    {{ latest_file_version(source('customers_db', 'licenses')) }}
),

subscriptions as (
    select dim_subscription_id, dim_subscription_id_original from {{ ref('prep_subscription') }}
),

typed as (
    select
        cast(id as varchar) as dim_license_id,
        nullif(trim(license_md5), '') as license_md5,
        nullif(trim(license_sha256), '') as license_sha256,
        nullif(trim(zuora_subscription_id), '') as dim_subscription_id,
        nullif(trim(zuora_subscription_name), '') as subscription_name,
        plan_code,
        coalesce(try_cast(trial as boolean), false) as is_trial,
        try_cast(users_count as bigint) as license_user_count,
        try_cast(starts_at as date) as license_start_date,
        try_cast(expires_at as date) as license_expire_date,
        try_cast(created_at as timestamp) as created_at
    from licenses
)

select
    typed.*,
    subscriptions.dim_subscription_id_original,
    subscriptions.dim_subscription_id is not null as is_subscription_in_zuora
from typed
left join subscriptions on typed.dim_subscription_id = subscriptions.dim_subscription_id
