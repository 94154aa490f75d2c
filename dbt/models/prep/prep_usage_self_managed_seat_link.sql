{#- Seat Link reports (Customers Portal `license_seat_links`), typed, one row per report. -#}
with seat_links as (
    {{ latest_file_version(source('customers_db', 'license_seat_links')) }}
)

select
    cast(id as varchar) as seat_link_id,
    nullif(trim(zuora_subscription_id), '') as dim_subscription_id,
    nullif(trim(zuora_subscription_name), '') as subscription_name,
    cast(order_id as varchar) as order_id,
    try_cast(report_timestamp as timestamp) as report_timestamp,
    coalesce(try_cast(report_date as date), cast(try_cast(report_timestamp as timestamp) as date)) as report_date,
    try_cast(active_user_count as bigint) as active_user_count,
    try_cast(license_user_count as bigint) as license_user_count,
    try_cast(max_historical_user_count as bigint) as max_historical_user_count,
    hostname,
    instance_identifier as uuid
from seat_links
