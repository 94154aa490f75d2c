{#- Zuora subscriptions, one row per subscription version, typed. -#}
with subscriptions as (
    {{ latest_file_version(source('zuora', 'subscription')) }}
)

select
    "Id" as dim_subscription_id,
    "AccountId" as dim_billing_account_id,
    "Name" as subscription_name,
    "Status" as subscription_status,
    try_cast("Version" as integer) as subscription_version,
    "OriginalId" as dim_subscription_id_original,
    nullif("PreviousSubscriptionId", '') as dim_subscription_id_previous,
    "TermType" as term_type,
    try_cast("TermStartDate" as date) as term_start_date,
    try_cast("TermEndDate" as date) as term_end_date,
    try_cast("SubscriptionStartDate" as date) as subscription_start_date,
    try_cast("SubscriptionEndDate" as date) as subscription_end_date,
    try_cast("AutoRenew" as boolean) as is_auto_renew,
    try_cast("CreatedDate" as timestamp) as created_at,
    try_cast("UpdatedDate" as timestamp) as updated_at
from subscriptions
