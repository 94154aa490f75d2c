{#- GitLab's "Data Pipeline Health": per day and key table, the rows inserted and updated and the
    table's size, from what each materialization reported. Key tables are those of the layers
    with a freshness policy: the raw sources, the marts and the pumps. Raw tables only ever
    append, so their updated rows are 0; elsewhere inserted and updated rows are what the asset
    reported (null when it reported none). -#}
with materializations as (
    select
        cast(materialized_at as date) as materialized_date,
        asset_key,
        asset_layer,
        storage_id,
        materialized_at,
        succeeded,
        row_count,
        rows_inserted,
        rows_updated
    from {{ source('trusted_data', 'asset_materializations') }}
    where asset_layer in ('raw', 'marts', 'pumps')
),

daily as (
    select
        materialized_date,
        asset_key,
        max(asset_layer) as asset_layer,
        sum(case when succeeded then 1 else 0 end) as materialization_count,
        sum(case when not succeeded then 1 else 0 end) as failed_materialization_count,
        sum(rows_inserted) as rows_inserted,
        sum(rows_updated) as rows_updated
    from materializations
    group by materialized_date, asset_key
),

day_end_counts as (
    -- The table's size at the end of each day it reported one, and at the end of the day before
    -- that it reported one.
    select
        materialized_date,
        asset_key,
        row_count,
        lag(row_count) over (partition by asset_key order by materialized_date) as previous_row_count
    from (
        select
            materialized_date,
            asset_key,
            row_count,
            row_number() over (
                partition by asset_key, materialized_date order by materialized_at desc, storage_id desc
            ) as recency
        from materializations
        where row_count is not null
    ) counted
    where recency = 1
),

with_counts as (
    select
        daily.*,
        day_end_counts.row_count,
        day_end_counts.previous_row_count
    from daily
    left join day_end_counts
        on daily.asset_key = day_end_counts.asset_key
        and daily.materialized_date = day_end_counts.materialized_date
)

select
    {{ hash_key(['materialized_date', 'asset_key']) }} as pipeline_health_id,
    materialized_date,
    asset_key,
    asset_layer,
    cast(materialization_count as bigint) as materialization_count,
    cast(failed_materialization_count as bigint) as failed_materialization_count,
    cast(rows_inserted as bigint) as rows_inserted,
    cast(case when asset_layer = 'raw' then coalesce(rows_updated, 0) else rows_updated end as bigint)
        as rows_updated,
    cast(row_count as bigint) as row_count,
    cast(row_count - previous_row_count as bigint) as row_count_change
from with_counts
