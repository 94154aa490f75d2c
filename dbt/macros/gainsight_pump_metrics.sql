{#- The ping metrics that become pump columns, read from the seed `gainsight_pump_metrics`
    (key_path -> column_name). Models using this must declare
    `-- depends_on: {{ ref('gainsight_pump_metrics') }}` so the seed builds first. -#}
{% macro gainsight_pump_metrics() %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {% set query %}
        select key_path, column_name from {{ ref('gainsight_pump_metrics') }} order by column_name
    {% endset %}
    {% set rows = run_query(query).rows %}
    {{ return(rows) }}
{% endmacro %}
