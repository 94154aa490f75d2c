{#- Regular expressions: the function names differ between warehouses. Patterns are RE2-style;
    `(?i)` at the start makes one case-insensitive. -#}

{#- Whether the pattern matches anywhere in the text. -#}
{% macro regex_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'usage_platform')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}

{#- The text the pattern's capture `group` matched (0: the whole match); null when nothing matched. -#}
{% macro regex_extract(expression, pattern, group=0) -%}
    {{ return(adapter.dispatch('regex_extract', 'usage_platform')(expression, pattern, group)) }}
{%- endmacro %}

{% macro default__regex_extract(expression, pattern, group) -%}
    nullif(regexp_extract({{ expression }}, {{ pattern }}, {{ group }}), '')
{%- endmacro %}
