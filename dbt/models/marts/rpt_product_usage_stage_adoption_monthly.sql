{#- Stage adoption per CRM account and month. A stage's usage metrics are the dictionary's
    user-based, event-based and total-count metrics of that stage (dim_ping_metric.product_stage
    and metric_format; settings, indicators, histograms and metrics without a stage say nothing
    about use). An installation adopts a stage in a month when one of those metrics has a monthly
    value above zero (fct_ping_instance_metric_monthly: a 28d/7d metric's value in the month's last
    ping, an all-time counter's increase over the previous month); an account adopts it when one
    of its installations does. Installations without a CRM account are grouped under the null
    account. -#}
with installations as (
    select dim_installation_id, snapshot_month, dim_crm_account_id
    from {{ ref('rpt_product_usage_installation_monthly') }}
),

usage_metrics as (
    select metrics_path, product_stage, metric_format
    from {{ ref('dim_ping_metric') }}
    where product_stage is not null
        and metric_format in ('user_based', 'event_based', 'total_count')
),

-- A stage's section: the one most of its metrics name (2021 definitions may name an older one).
stage_sections as (
    select product_stage, product_section
    from {{ ref('dim_ping_metric') }}
    where product_stage is not null and product_section is not null
    group by product_stage, product_section
    qualify row_number() over (partition by product_stage order by count(*) desc, product_section) = 1
),

metric_values as (
    select
        installations.snapshot_month,
        installations.dim_crm_account_id,
        installations.dim_installation_id,
        usage_metrics.product_stage,
        usage_metrics.metric_format,
        monthly.metric_key_path,
        monthly.time_frame,
        monthly.monthly_metric_value
    from {{ ref('fct_ping_instance_metric_monthly') }} as monthly
    inner join usage_metrics on monthly.metric_key_path = usage_metrics.metrics_path
    inner join installations
        on monthly.dim_installation_id = installations.dim_installation_id
        and monthly.snapshot_month = installations.snapshot_month
    where monthly.monthly_metric_value is not null
),

installation_stages as (
    select
        snapshot_month,
        dim_crm_account_id,
        dim_installation_id,
        product_stage,
        max(case when monthly_metric_value > 0 then 1 else 0 end) as is_adopting,
        -- Distinct users of a stage are at least its largest 28-day user count.
        max(case when metric_format = 'user_based' and time_frame = '28d' then monthly_metric_value end)
            as stage_user_count
    from metric_values
    group by snapshot_month, dim_crm_account_id, dim_installation_id, product_stage
),

account_stages as (
    select
        snapshot_month,
        dim_crm_account_id,
        product_stage,
        count(*) as reporting_installation_count,
        cast(sum(is_adopting) as bigint) as adopting_installation_count,
        cast(sum(stage_user_count) as bigint) as stage_user_count
    from installation_stages
    group by snapshot_month, dim_crm_account_id, product_stage
),

account_metrics as (
    select
        snapshot_month,
        dim_crm_account_id,
        product_stage,
        count(distinct metric_key_path) as reported_metric_count,
        count(distinct case when monthly_metric_value > 0 then metric_key_path end) as used_metric_count
    from metric_values
    group by snapshot_month, dim_crm_account_id, product_stage
),

account_installations as (
    select snapshot_month, dim_crm_account_id, count(*) as installation_count
    from installations
    group by snapshot_month, dim_crm_account_id
),

adoption as (
    select
        account_stages.snapshot_month,
        account_stages.dim_crm_account_id,
        account_stages.product_stage,
        account_installations.installation_count,
        account_stages.reporting_installation_count,
        account_stages.adopting_installation_count,
        account_metrics.reported_metric_count,
        account_metrics.used_metric_count,
        account_stages.stage_user_count,
        account_stages.adopting_installation_count > 0 as is_stage_adopted
    from account_stages
    inner join account_metrics
        on account_stages.snapshot_month = account_metrics.snapshot_month
        and account_stages.dim_crm_account_id is not distinct from account_metrics.dim_crm_account_id
        and account_stages.product_stage = account_metrics.product_stage
    inner join account_installations
        on account_stages.snapshot_month = account_installations.snapshot_month
        and account_stages.dim_crm_account_id is not distinct from account_installations.dim_crm_account_id
)

select
    {{ hash_key(['adoption.snapshot_month', 'adoption.dim_crm_account_id', 'adoption.product_stage']) }}
        as stage_adoption_monthly_id,
    adoption.snapshot_month,
    adoption.dim_crm_account_id,
    adoption.dim_crm_account_id is not null as is_account_mapped,
    stage_sections.product_section,
    adoption.product_stage,
    adoption.installation_count,
    adoption.reporting_installation_count,
    adoption.adopting_installation_count,
    adoption.reported_metric_count,
    adoption.used_metric_count,
    adoption.stage_user_count,
    adoption.is_stage_adopted,
    cast(sum(case when adoption.is_stage_adopted then 1 else 0 end) over (
        partition by adoption.snapshot_month, adoption.dim_crm_account_id
    ) as bigint) as account_adopted_stage_count
from adoption
left join stage_sections on adoption.product_stage = stage_sections.product_stage
