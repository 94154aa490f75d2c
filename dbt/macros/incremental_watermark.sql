{% macro incremental_watermark(column='_loaded_at') %}
{#- For an incremental model that keeps `column` (when its rows were loaded into raw):
    `incremental` is true on an incremental run over a table that holds the column, and
    `loaded_after` is the newest value held, as a SQL timestamp literal (none when the table is
    empty or the run is not incremental). A table built before the column existed is read as not
    incremental, and the model's on_schema_change='fail' then asks for a full refresh. -#}
{%- set watermark = {'incremental': false, 'loaded_after': none} %}
{%- if execute and is_incremental() %}
    {%- set held_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
    {%- if column in held_columns %}
        {%- set newest = run_query("select max(" ~ column ~ ")::varchar from " ~ this).columns[0].values()[0] %}
        {%- do watermark.update({'incremental': true}) %}
        {%- if newest %}
            {%- do watermark.update({'loaded_after': "timestamp '" ~ newest ~ "'"}) %}
        {%- endif %}
    {%- endif %}
{%- endif %}
{{ return(watermark) }}
{% endmacro %}
