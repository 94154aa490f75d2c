{{ config(meta={'data_classification': 'yellow'}) }}
{#- Recurring charges per subscription and month (GitLab's prep_recurring_charge_subscription_monthly):
    MRR, ARR and quantity in total and by delivery type, and the Zuora seats the Gainsight pump
    reports as license_user_count (GitLab: Zuora seats when present, else the ping's). -#}
with charges as (
    select
        charges.*,
        details.product_delivery_type,
        details.is_licensed_user
    from {{ ref('prep_recurring_charge') }} as charges
    left join {{ ref('prep_product_detail') }} as details
        on charges.dim_product_detail_id = details.dim_product_detail_id
),

monthly as (
    select
        dim_subscription_id,
        dim_subscription_id_original,
        subscription_name,
        dim_billing_account_id,
        dim_crm_account_id,
        dim_date_id,
        charge_month,
        subscription_status,
        sum(mrr) as total_mrr,
        sum(arr) as total_arr,
        sum(quantity) as total_quantity,
        sum(case when product_delivery_type = 'Self-Managed' then mrr end) as sm_mrr,
        sum(case when product_delivery_type = 'Self-Managed' then arr end) as sm_arr,
        sum(case when product_delivery_type = 'Self-Managed' then quantity end) as sm_quantity,
        sum(case when product_delivery_type = 'SaaS' then mrr end) as saas_mrr,
        sum(case when product_delivery_type = 'SaaS' then arr end) as saas_arr,
        sum(case when product_delivery_type = 'SaaS' then quantity end) as saas_quantity,
        sum(case when product_delivery_type not in ('Self-Managed', 'SaaS') then mrr end) as other_mrr,
        sum(case when product_delivery_type not in ('Self-Managed', 'SaaS') then arr end) as other_arr,
        sum(case when product_delivery_type not in ('Self-Managed', 'SaaS') then quantity end) as other_quantity,
        -- Zuora seats: quantities of the charges that license users, for subscriptions Active or
        -- Cancelled (GitLab's zuora_licenses_per_subscription); null otherwise.
        case
            when subscription_status in ('Active', 'Cancelled')
                then cast(sum(case when is_licensed_user then quantity end) as bigint)
        end as license_user_count
    from charges
    group by
        dim_subscription_id,
        dim_subscription_id_original,
        subscription_name,
        dim_billing_account_id,
        dim_crm_account_id,
        dim_date_id,
        charge_month,
        subscription_status
)

select
    {{ hash_key(['dim_subscription_id', 'charge_month']) }} as recurring_charge_subscription_monthly_id,
    monthly.*,
    row_number() over (partition by dim_subscription_id order by charge_month desc) = 1
        as is_latest_record_per_subscription
from monthly
