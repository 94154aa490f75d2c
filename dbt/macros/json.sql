{#- JSON access differs between warehouses; models call these, adapters implement them.
    `path` is a dotted key path (e.g. 'license_md5' or 'counts.ci_builds'). -#}

{% macro json_path(key_path) -%}
    {#- '$."a"."b"': each segment quoted, so keys with odd characters still match -#}
    '$."{{ key_path.split('.') | join('"."') }}"'
{%- endmacro %}

{% macro json_text(column, key_path) -%}
    {{ return(adapter.dispatch('json_text', 'usage_platform')(column, key_path)) }}
{%- endmacro %}

{% macro default__json_text(column, key_path) -%}
    ({{ column }} ->> {{ json_path(key_path) }})
{%- endmacro %}

{% macro json_value(column, key_path) -%}
    {{ return(adapter.dispatch('json_value', 'usage_platform')(column, key_path)) }}
{%- endmacro %}

{% macro default__json_value(column, key_path) -%}
    ({{ column }} -> {{ json_path(key_path) }})
{%- endmacro %}

{#- A whole number from a JSON field; anything that is not one becomes null. -#}
{% macro json_integer(column, key_path) -%}
    try_cast({{ json_text(column, key_path) }} as bigint)
{%- endmacro %}

{#- An ISO-8601 timestamp with offset, as UTC without time zone. -#}
{% macro to_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'usage_platform')(expression)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(expression) -%}
    (try_cast({{ expression }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{#- The texts of several fields in one parse, as a list in the order given (a field absent or JSON
    null gives null): `json_text` parses the document once per call, which for large payloads costs
    a parse per field. Index the result with list_at (lists.sql). -#}
{% macro json_texts(column, key_paths) -%}
    {{ return(adapter.dispatch('json_texts', 'usage_platform')(column, key_paths)) }}
{%- endmacro %}

{% macro default__json_texts(column, key_paths) -%}
    json_extract_string({{ column }}, [{% for key_path in key_paths %}{{ json_path(key_path) }}{{ ", " if not loop.last }}{% endfor %}])
{%- endmacro %}
