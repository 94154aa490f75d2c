{#- One row per ping x metric key path of the metrics dictionary that the ping carries.
    The dictionary gives the paths, so no schema inference over the payloads is needed.
    A JSON null is kept (metric_value = 'null'); a path the ping does not carry has no row.
    Sentinels are flagged and never counted as values. -#}
-- depends_on: {{ ref('prep_ping_metric') }}
-- depends_on: {{ ref('prep_ping_payload') }}
{%- set key_paths = metric_key_paths() %}
with extracted as (
    {%- if key_paths %}
    select
        dim_ping_instance_id,
        unnest([
            {%- for key_path in key_paths %}'{{ key_path }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        ]) as metrics_path,
        unnest(json_extract(payload, [
            {%- for key_path in key_paths %}{{ json_path(key_path) }}{% if not loop.last %}, {% endif %}{% endfor -%}
        ])) as metric_value
    from {{ ref('prep_ping_payload') }}
    {%- else %}
    select null::varchar as dim_ping_instance_id, null::varchar as metrics_path, null::json as metric_value
    where false
    {%- endif %}
),

typed as (
    select
        dim_ping_instance_id,
        metrics_path,
        metric_value,
        json_type(metric_value) in ('BIGINT', 'UBIGINT', 'DOUBLE') as is_number,
        try_cast(metric_value as double) as number_value
    from extracted
    where metric_value is not null
)

select
    {{ hash_key(['dim_ping_instance_id', 'metrics_path']) }} as ping_instance_metric_id,
    dim_ping_instance_id,
    metrics_path,
    cast(metric_value as varchar) as metric_value,
    case when is_number and number_value not in (-1, -2, -1000) then number_value end as metric_value_number,
    is_number and number_value = -1 as has_timed_out,
    is_number and number_value = -2 as has_counter_error,
    is_number and number_value = -1000 as is_deprecated_value
from typed
