{#- Zuora subscriptions, one row per subscription version, typed, with the Salesforce account of
    their billing account (GitLab's prep_subscription joins the Zuora account the same way).
    Every version is kept, Draft and Expired included: consumers choose (the Gainsight pump keeps
    subscriptions whose latest version is Active or Cancelled; recurring charges skip Drafts). -#}
with subscriptions as (
    {{ latest_file_version(source('zuora', 'subscription')) }}
),

accounts as (
    select "Id" as account_id, nullif(trim("CrmId"), '') as crm_id
    from ({{ latest_file_version(source('zuora', 'account')) }}) as account_versions
),

typed as (
    select
        subscriptions."Id" as dim_subscription_id,
        subscriptions."AccountId" as dim_billing_account_id,
        accounts.crm_id as dim_crm_account_id,
        subscriptions."Name" as subscription_name,
        subscriptions."Status" as subscription_status,
        try_cast(subscriptions."Version" as integer) as subscription_version,
        subscriptions."OriginalId" as dim_subscription_id_original,
        nullif(subscriptions."PreviousSubscriptionId", '') as dim_subscription_id_previous,
        subscriptions."TermType" as term_type,
        try_cast(subscriptions."TermStartDate" as date) as term_start_date,
        try_cast(subscriptions."TermEndDate" as date) as term_end_date,
        try_cast(subscriptions."SubscriptionStartDate" as date) as subscription_start_date,
        try_cast(subscriptions."SubscriptionEndDate" as date) as subscription_end_date,
        try_cast(subscriptions."AutoRenew" as boolean) as is_auto_renew,
        try_cast(subscriptions."CreatedDate" as timestamp) as created_at,
        try_cast(subscriptions."UpdatedDate" as timestamp) as updated_at
    from subscriptions
    left join accounts on subscriptions."AccountId" = accounts.account_id
)

select
    *,
    subscription_version = max(subscription_version) over (partition by subscription_name) as is_latest_version,
    cast(date_trunc('month', subscription_start_date) as date) as subscription_start_month,
    cast(date_trunc('month', subscription_end_date) as date) as subscription_end_month,
    cast(date_trunc('month', term_start_date) as date) as term_start_month,
    cast(date_trunc('month', term_end_date) as date) as term_end_month,
    datediff('month', term_start_date, term_end_date) as current_term,
    -- Zuora's CancelledDate is not exported: a cancelled version ends its subscription on that day.
    case when subscription_status = 'Cancelled' then subscription_end_date end as cancelled_date,
    cast(created_at as date) as subscription_created_date,
    cast(updated_at as date) as subscription_updated_date
from typed
