{#- One row per calendar day, GitLab's date dimension (date_details): calendar and GitLab fiscal
    attributes. GitLab's fiscal year starts on 1 February and is named after the calendar year it
    ends in (2024-02-01 is the first day of FY2025). The calendar is fixed (2010 to 2050) so builds
    are reproducible; recurring charges without an end date run to its last month. -#}
with days as (
    {{ commercial_date_spine('2010-01-01', '2050-12-31') }}
),

calendar as (
    select
        date_day,
        cast(extract(year from date_day) as integer) as year_actual,
        cast(extract(quarter from date_day) as integer) as quarter_actual,
        cast(extract(month from date_day) as integer) as month_actual,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(doy from date_day) as integer) as day_of_year,
        cast(extract(dow from date_day) as integer) + 1 as day_of_week,
        cast(date_trunc('week', date_day) as date) as first_day_of_week,
        cast(date_trunc('month', date_day) as date) as first_day_of_month,
        cast(date_trunc('quarter', date_day) as date) as first_day_of_quarter,
        cast(date_trunc('year', date_day) as date) as first_day_of_year,
        -- Fiscal periods are calendar periods shifted by one month (FY starts in February).
        cast(extract(year from cast(date_day + interval '11 month' as date)) as integer) as fiscal_year,
        cast(extract(quarter from cast(date_day - interval '1 month' as date)) as integer) as fiscal_quarter,
        cast(extract(month from cast(date_day - interval '1 month' as date)) as integer) as month_of_fiscal_year,
        cast(date_trunc('quarter', cast(date_day - interval '1 month' as date)) + interval '1 month' as date)
            as first_day_of_fiscal_quarter,
        cast(date_trunc('year', cast(date_day - interval '1 month' as date)) + interval '1 month' as date)
            as first_day_of_fiscal_year
    from days
)

select
    year_actual * 10000 + month_actual * 100 + day_of_month as date_id,
    date_day,
    date_day as date_actual,
    {{ commercial_day_name('day_of_week') }} as day_name,
    day_of_week,
    day_of_month,
    day_of_year,
    month_actual,
    {{ commercial_month_name('month_actual') }} as month_name,
    quarter_actual,
    year_actual,
    first_day_of_week,
    cast(first_day_of_week + interval '6 day' as date) as last_day_of_week,
    first_day_of_month,
    cast(first_day_of_month + interval '1 month' - interval '1 day' as date) as last_day_of_month,
    first_day_of_quarter,
    cast(first_day_of_quarter + interval '3 month' - interval '1 day' as date) as last_day_of_quarter,
    first_day_of_year,
    cast(first_day_of_year + interval '1 year' - interval '1 day' as date) as last_day_of_year,
    (date_day - first_day_of_quarter) + 1 as day_of_quarter,
    fiscal_year,
    fiscal_quarter,
    month_of_fiscal_year,
    'FY' || cast(fiscal_year as varchar) || '-Q' || cast(fiscal_quarter as varchar) as fiscal_quarter_name,
    'FY' || substr(cast(fiscal_year as varchar), 3, 2) || '-Q' || cast(fiscal_quarter as varchar)
        as fiscal_quarter_name_fy,
    'FY' || substr(cast(fiscal_year as varchar), 3, 2) || '-' || {{ commercial_month_name('month_actual', short=true) }}
        as fiscal_month_name_fy,
    first_day_of_fiscal_quarter,
    cast(first_day_of_fiscal_quarter + interval '3 month' - interval '1 day' as date) as last_day_of_fiscal_quarter,
    first_day_of_fiscal_year,
    cast(first_day_of_fiscal_year + interval '1 year' - interval '1 day' as date) as last_day_of_fiscal_year,
    (date_day - first_day_of_fiscal_quarter) + 1 as day_of_fiscal_quarter,
    (date_day - first_day_of_fiscal_year) + 1 as day_of_fiscal_year
from calendar
