{#- A model's schema is its layer (prep, common, marts, pumps), exactly as configured:
    the Dagster asset key is [schema, table], so the name must not depend on the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
