{#- Every metric key path of the metrics dictionary, read when the model runs: the dictionary
    is the schema of the payloads, so nothing has to be inferred from them. Models using this
    must declare `-- depends_on: {{ ref('prep_ping_metric') }}`. -#}
{% macro metric_key_paths() %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {% set query %}
        select key_path from {{ ref('prep_ping_metric') }} order by key_path
    {% endset %}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}
