{#- Test coverage by layer and source system: how many assets carry checks, how many checks are
    defined, and how the latest evaluation of each current check came out. An asset fed by
    several source systems counts under each of them; one no raw table feeds under "none".
    Only the checks defined now count (asset_checks): a removed check's old results do not. -#}
with catalog as (
    select * from {{ source('trusted_data', 'asset_catalog') }}
),

checks as (
    select * from {{ source('trusted_data', 'asset_checks') }}
),

evaluations as (
    select
        asset_key,
        check_name,
        passed,
        row_number() over (
            partition by asset_key, check_name order by evaluated_at desc, execution_id desc
        ) as recency
    from {{ source('trusted_data', 'check_results') }}
    where outcome in ('passed', 'failed')
),

checks_per_asset as (
    select
        checks.asset_key,
        count(*) as check_count,
        sum(case when checks.blocking then 1 else 0 end) as blocking_check_count,
        sum(case when evaluations.asset_key is not null then 1 else 0 end) as evaluated_check_count,
        sum(case when evaluations.passed then 1 else 0 end) as passed_check_count,
        sum(case when not evaluations.passed then 1 else 0 end) as failed_check_count
    from checks
    left join evaluations
        on checks.asset_key = evaluations.asset_key
        and checks.check_name = evaluations.check_name
        and evaluations.recency = 1
    group by checks.asset_key
),

coverage as (
    select
        catalog.asset_layer,
        catalog.source_system,
        count(*) as asset_count,
        sum(case when checks_per_asset.check_count > 0 then 1 else 0 end) as tested_asset_count,
        sum(coalesce(checks_per_asset.check_count, 0)) as check_count,
        sum(coalesce(checks_per_asset.blocking_check_count, 0)) as blocking_check_count,
        sum(coalesce(checks_per_asset.evaluated_check_count, 0)) as evaluated_check_count,
        sum(coalesce(checks_per_asset.passed_check_count, 0)) as passed_check_count,
        sum(coalesce(checks_per_asset.failed_check_count, 0)) as failed_check_count,
        max(catalog.catalogued_at) as catalogued_at
    from catalog
    left join checks_per_asset on catalog.asset_key = checks_per_asset.asset_key
    group by catalog.asset_layer, catalog.source_system
)

select
    {{ hash_key(['asset_layer', 'source_system']) }} as test_coverage_id,
    asset_layer,
    source_system,
    cast(asset_count as bigint) as asset_count,
    cast(tested_asset_count as bigint) as tested_asset_count,
    cast(tested_asset_count as double) / asset_count as test_coverage_share,
    cast(check_count as bigint) as check_count,
    cast(blocking_check_count as bigint) as blocking_check_count,
    cast(evaluated_check_count as bigint) as evaluated_check_count,
    cast(passed_check_count as bigint) as passed_check_count,
    cast(failed_check_count as bigint) as failed_check_count,
    catalogued_at
from coverage
