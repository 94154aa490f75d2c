{#- The columns of prep_ping_instance_flattened, from (dim_ping_instance_id, metrics_path,
    metric_value, _loaded_at) rows: the model and its post-hook (ping_expand_objects) both type
    leaves with it. Service Ping sentinels are flags, never values: -1 timed out, -2 counter
    error, -1000 deprecated, so metric_value_number is null for them. -#}
{% macro prep_ping_instance_flattened_columns() -%}
    {{ return(adapter.dispatch('prep_ping_instance_flattened_columns', 'usage_platform')()) }}
{%- endmacro %}

{% macro default__prep_ping_instance_flattened_columns() -%}
    dim_ping_instance_id,
    metrics_path,
    metric_value::varchar as metric_value,
    case when try_cast(metric_value::varchar as double) not in (-1, -2, -1000)
        then try_cast(metric_value::varchar as double) end as metric_value_number,
    coalesce(try_cast(metric_value::varchar as double) = -1, false) as has_timed_out,
    coalesce(try_cast(metric_value::varchar as double) = -2, false) as has_counter_error,
    coalesce(try_cast(metric_value::varchar as double) = -1000, false) as is_deprecated_value,
    _loaded_at,
    '{{ invocation_id }}' as _dbt_invocation_id
{%- endmacro %}
