{#- A surrogate key: md5 over the given expressions, nulls kept distinct from empty strings. -#}
{% macro hash_key(expressions) -%}
    md5(
        {%- for expression in expressions %}
        coalesce(cast({{ expression }} as varchar), '<null>'){% if not loop.last %} || '|' ||{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
