{#- A product group, stage or section name in the form today's definitions use: `code_review`.
    Early 2021 definitions wrote `group::code review` (and stages like `devops::create`). -#}
{% macro normalised_group_name(expression) -%}
    nullif(replace(lower(trim(regexp_replace({{ expression }}, '^.*::', ''))), ' ', '_'), '')
{%- endmacro %}
