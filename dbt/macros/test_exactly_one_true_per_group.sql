{#- Generic test: within each group of `group_by` columns, exactly one row has the boolean column
    true (e.g. one last ping per installation and week). Fails with the groups that have none or
    several. -#}
{% test exactly_one_true_per_group(model, column_name, group_by) %}
select
    {{ group_by | join(', ') }},
    count(case when {{ column_name }} then 1 end) as true_rows
from {{ model }}
group by {{ group_by | join(', ') }}
having count(case when {{ column_name }} then 1 end) <> 1
{% endtest %}
