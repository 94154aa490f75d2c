{{ config(meta={'data_classification': 'yellow'}) }}
{#- Recurring Zuora charges, one row per charge and month it is in force (GitLab's
    prep_recurring_charge). A charge counts in a month when its effective start month is on or
    before the month and its effective end month after it (Zuora's end date is the first day
    no longer covered), so a charge is in force in every month whose last day it covers.
    Charges come from each subscription's latest version only (it carries the whole charge
    history as segments): GitLab gets the same by leaving out versions Zuora marks Expired when
    they are superseded; taking the latest version also holds where superseded versions keep
    their status. Draft subscriptions are left out, as GitLab does. -#}
with charges as (
    {{ latest_file_version(source('zuora', 'rate_plan_charge')) }}
),

rate_plans as (
    {{ latest_file_version(source('zuora', 'rate_plan')) }}
),

subscriptions as (
    select * from {{ ref('prep_subscription') }}
),

months as (
    select date_id, date_day
    from {{ ref('dim_date') }}
    where day_of_month = 1
),

typed as (
    select
        charges."Id" as dim_charge_id,
        charges."RatePlanId" as rate_plan_id,
        nullif(charges."ProductRatePlanChargeId", '') as product_rate_plan_charge_id,
        charges."Name" as rate_plan_charge_name,
        try_cast(charges."Segment" as integer) as rate_plan_charge_segment,
        try_cast(charges."Quantity" as decimal(18, 4)) as quantity,
        try_cast(charges."MRR" as decimal(18, 6)) as mrr,
        nullif(charges."UnitOfMeasure", '') as unit_of_measure,
        try_cast(charges."EffectiveStartDate" as date) as effective_start_date,
        try_cast(charges."EffectiveEndDate" as date) as effective_end_date,
        rate_plans."SubscriptionId" as dim_subscription_id,
        nullif(rate_plans."ProductRatePlanId", '') as dim_product_detail_id
    from charges
    left join rate_plans on charges."RatePlanId" = rate_plans."Id"
    where charges."ChargeType" = 'Recurring'
),

in_force as (
    select
        typed.*,
        cast(date_trunc('month', typed.effective_start_date) as date) as effective_start_month,
        cast(date_trunc('month', typed.effective_end_date) as date) as effective_end_month,
        subscriptions.dim_subscription_id_original,
        subscriptions.subscription_name,
        subscriptions.subscription_status,
        subscriptions.dim_billing_account_id,
        subscriptions.dim_crm_account_id
    from typed
    left join subscriptions on typed.dim_subscription_id = subscriptions.dim_subscription_id
    -- A charge whose rate plan or subscription is missing from the export stays, with null
    -- subscription columns, for the not_null tests to report.
    where subscriptions.dim_subscription_id is null
        or (subscriptions.is_latest_version and subscriptions.subscription_status <> 'Draft')
)

select
    {{ hash_key(['months.date_id', 'in_force.dim_charge_id']) }} as mrr_id,
    months.date_id as dim_date_id,
    months.date_day as charge_month,
    in_force.dim_billing_account_id,
    in_force.dim_crm_account_id,
    in_force.dim_subscription_id,
    in_force.dim_subscription_id_original,
    in_force.subscription_name,
    in_force.subscription_status,
    in_force.dim_product_detail_id,
    in_force.dim_charge_id,
    in_force.product_rate_plan_charge_id,
    in_force.rate_plan_id,
    in_force.rate_plan_charge_name,
    in_force.rate_plan_charge_segment,
    in_force.effective_start_date,
    in_force.effective_end_date,
    in_force.mrr,
    in_force.mrr * 12 as arr,
    in_force.quantity,
    in_force.unit_of_measure
from in_force
inner join months
    on in_force.effective_start_month <= months.date_day
    and (in_force.effective_end_month > months.date_day or in_force.effective_end_month is null)
