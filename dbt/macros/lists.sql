{#- List (array) functions, named once here because each warehouse spells them differently. -#}

{#- The distinct elements in ascending order: a stable form to compare and to join. -#}
{% macro list_sorted_distinct(expression) -%}
    {{ return(adapter.dispatch('list_sorted_distinct', 'usage_platform')(expression)) }}
{%- endmacro %}

{% macro default__list_sorted_distinct(expression) -%}
    list_sort(list_distinct({{ expression }}))
{%- endmacro %}

{#- Whether the list holds the value (false for a null list). -#}
{% macro list_has(list_expression, value) -%}
    {{ return(adapter.dispatch('list_has', 'usage_platform')(list_expression, value)) }}
{%- endmacro %}

{% macro default__list_has(list_expression, value) -%}
    coalesce(list_contains({{ list_expression }}, {{ value }}), false)
{%- endmacro %}

{#- The elements joined into one text with the separator. -#}
{% macro list_join(list_expression, separator) -%}
    {{ return(adapter.dispatch('list_join', 'usage_platform')(list_expression, separator)) }}
{%- endmacro %}

{% macro default__list_join(list_expression, separator) -%}
    array_to_string({{ list_expression }}, {{ separator }})
{%- endmacro %}

{#- The element at a 1-based position (null past the end). -#}
{% macro list_at(list_expression, position) -%}
    {{ return(adapter.dispatch('list_at', 'usage_platform')(list_expression, position)) }}
{%- endmacro %}

{% macro default__list_at(list_expression, position) -%}
    ({{ list_expression }})[{{ position }}]
{%- endmacro %}
