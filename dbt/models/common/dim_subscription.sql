{{ config(meta={'data_classification': 'yellow'}) }}
{#- Zuora subscriptions, one row per version, with the billing and CRM account. -#}
with subscriptions as (
    select * from {{ ref('prep_subscription') }}
),

accounts as (
    select * from {{ ref('prep_billing_account') }}
)

select
    subscriptions.dim_subscription_id,
    subscriptions.dim_subscription_id_original,
    subscriptions.dim_subscription_id_previous,
    subscriptions.subscription_name,
    subscriptions.subscription_version,
    subscriptions.subscription_status,
    subscriptions.dim_billing_account_id,
    accounts.dim_crm_account_id,
    subscriptions.term_start_date,
    subscriptions.term_end_date,
    subscriptions.subscription_start_date,
    subscriptions.subscription_end_date,
    subscriptions.subscription_version = max(subscriptions.subscription_version)
        over (partition by subscriptions.subscription_name) as is_latest_version
from subscriptions
left join accounts on subscriptions.dim_billing_account_id = accounts.dim_billing_account_id
