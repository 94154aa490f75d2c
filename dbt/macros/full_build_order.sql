{% macro full_build_order_by(incremental, columns) -%}
{#- The order a full build stores an incremental model's rows in, as an ORDER BY (nothing on an
    incremental run). A model replaced per month by delete+insert is stored month after month, as
    its incremental runs append it: a full build would otherwise mix every month in each of
    DuckDB's row groups, so the first delivery's delete of the current month would touch them all
    and its checkpoint rewrite the whole table (at 10,000 instances about 3 s of that delivery:
    bench/README.md, round 9). Row groups of one month also let a filter on the month skip the
    others (zone maps; on Snowflake, micro-partitions). -#}
{%- if not incremental %}
order by {{ columns | join(', ') }}
{%- endif %}
{%- endmacro %}
