{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['dim_installation_id', 'snapshot_month'],
    on_schema_change='fail',
    delete_only_where='metrics_path is null',
    post_hook="{% if target.type != 'duckdb' %}delete from {{ this }} where metrics_path is null{% endif %}",
) }}
{#- Monthly metric values per installation: the installation's latest ping of the month gives the
    value; what a month is worth depends on the metric's time frame (GitLab's rule):
    - 28d, 7d and none (settings, licence fields): the value in the month's last ping;
    - all (all-time counters): the difference from the previous monthly ping's value, never
      negative (a counter that went down - restored from a backup - counts as 0 for the month);
      null when there is no earlier ping to compare with.
    Timed-out (-1) and other sentinel values are null values, so they are never counted, and the
    previous value skips them. Only numeric metrics the dictionary knows are included.

    Incremental: a month of an installation is rebuilt when its last ping is new (flattened after
    the newest ping here: a new ping, or one flattened again) or is not the one the table holds
    (the table's ping is no longer the last, or the month has no ping any more); every later month
    of that installation is rebuilt with it (an all-time value depends on the months before). The
    value before the first rebuilt month is read from the table. Rows are replaced per
    installation x month (delete+insert): each rebuilt month the table holds also gets a row
    without metrics_path, so that its held rows are deleted even when the month has no row any
    more. On DuckDB those rows only delete (delete_only_where, dbt/macros/delete_insert.sql);
    elsewhere the adapter's delete+insert inserts them too, and the post-hook deletes them. -#}
{%- set watermark = incremental_watermark('_loaded_at') %}
{%- set incremental = watermark.incremental %}
{%- set loaded_after = watermark.loaded_after %}

with monthly_pings as (
    select dim_ping_instance_id, dim_installation_id, snapshot_month, ping_created_at
    from {{ ref('dim_ping_instance') }}
    where is_last_ping_of_month
),
{%- if incremental %}

held_months as (
    select
        dim_installation_id,
        snapshot_month,
        any_value(dim_ping_instance_id) as dim_ping_instance_id,
        any_value(ping_created_at) as ping_created_at
    from {{ this }}
    group by dim_installation_id, snapshot_month
),

changed_months as (
    select coalesce(now.dim_installation_id, held.dim_installation_id) as dim_installation_id,
        coalesce(now.snapshot_month, held.snapshot_month) as snapshot_month
    from monthly_pings as now
    full join held_months as held
        on now.dim_installation_id = held.dim_installation_id and now.snapshot_month = held.snapshot_month
    where held.dim_installation_id is not null and (
            now.dim_installation_id is null
            or now.dim_ping_instance_id <> held.dim_ping_instance_id
            or now.ping_created_at is distinct from held.ping_created_at
        )
        {%- if loaded_after is not none %}
        or now.dim_ping_instance_id in (
            -- distinct: a ping has hundreds of rows, and this list is probed for every month
            select distinct dim_ping_instance_id
            from {{ ref('fct_ping_instance_metric') }}
            where _loaded_at > {{ loaded_after }}
        )
        {%- else %}
        or held.dim_installation_id is null
        {%- endif %}
),

-- Each installation is rebuilt from its first changed month on.
rebuilt_from as (
    select dim_installation_id, min(snapshot_month) as from_month
    from changed_months
    group by dim_installation_id
),

-- The latest value before the rebuilt months, as the table holds it.
earlier_values as (
    select
        held.dim_installation_id,
        held.metrics_path,
        arg_max(held.metric_value, held.snapshot_month) as previous_metric_value
    from {{ this }} as held
    inner join rebuilt_from
        on held.dim_installation_id = rebuilt_from.dim_installation_id
        and held.snapshot_month < rebuilt_from.from_month
    where held.metric_value is not null
    group by held.dim_installation_id, held.metrics_path
),
{%- endif %}

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
        facts.has_timed_out,
        facts._loaded_at
    from {{ ref('fct_ping_instance_metric') }} as facts
    inner join monthly_pings on facts.dim_ping_instance_id = monthly_pings.dim_ping_instance_id
    {%- if incremental %}
    inner join rebuilt_from
        on monthly_pings.dim_installation_id = rebuilt_from.dim_installation_id
        and monthly_pings.snapshot_month >= rebuilt_from.from_month
    {%- endif %}
    where facts.is_known_metric and (facts.metric_value_number is not null or facts.has_timed_out)
),

with_previous as (
    select
        metrics.*,
        {% if incremental -%} coalesce( {%- endif %}
        last_value(metrics.metric_value_number ignore nulls) over (
            partition by metrics.dim_installation_id, metrics.metrics_path
            order by metrics.snapshot_month
            rows between unbounded preceding and 1 preceding
        )
        {%- if incremental %}, earlier_values.previous_metric_value) {%- endif %} as previous_metric_value
    from metrics
    {%- if incremental %}
    left join earlier_values
        on metrics.dim_installation_id = earlier_values.dim_installation_id
        and metrics.metrics_path = earlier_values.metrics_path
    {%- endif %}
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
    has_timed_out,
    _loaded_at,
    '{{ invocation_id }}' as _dbt_invocation_id
from with_previous
{{- full_build_order_by(incremental, ['snapshot_month']) }}
{%- if incremental %}

union all

select
    null as ping_instance_metric_monthly_id,
    held.dim_installation_id,
    held.snapshot_month,
    held.dim_ping_instance_id,
    null as ping_created_at,
    null as metrics_path,
    null as metric_key_path,
    null as time_frame,
    null as metric_value,
    null as previous_metric_value,
    null as monthly_metric_value,
    null as has_timed_out,
    null as _loaded_at,
    '{{ invocation_id }}' as _dbt_invocation_id
from held_months as held
inner join rebuilt_from
    on held.dim_installation_id = rebuilt_from.dim_installation_id
    and held.snapshot_month >= rebuilt_from.from_month
{%- endif %}
