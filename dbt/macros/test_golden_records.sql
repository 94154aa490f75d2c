{#- Generic test (the TDF's golden records): every row of the seed `seed` exists in the model with
    the seed's values. A seed row is found in the model by `key_columns`; every other column of
    the seed must hold the seed's value in every model row found (an empty seed cell: the value
    must be null). Values are compared as text, as the warehouse writes them (booleans true/false,
    dates YYYY-MM-DD), and golden seeds are typed varchar for it. Fails with one row per seed
    row that is missing from the model (`golden_failure` = 'missing') or whose model rows differ
    ('different'), with the expected value and a differing model value of each seed column
    (`<column>__expected`, `<column>__found`; found is null where the column agrees). -#}
{% test golden_records(model, seed, key_columns) %}
{%- set keys = key_columns | map('lower') | list -%}
{%- set values = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(seed) -%}
        {%- if column.name | lower not in keys -%}{%- do values.append(column.name | lower) -%}{%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- set text = dbt.type_string() %}

with golden as (
    select
        {%- for column in keys + values %}
        cast({{ column }} as {{ text }}) as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ seed }}
),

model_rows as (
    select
        {%- for column in keys + values %}
        cast({{ column }} as {{ text }}) as {{ column }},
        {%- endfor %}
        1 as golden_matched
    from {{ model }}
),

compared as (
    select
        {%- for column in keys + values %}
        golden.{{ column }},
        {%- endfor %}
        count(model_rows.golden_matched) as model_row_count
        {%- for column in values %},
        sum(case when model_rows.golden_matched = 1
            and not (model_rows.{{ column }} is not distinct from golden.{{ column }}) then 1 else 0 end)
            as {{ column }}__differing,
        min(case when not (model_rows.{{ column }} is not distinct from golden.{{ column }})
            then model_rows.{{ column }} end) as {{ column }}__found
        {%- endfor %}
    from golden
    left join model_rows
        on {% for column in keys -%}
        model_rows.{{ column }} is not distinct from golden.{{ column }}{{ " and " if not loop.last }}
        {%- endfor %}
    group by {% for column in keys + values %}golden.{{ column }}{{ ", " if not loop.last }}{% endfor %}
)

select
    {%- for column in keys %}
    {{ column }},
    {%- endfor %}
    case when model_row_count = 0 then 'missing' else 'different' end as golden_failure,
    model_row_count
    {%- for column in values %},
    {{ column }} as {{ column }}__expected,
    {{ column }}__found
    {%- endfor %}
from compared
where model_row_count = 0
    {%- for column in values %}
    or {{ column }}__differing > 0
    {%- endfor %}
{% endtest %}
