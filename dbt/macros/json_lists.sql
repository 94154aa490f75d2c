{#- JSON lists as warehouse lists. Metric definitions hold lists (tiers, time_frame,
    performance_indicator_type) that are sometimes written as a single string. -#}

{#- A JSON array of scalars as a list of text; a lone scalar becomes a one-element list
    (GitLab writes `time_frame: 28d` or `time_frame: [28d, 7d]`); absent, null or an object: null. -#}
{% macro json_text_list(column, key_path) -%}
    {{ return(adapter.dispatch('json_text_list', 'usage_platform')(column, key_path)) }}
{%- endmacro %}

{% macro default__json_text_list(column, key_path) -%}
    (case
        when json_type({{ json_value(column, key_path) }}) = 'ARRAY'
            then from_json({{ json_value(column, key_path) }}, '["VARCHAR"]')
        when json_type({{ json_value(column, key_path) }}) not in ('NULL', 'OBJECT')
            then [{{ json_text(column, key_path) }}]
    end)
{%- endmacro %}

{#- The text of `field` in every element of the JSON array at `array_key` (elements without it are
    skipped), e.g. the `unique` key of each of a definition's `events`. -#}
{% macro json_array_field_texts(column, array_key, field) -%}
    {{ return(adapter.dispatch('json_array_field_texts', 'usage_platform')(column, array_key, field)) }}
{%- endmacro %}

{% macro default__json_array_field_texts(column, array_key, field) -%}
    json_extract_string({{ column }}, '$."{{ array_key }}"[*]."{{ field }}"')
{%- endmacro %}
