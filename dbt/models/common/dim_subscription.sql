{{ config(meta={'data_classification': 'yellow'}) }}
{#- Zuora subscriptions, one row per version, with their billing and CRM accounts. Like GitLab's
    dim_subscription it holds every version and status: licenses, pings and Seat Link reports
    name any version, so the mapping needs them all. Where GitLab leaves Draft and Expired out
    (ARR, Zuora seats, the paid-usage pump) the consumer filters on subscription_status and
    is_latest_version. -#}
with subscriptions as (
    select * from {{ ref('prep_subscription') }}
),

latest_versions as (
    select subscription_name, dim_subscription_id, subscription_status
    from subscriptions
    where is_latest_version
)

select
    subscriptions.dim_subscription_id,
    subscriptions.dim_subscription_id_original,
    subscriptions.dim_subscription_id_previous,
    subscriptions.subscription_name,
    subscriptions.subscription_version,
    subscriptions.subscription_status,
    subscriptions.dim_billing_account_id,
    subscriptions.dim_crm_account_id,
    subscriptions.term_start_date,
    subscriptions.term_end_date,
    subscriptions.subscription_start_date,
    subscriptions.subscription_end_date,
    subscriptions.is_latest_version,
    latest_versions.dim_subscription_id as dim_subscription_id_latest,
    latest_versions.subscription_status as subscription_status_latest_version,
    subscriptions.term_type,
    subscriptions.current_term,
    subscriptions.is_auto_renew,
    subscriptions.subscription_start_month,
    subscriptions.subscription_end_month,
    subscriptions.term_start_month,
    subscriptions.term_end_month,
    subscriptions.cancelled_date,
    subscriptions.subscription_created_date,
    subscriptions.subscription_updated_date,
    subscriptions.created_at,
    subscriptions.updated_at
from subscriptions
left join latest_versions on subscriptions.subscription_name = latest_versions.subscription_name
