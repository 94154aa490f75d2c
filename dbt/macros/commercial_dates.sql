{#- Calendar helpers for dim_date. Only the day spine is dialect-specific. -#}

{#- One row per day from start_date to end_date inclusive (ISO date strings), column date_day. -#}
{% macro commercial_date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('commercial_date_spine', 'usage_platform')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__commercial_date_spine(start_date, end_date) -%}
    select cast(day_stamp as date) as date_day
    from (
        select unnest(generate_series(date '{{ start_date }}', date '{{ end_date }}', interval '1 day'))
            as day_stamp
    ) as days
{%- endmacro %}

{% macro snowflake__commercial_date_spine(start_date, end_date) -%}
    {%- set first = modules.datetime.date.fromisoformat(start_date) -%}
    {%- set last = modules.datetime.date.fromisoformat(end_date) -%}
    select dateadd('day', row_number() over (order by seq4()) - 1, to_date('{{ start_date }}')) as date_day
    from table(generator(rowcount => {{ (last - first).days + 1 }}))
{%- endmacro %}

{#- English day name from a day of week numbered 1 (Sunday) to 7 (Saturday). -#}
{% macro commercial_day_name(day_of_week) -%}
    case {{ day_of_week }}
        {%- for name in ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] %}
        when {{ loop.index }} then '{{ name }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- English month name from a month number (1-12); `short` gives the three-letter form. -#}
{% macro commercial_month_name(month, short=false) -%}
    case {{ month }}
        {%- for name in ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
                         'September', 'October', 'November', 'December'] %}
        when {{ loop.index }} then '{{ name[:3] if short else name }}'
        {%- endfor %}
    end
{%- endmacro %}
