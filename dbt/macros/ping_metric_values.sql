{#- Service Ping metric values: how a leaf's JSON text is typed and flagged, and which payload
    paths the metrics dictionary defines. Models call these; adapters implement them. -#}

{#- The typed columns of a leaf whose JSON text (as sent) is `value`, and the flags for a JSON
    null and a failed histogram (the numeric sentinels are flagged in prep_ping_instance_flattened). -#}
{% macro ping_metric_value_columns(value) -%}
    {{ return(adapter.dispatch('ping_metric_value_columns', 'usage_platform')(value)) }}
{%- endmacro %}

{% macro default__ping_metric_value_columns(value) -%}
    case
        when starts_with({{ value }}, '"') then 'string'
        when {{ value }} in ('true', 'false') then 'boolean'
        when {{ value }} = 'null' then 'null'
        when starts_with({{ value }}, '[') then 'array'
        when starts_with({{ value }}, '{') then 'object'
        else 'number'
    end as metric_value_type,
    case {{ value }} when 'true' then true when 'false' then false end as metric_value_boolean,
    case when starts_with({{ value }}, '"') then json_extract_string({{ value }}, '$') end as metric_value_string,
    {{ value }} = 'null' as is_null_value,
    {{ value }} = '{"-1":-1}' as is_failed_histogram
{%- endmacro %}


{#- One row per payload path the dictionary defines: (payload_path, key_path, time_frame). A
    definition with several time frames is sent once per frame, as <key_path>_monthly (28d),
    <key_path>_weekly (7d) and <key_path> (all); when a path is both a key path and another's
    suffixed form, the definition with that very key path wins. -#}
{% macro ping_dictionary_payload_paths(dictionary) -%}
    {{ return(adapter.dispatch('ping_dictionary_payload_paths', 'usage_platform')(dictionary)) }}
{%- endmacro %}

{% macro default__ping_dictionary_payload_paths(dictionary) -%}
    select payload_path, key_path, time_frame, value_type
    from (
        select
            key_path || case when len(time_frames) > 1 then
                case frame when '28d' then '_monthly' when '7d' then '_weekly' else '' end
            else '' end as payload_path,
            key_path,
            coalesce(frame, time_frame) as time_frame,
            value_type
        from {{ dictionary }},
            unnest(case when len(time_frames) > 1 then time_frames else [null] end) as frames (frame)
    )
    qualify row_number() over (partition by payload_path order by payload_path = key_path desc, key_path) = 1
{%- endmacro %}
