{#- Installations by installation type (omnibus-gitlab, helm-charts, gitlab-operator, docker,
    source, ...) per month, from each installation's last ping of the month. Every type seen in
    any month has a row in every month with pings (zero when no installation has it then), so the
    month-over-month change of each type reads off consecutive rows. A ping without
    installation_type is counted under a null type. -#}
with installations as (
    select * from {{ ref('rpt_product_usage_installation_monthly') }}
),

months as (
    select distinct snapshot_month from installations
),

installation_types as (
    select distinct installation_type from installations
),

counts as (
    select
        snapshot_month,
        installation_type,
        count(*) as installation_count,
        cast(sum(case when delivery_type = 'Self-Managed' then 1 else 0 end) as bigint)
            as self_managed_installation_count,
        cast(sum(case when product_tier in ('Starter', 'Premium', 'Ultimate') then 1 else 0 end) as bigint)
            as paid_tier_installation_count,
        cast(sum(case when is_account_mapped then 1 else 0 end) as bigint) as account_mapped_installation_count,
        count(distinct dim_crm_account_id) as crm_account_count,
        cast(sum(active_user_count) as bigint) as active_user_count
    from installations
    group by snapshot_month, installation_type
),

grid as (
    select
        months.snapshot_month,
        installation_types.installation_type,
        coalesce(counts.installation_count, 0) as installation_count,
        coalesce(counts.self_managed_installation_count, 0) as self_managed_installation_count,
        coalesce(counts.paid_tier_installation_count, 0) as paid_tier_installation_count,
        coalesce(counts.account_mapped_installation_count, 0) as account_mapped_installation_count,
        coalesce(counts.crm_account_count, 0) as crm_account_count,
        coalesce(counts.active_user_count, 0) as active_user_count
    from months
    cross join installation_types
    left join counts
        on months.snapshot_month = counts.snapshot_month
        and installation_types.installation_type is not distinct from counts.installation_type
),

with_previous as (
    select
        *,
        lag(snapshot_month) over (partition by installation_type order by snapshot_month) as previous_month,
        lag(installation_count) over (partition by installation_type order by snapshot_month)
            as previous_installation_count
    from grid
)

select
    {{ hash_key(['snapshot_month', 'installation_type']) }} as installation_type_monthly_id,
    snapshot_month,
    installation_type,
    installation_count,
    self_managed_installation_count,
    paid_tier_installation_count,
    account_mapped_installation_count,
    crm_account_count,
    active_user_count,
    cast(installation_count as double) / sum(installation_count) over (partition by snapshot_month)
        as installation_share,
    -- Only the calendar month before counts: after a month without any ping there is no change.
    case
        when previous_month = cast({{ dbt.dateadd('month', -1, 'snapshot_month') }} as date)
            then installation_count - previous_installation_count
    end as installation_count_change
from with_previous
