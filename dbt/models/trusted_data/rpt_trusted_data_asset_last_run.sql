{#- Last run and last success of every asset in the graph now, with the latest outcome of its
    current checks and of its golden-record checks (a check whose name contains "golden": the
    platform's convention for checks against golden records). A run is a materialization or a
    failed materialization; a success is a materialization. -#}
with catalog as (
    select * from {{ source('trusted_data', 'asset_catalog') }}
),

assets as (
    select
        asset_key,
        max(asset_layer) as asset_layer,
        {{ dbt.listagg('source_system', "', '", 'order by source_system') }} as source_systems,
        max(freshness_warn_hours) as freshness_warn_hours,
        max(freshness_fail_hours) as freshness_fail_hours
    from catalog
    group by asset_key
),

runs as (
    select
        asset_key,
        run_id,
        succeeded,
        materialized_at,
        row_count,
        row_number() over (partition by asset_key order by materialized_at desc, storage_id desc) as recency
    from {{ source('trusted_data', 'asset_materializations') }}
),

run_summary as (
    select
        asset_key,
        max(materialized_at) as last_run_at,
        max(case when succeeded then materialized_at end) as last_success_at,
        max(case when not succeeded then materialized_at end) as last_failure_at,
        sum(case when succeeded then 1 else 0 end) as materialization_count,
        sum(case when not succeeded then 1 else 0 end) as failed_materialization_count
    from runs
    group by asset_key
),

last_run as (
    select asset_key, run_id as last_run_id, succeeded as last_run_succeeded
    from runs
    where recency = 1
),

last_row_count as (
    select asset_key, row_count as last_row_count
    from (
        select
            asset_key,
            row_count,
            row_number() over (partition by asset_key order by materialized_at desc, storage_id desc) as recency
        from {{ source('trusted_data', 'asset_materializations') }}
        where row_count is not null
    ) counted
    where recency = 1
),

latest_evaluations as (
    select
        checks.asset_key,
        checks.check_name,
        results.passed,
        results.evaluated_at,
        lower(checks.check_name) like '%golden%' as is_golden_record_check
    from {{ source('trusted_data', 'asset_checks') }} as checks
    left join (
        select
            asset_key,
            check_name,
            passed,
            evaluated_at,
            row_number() over (
                partition by asset_key, check_name order by evaluated_at desc, execution_id desc
            ) as recency
        from {{ source('trusted_data', 'check_results') }}
        where outcome in ('passed', 'failed')
    ) as results
        on checks.asset_key = results.asset_key
        and checks.check_name = results.check_name
        and results.recency = 1
),

check_summary as (
    select
        asset_key,
        count(*) as check_count,
        max(evaluated_at) as last_checked_at,
        sum(case when passed then 1 else 0 end) as passed_check_count,
        sum(case when not passed then 1 else 0 end) as failed_check_count,
        sum(case when passed is null then 1 else 0 end) as unevaluated_check_count,
        sum(case when is_golden_record_check then 1 else 0 end) as golden_record_check_count,
        sum(case when is_golden_record_check and not passed then 1 else 0 end) as golden_record_failed_count,
        sum(case when is_golden_record_check and passed is null then 1 else 0 end)
            as golden_record_unevaluated_count
    from latest_evaluations
    group by asset_key
)

select
    assets.asset_key,
    assets.asset_layer,
    assets.source_systems,
    run_summary.last_run_at,
    last_run.last_run_id,
    last_run.last_run_succeeded,
    run_summary.last_success_at,
    run_summary.last_failure_at,
    cast(coalesce(run_summary.materialization_count, 0) as bigint) as materialization_count,
    cast(coalesce(run_summary.failed_materialization_count, 0) as bigint) as failed_materialization_count,
    last_row_count.last_row_count,
    cast(coalesce(check_summary.check_count, 0) as bigint) as check_count,
    check_summary.last_checked_at,
    cast(coalesce(check_summary.passed_check_count, 0) as bigint) as passed_check_count,
    cast(coalesce(check_summary.failed_check_count, 0) as bigint) as failed_check_count,
    cast(coalesce(check_summary.unevaluated_check_count, 0) as bigint) as unevaluated_check_count,
    case
        when coalesce(check_summary.golden_record_check_count, 0) = 0 then 'none'
        when check_summary.golden_record_failed_count > 0 then 'failed'
        when check_summary.golden_record_unevaluated_count > 0 then 'not_evaluated'
        else 'passed'
    end as golden_record_status,
    assets.freshness_warn_hours,
    assets.freshness_fail_hours
from assets
left join run_summary on assets.asset_key = run_summary.asset_key
left join last_run on assets.asset_key = last_run.asset_key
left join last_row_count on assets.asset_key = last_row_count.asset_key
left join check_summary on assets.asset_key = check_summary.asset_key
