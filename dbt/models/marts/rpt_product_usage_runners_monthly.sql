{#- CI runner counts per installation and month, from the installation's last ping of the month.
    The runner counters are point-in-time totals although their definitions say time_frame all,
    so the value in the ping is what counts (not an increase). Only the runner paths are read from
    the metric fact. -#}
{%- set runner_metrics = {
    'ci_runner_count': 'counts.ci_runners',
    'instance_runner_active_count': 'counts.ci_runners_instance_type_active',
    'group_runner_active_count': 'counts.ci_runners_group_type_active',
    'project_runner_active_count': 'counts.ci_runners_project_type_active',
} %}
with installations as (
    select * from {{ ref('rpt_product_usage_installation_monthly') }}
),

runner_values as (
    select dim_ping_instance_id, metrics_path, metric_value_number, has_timed_out
    from {{ ref('fct_ping_instance_metric') }}
    where metrics_path in (
        {%- for path in runner_metrics.values() %}'{{ path }}'{{ ', ' if not loop.last }}{% endfor -%}
    )
),

runners as (
    select
        installations.snapshot_month,
        installations.dim_installation_id,
        installations.dim_ping_instance_id,
        installations.uuid,
        installations.hostname,
        installations.delivery_type,
        installations.installation_type,
        installations.dim_crm_account_id,
        installations.is_account_mapped,
        {%- for column, path in runner_metrics.items() %}
        max(case when runner_values.metrics_path = '{{ path }}' then runner_values.metric_value_number end)
            as {{ column }},
        {%- endfor %}
        count(runner_values.metrics_path) > 0 as has_runner_metrics,
        coalesce(max(case when runner_values.has_timed_out then 1 else 0 end), 0) = 1 as has_runner_timeout
    from installations
    left join runner_values on installations.dim_ping_instance_id = runner_values.dim_ping_instance_id
    group by
        installations.snapshot_month,
        installations.dim_installation_id,
        installations.dim_ping_instance_id,
        installations.uuid,
        installations.hostname,
        installations.delivery_type,
        installations.installation_type,
        installations.dim_crm_account_id,
        installations.is_account_mapped
),

with_previous as (
    select
        *,
        instance_runner_active_count + group_runner_active_count + project_runner_active_count
            as active_runner_count,
        lag(snapshot_month) over (partition by dim_installation_id order by snapshot_month) as previous_month,
        lag(ci_runner_count) over (partition by dim_installation_id order by snapshot_month)
            as previous_ci_runner_count
    from runners
)

select
    {{ hash_key(['dim_installation_id', 'snapshot_month']) }} as runner_monthly_id,
    snapshot_month,
    dim_installation_id,
    dim_ping_instance_id,
    uuid,
    hostname,
    delivery_type,
    installation_type,
    dim_crm_account_id,
    is_account_mapped,
    {%- for column in runner_metrics %}
    cast({{ column }} as bigint) as {{ column }},
    {%- endfor %}
    cast(active_runner_count as bigint) as active_runner_count,
    has_runner_metrics,
    has_runner_timeout,
    case
        when previous_month = cast({{ dbt.dateadd('month', -1, 'snapshot_month') }} as date)
            then cast(ci_runner_count - previous_ci_runner_count as bigint)
    end as ci_runner_count_change
from with_previous
