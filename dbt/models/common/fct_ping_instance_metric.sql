{{ config(materialized='view') }}
{#- The Service Ping metric fact: one row per ping x leaf path of its payload (every leaf, the
    dictionary's or not), typed and flagged, linked to the metrics dictionary. A view over
    prep_ping_instance_flattened: the typing reads the JSON text as sent, and the dictionary
    link follows the dictionary as it is now (a definition added later makes older rows known).
    Dictionary paths: a key_path itself, its time-frame forms (<key_path>_monthly / _weekly) for
    multi-time-frame definitions, and any leaf under a key_path of value_type object. -#}
{%- set object_key_paths = [] %}
{%- if execute %}
    {%- set query %}
        select key_path from {{ ref('prep_ping_metric') }} where value_type = 'object' order by length(key_path) desc, key_path
    {%- endset %}
    {%- set object_key_paths = run_query(query).columns[0].values() %}
{%- endif %}

with metrics as (
    select * from {{ ref('prep_ping_instance_flattened') }}
),

dictionary_paths as (
    {{ ping_dictionary_payload_paths(ref('prep_ping_metric')) }}
),

linked as (
    select
        metrics.*,
        coalesce(
            dictionary_paths.key_path
            {%- if object_key_paths %},
            -- A leaf inside an object-valued metric (the deepest one wins).
            case
                {%- for key_path in object_key_paths %}
                when starts_with(metrics.metrics_path, {{ ping_sql_string(key_path ~ '.') }}) then {{ ping_sql_string(key_path) }}
                {%- endfor %}
            end
            {%- endif %}
        ) as metric_key_path,
        dictionary_paths.time_frame as metric_time_frame
    from metrics
    left join dictionary_paths on metrics.metrics_path = dictionary_paths.payload_path
)

select
    dim_ping_instance_id,
    metrics_path,
    metric_key_path,
    metric_key_path is not null as is_known_metric,
    metric_time_frame,
    metric_value,
    metric_value_number,
    {{ ping_metric_value_columns('metric_value') }},
    has_timed_out,
    has_counter_error,
    is_deprecated_value,
    _loaded_at,
    _dbt_invocation_id
from linked
