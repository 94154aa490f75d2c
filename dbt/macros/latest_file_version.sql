{#- Rows of the latest load of each landing file. A file re-exported under the same path is
    loaded again as a new version (raw keeps every version); prep reads only the newest. -#}
{% macro latest_file_version(relation) -%}
    select *
    from {{ relation }}
    qualify _loaded_at = max(_loaded_at) over (partition by _source_file)
{%- endmacro %}
