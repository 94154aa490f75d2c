{#- Generic test: no two rows share the values of `columns` (a compound key). Fails with the
    duplicated combinations and how often each occurs.

    `written_by` (optional): the column an incremental model stamps with the dbt invocation that
    wrote each row (`_dbt_invocation_id`). In the `dbt build` that wrote rows, only those rows are
    checked, so a delivery's test reads what the delivery wrote, not the whole history. Valid only
    when the model rewrites whole keys (delete+insert on a unique_key that is part of `columns`):
    rows of two invocations then never share a combination, and earlier rows were checked by the
    build that wrote them. When the invocation wrote nothing (`dbt test` on its own, a build with
    nothing new), every row is checked. -#}
{% test unique_column_combination(model, columns, written_by=none) %}
{%- set key = columns | join(', ') %}
{%- if written_by %}
with written as (
    select {{ key }} from {{ model }} where {{ written_by }} = '{{ invocation_id }}'
),
checked as (
    select {{ key }} from written
    union all
    select {{ key }} from {{ model }} where not exists (select 1 from written)
)
{%- else %}
with checked as (
    select {{ key }} from {{ model }}
)
{%- endif %}
select {{ key }}, count(*) as occurrences
from checked
group by {{ key }}
having count(*) > 1
{% endtest %}
