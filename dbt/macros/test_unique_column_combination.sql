{#- Generic test: no two rows share the values of `columns` (a compound key). Fails with the
    duplicated combinations and how often each occurs. -#}
{% test unique_column_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
