{#- One row per ping x metric key path of the metrics dictionary that the ping carries.
    The dictionary gives the paths, so no schema inference over the payloads is needed.
    A JSON null is kept (metric_value = 'null'); a path the ping does not carry has no row.
    Sentinels are flagged and never counted as values. -#}
with metric_paths as (
    select
        list(key_path order by key_path) as key_paths,
        list('$."' || replace(key_path, '.', '"."') || '"' order by key_path) as json_paths
    from {{ ref('prep_ping_metric') }}
),

extracted as (
    select
        payloads.dim_ping_instance_id,
        unnest(metric_paths.key_paths) as metrics_path,
        unnest(json_extract(payloads.payload, metric_paths.json_paths)) as metric_value
    from {{ ref('prep_ping_payload') }} as payloads
    cross join metric_paths
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
