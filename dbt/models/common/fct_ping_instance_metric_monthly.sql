{#- Monthly metric values per installation: the installation's latest ping of the month gives the
    value; what a month is worth depends on the metric's time frame (GitLab's rule):
    - 28d, 7d and none (settings, licence fields): the value in the month's last ping;
    - all (all-time counters): the difference from the previous monthly ping's value, never
      negative (a counter that went down - restored from a backup - counts as 0 for the month);
      null when there is no earlier ping to compare with.
    Timed-out (-1) and other sentinel values are null values, so they are never counted, and the
    previous value skips them. Only numeric metrics the dictionary knows are included. -#}
with monthly_pings as (
    select dim_ping_instance_id, dim_installation_id, snapshot_month, ping_created_at
    from {{ ref('dim_ping_instance') }}
    where is_last_ping_of_month
),

metrics as (
    select
        monthly_pings.dim_installation_id,
        monthly_pings.snapshot_month,
        monthly_pings.dim_ping_instance_id,
        monthly_pings.ping_created_at,
        facts.metrics_path,
        facts.metric_key_path,
        -- A multi-time-frame definition is sent as <key_path>_monthly / _weekly: the payload
        -- path's own time frame decides.
        facts.metric_time_frame as time_frame,
        facts.metric_value_number,
        facts.has_timed_out
    from {{ ref('fct_ping_instance_metric') }} as facts
    inner join monthly_pings on facts.dim_ping_instance_id = monthly_pings.dim_ping_instance_id
    where facts.is_known_metric and (facts.metric_value_number is not null or facts.has_timed_out)
),

with_previous as (
    select
        *,
        last_value(metric_value_number ignore nulls) over (
            partition by dim_installation_id, metrics_path
            order by snapshot_month
            rows between unbounded preceding and 1 preceding
        ) as previous_metric_value
    from metrics
)

select
    {{ hash_key(['dim_installation_id', 'metrics_path', 'snapshot_month']) }} as ping_instance_metric_monthly_id,
    dim_installation_id,
    snapshot_month,
    dim_ping_instance_id,
    ping_created_at,
    metrics_path,
    metric_key_path,
    time_frame,
    metric_value_number as metric_value,
    previous_metric_value,
    case
        -- (greatest() would skip a null operand: test for it first)
        when time_frame = 'all' and (metric_value_number is null or previous_metric_value is null) then null
        when time_frame = 'all' then greatest(metric_value_number - previous_metric_value, 0)
        else metric_value_number
    end as monthly_metric_value,
    has_timed_out
from with_previous
