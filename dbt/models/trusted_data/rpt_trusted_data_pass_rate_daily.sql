{#- Check pass rate per day and layer: every evaluation of the day counts (a check evaluated
    twice counts twice), so the rate is the share of evaluations that passed. Executions that
    were never evaluated (in progress, or their run ended first) are not evaluations. -#}
with evaluations as (
    select
        cast(evaluated_at as date) as evaluation_date,
        asset_layer,
        asset_key,
        passed,
        severity,
        blocking
    from {{ source('trusted_data', 'check_results') }}
    where outcome in ('passed', 'failed')
),

daily as (
    select
        evaluation_date,
        asset_layer,
        count(*) as evaluation_count,
        sum(case when passed then 1 else 0 end) as passed_count,
        sum(case when not passed then 1 else 0 end) as failed_count,
        sum(case when not passed and severity = 'ERROR' then 1 else 0 end) as failed_error_count,
        sum(case when not passed and severity = 'WARN' then 1 else 0 end) as failed_warn_count,
        sum(case when not passed and blocking then 1 else 0 end) as failed_blocking_count,
        count(distinct asset_key) as checked_asset_count
    from evaluations
    group by evaluation_date, asset_layer
)

select
    {{ hash_key(['evaluation_date', 'asset_layer']) }} as pass_rate_daily_id,
    evaluation_date,
    asset_layer,
    cast(evaluation_count as bigint) as evaluation_count,
    cast(passed_count as bigint) as passed_count,
    cast(failed_count as bigint) as failed_count,
    cast(failed_error_count as bigint) as failed_error_count,
    cast(failed_warn_count as bigint) as failed_warn_count,
    cast(failed_blocking_count as bigint) as failed_blocking_count,
    cast(checked_asset_count as bigint) as checked_asset_count,
    cast(passed_count as double) / evaluation_count as pass_rate
from daily
