{#- GitLab.com's namespace-level Service Ping, rebuilt in SQL from the gitlab_dotcom tables: one
    row per ultimate parent namespace x counter x snapshot date with the counter's value, for
    every month of the data. The counters are data (seed saas_usage_ping_counters): which
    activity of prep_namespace_activity each counts, over which time frame, and whether it
    counts distinct users or rows.
    - Snapshot date (ping_date): the month's last day, or for the month of the data's last day
      (the latest activity in the export) that day. Months run from the first month with any
      activity to that last month.
    - 28d counters count what happened in the 28 days ending on the snapshot date (inclusive);
      all-time counters everything up to it; `none` (state) counters what exists on it.
    - `user` counters count distinct active human users (prep_gitlab_dotcom_user); bots and
      blocked or deactivated users never count. `event` counters count rows, whoever acted.
    Ultimate parents that are groups get every counter in every month from their creation, zero
    included; personal namespaces (tens of millions on GitLab.com) only their non-zero counters. -#}
with recursive counters as (
    select metrics_path, activity_name, time_frame, aggregation
    from {{ ref('saas_usage_ping_counters') }}
),

activity as (
    select ultimate_parent_namespace_id, activity_name, activity_id, dim_user_id, is_active_human_user, activity_date
    from {{ ref('prep_namespace_activity') }}
),

bounds as (
    select
        cast({{ dbt.date_trunc('month', 'min(activity_date)') }} as date) as first_month,
        max(activity_date) as horizon_date
    from activity
),

months (snapshot_month) as (
    select first_month
    from bounds
    where first_month is not null
    union all
    select cast({{ dbt.dateadd('month', 1, 'months.snapshot_month') }} as date)
    from months
    cross join bounds
    where months.snapshot_month < cast({{ dbt.date_trunc('month', 'bounds.horizon_date') }} as date)
),

snapshots as (
    select
        months.snapshot_month,
        least({{ dbt.last_day('months.snapshot_month', 'month') }}, bounds.horizon_date) as ping_date
    from months
    cross join bounds
),

windows as (
    select
        snapshot_month,
        ping_date,
        cast({{ dbt.dateadd('day', -27, 'ping_date') }} as date) as window_start_date
    from snapshots
),

counted as (
    select
        activity.ultimate_parent_namespace_id,
        counters.metrics_path,
        counters.time_frame,
        activity.activity_date,
        case when counters.aggregation = 'user' then activity.dim_user_id else activity.activity_id end as subject_id
    from activity
    inner join counters on activity.activity_name = counters.activity_name
    where counters.aggregation = 'event' or activity.is_active_human_user
),

window_values as (
    select
        counted.ultimate_parent_namespace_id,
        counted.metrics_path,
        windows.snapshot_month,
        count(distinct counted.subject_id) as counter_value
    from counted
    inner join windows
        on counted.activity_date >= windows.window_start_date
        and counted.activity_date <= windows.ping_date
    where counted.time_frame = '28d'
    group by 1, 2, 3
),

-- all-time and state counters: each user or row counts from the month it first appears
first_seen as (
    select ultimate_parent_namespace_id, metrics_path, subject_id, min(activity_date) as first_date
    from counted
    where time_frame <> '28d'
    group by 1, 2, 3
),

new_per_month as (
    select
        ultimate_parent_namespace_id,
        metrics_path,
        cast({{ dbt.date_trunc('month', 'first_date') }} as date) as snapshot_month,
        count(*) as new_subjects
    from first_seen
    group by 1, 2, 3
),

namespaces as (
    select dim_namespace_id, namespace_type, cast(created_at as date) as created_date
    from {{ ref('prep_namespace') }}
    where namespace_is_ultimate_parent
        and (
            namespace_type = 'Group'
            or dim_namespace_id in (select ultimate_parent_namespace_id from activity)
        )
),

grid as (
    select
        namespaces.dim_namespace_id as ultimate_parent_namespace_id,
        namespaces.namespace_type,
        namespaces.created_date,
        counters.metrics_path,
        counters.time_frame,
        snapshots.snapshot_month,
        snapshots.ping_date
    from namespaces
    cross join counters
    cross join snapshots
),

valued as (
    select
        grid.*,
        case
            when grid.time_frame = '28d' then coalesce(window_values.counter_value, 0)
            else sum(coalesce(new_per_month.new_subjects, 0)) over (
                partition by grid.ultimate_parent_namespace_id, grid.metrics_path
                order by grid.snapshot_month
                rows between unbounded preceding and current row
            )
        end as counter_value
    from grid
    left join window_values
        on grid.ultimate_parent_namespace_id = window_values.ultimate_parent_namespace_id
        and grid.metrics_path = window_values.metrics_path
        and grid.snapshot_month = window_values.snapshot_month
    left join new_per_month
        on grid.ultimate_parent_namespace_id = new_per_month.ultimate_parent_namespace_id
        and grid.metrics_path = new_per_month.metrics_path
        and grid.snapshot_month = new_per_month.snapshot_month
)

select
    {{ hash_key(['ultimate_parent_namespace_id', 'metrics_path', 'ping_date']) }} as saas_usage_ping_namespace_id,
    ultimate_parent_namespace_id,
    metrics_path as ping_name,
    time_frame,
    snapshot_month,
    ping_date,
    cast(counter_value as bigint) as counter_value
from valued
where counter_value > 0
    or (namespace_type = 'Group' and ping_date >= coalesce(created_date, ping_date))
