{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
{#- The delete+insert strategy on DuckDB, for a key of one or more columns: the held rows whose key
    the new rows have are deleted, then the new rows inserted. dbt-duckdb deletes a key of several
    columns with DELETE ... USING the new rows, a join that pairs each held row with every new row
    of its key: a month of an installation is a few hundred metric rows on both sides, so a month of
    10,000 installations pairs about 10^8 rows (0.8 s). The distinct keys, as an IN list, make it a
    semi-join of one row per key (0.06 s).

    A model's `delete_only_where` config (a predicate on the new rows) marks rows that only delete
    their key's held rows and are not inserted (a month that has no row any more). Inserted and then
    deleted in the same transaction, DuckDB would write every inserted row to the WAL instead of
    straight to the table's blocks, and checkpoint it at commit (the monthly fact: about 275 MB of
    WAL and a second on the week's critical path at 10,000 instances). -#}
    {%- set dest_cols_csv = get_quoted_csv(dest_columns | map(attribute="name")) -%}
    {%- if unique_key %}
        {%- set keys = [unique_key] if unique_key is string else unique_key %}
    delete from {{ target }}
    where ({{ keys | join(', ') }}) in (
        select distinct {{ keys | join(', ') }}
        from {{ source }}
    )
        {%- for predicate in incremental_predicates or [] %}
        and {{ predicate }}
        {%- endfor %};
    {%- endif %}

    {%- set delete_only_where = config.get('delete_only_where') %}
    insert into {{ target }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ source }}
        {%- if delete_only_where %}
        where not coalesce({{ delete_only_where }}, false)
        {%- endif %}
    )
{%- endmacro %}
