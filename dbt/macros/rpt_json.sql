{#- JSON arrays the reports read from Service Ping leaves (prep_ping_instance_flattened keeps an
    array as one leaf: its JSON text). Models call these; adapters implement them. -#}

{#- Number of elements of a JSON array held as text; null when the text is not an array. -#}
{% macro rpt_json_array_length(json_text) -%}
    {{ return(adapter.dispatch('rpt_json_array_length', 'usage_platform')(json_text)) }}
{%- endmacro %}

{% macro default__rpt_json_array_length(json_text) -%}
    (case when json_type(cast({{ json_text }} as json)) = 'ARRAY' then cast(json_array_length(cast({{ json_text }} as json)) as bigint) end)
{%- endmacro %}

{#- Sum of the numeric `field` of the objects in a JSON array held as text (e.g. node_cpus of
    topology.nodes); null when the text is not an array, no element has the field, or one of the
    values is not a number. -#}
{% macro rpt_json_array_field_sum(json_text, field) -%}
    {{ return(adapter.dispatch('rpt_json_array_field_sum', 'usage_platform')(json_text, field)) }}
{%- endmacro %}

{% macro default__rpt_json_array_field_sum(json_text, field) -%}
    (case when json_type(cast({{ json_text }} as json)) = 'ARRAY'
        then list_sum(try_cast(json_extract(cast({{ json_text }} as json), '$[*]."{{ field }}"') as double[]))
    end)
{%- endmacro %}
