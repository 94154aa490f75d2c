{#- Flattening Service Ping payloads: every leaf of every payload, one row each.

    A leaf is any value that is not an object with keys: a number, string, boolean, JSON null,
    array (kept whole, as JSON), empty object, or an object whose only key is "-1" (the failed
    histogram `{"-1": -1}`). Every other object is descended into.

    `ping_leaf_values(payloads, raw_payloads, dictionary, loaded_after)` is a query returning
    (dim_ping_instance_id, metrics_path, metric_value, _loaded_at) for the rows of `payloads`
    (dim_ping_instance_id, payload, _loaded_at) loaded after `loaded_after` (a SQL timestamp
    literal, or none for all). `raw_payloads` is the raw table the schema sample is read from,
    `dictionary` the metric definitions (prep_ping_metric). DuckDB's implementation is below;
    another warehouse brings its own `<adapter>__ping_leaf_values` (on Snowflake,
    LATERAL FLATTEN(payload, RECURSIVE => TRUE) keeping the values that are not objects). -#}

{% macro ping_leaf_values(payloads, raw_payloads, dictionary, loaded_after) -%}
    {{ return(adapter.dispatch('ping_leaf_values', 'usage_platform')(payloads, raw_payloads, dictionary, loaded_after)) }}
{%- endmacro %}


{#- DuckDB. json_each/json_tree over whole payloads take seconds per payload, so payloads are
    read against a schema known when the model compiles (ping_leaf_schema): the dictionary's key
    paths plus the merged structure of a bounded sample of the new payloads. One json_extract
    with the constant list of the known leaf paths reads them all in one parse, and tells a JSON
    null ('null') from a missing key (NULL). Nothing is lost: json_keys lists the keys of every
    known object ("container"); a ping whose keys do not add up to the values read (a key the
    schema does not know, a known container that is not an object) yields its whole payload as
    one row at path '', and known leaves that hold an object yield that object. Those rows are
    expanded afterwards by ping_expand_objects (a post-hook), so this stays one streaming pass
    with nothing held in memory, run in parallel parts (ping_parallel_parts).
    bench/README.md has the measurements behind these choices. -#}
{% macro default__ping_leaf_values(payloads, raw_payloads, dictionary, loaded_after) -%}
    {%- set plan = ping_leaf_schema(raw_payloads, dictionary, loaded_after) -%}
    {%- set leaf_count = plan.extracted_leaf_count -%}
    {%- set parts = ping_parallel_parts() -%}
{#- One query per part of the pings, unioned: DuckDB runs each on its own thread (a table scan is
    parallel by row groups only, and a few thousand payloads fill a single row group). -#}
{%- for part in range(parts) %}
select dim_ping_instance_id, metrics_path, metric_value, _loaded_at
from (
    select
        dim_ping_instance_id,
        _loaded_at,
        unnest(case when is_generic then [''] else {{ ping_constant_list(plan.extracted, 'path') }} end) as metrics_path,
        unnest(case when is_generic then [payload] else extracted_values end) as metric_value,
        unnest(case when is_generic then [0] else range(1, {{ plan.extracted | length + 1 }}) end) as position
    from (
        select
            *,
            -- Every key of every known container must be read exactly once: by json_extract (a
            -- leaf, or a small container), or as a larger container that is an object here.
            -- A lone "-1" key (the failed histogram) is a value, not a key.
            coalesce(
                {{ ping_sum(plan.key_count_terms) }}
                <> list_count(extracted_values){% if plan.accounted_terms %} + {{ ping_sum(plan.accounted_terms) }}{% endif %},
                true
            ) as is_generic
        from (
            select
                dim_ping_instance_id,
                _loaded_at,
                payload,
                json_keys(payload, {{ ping_constant_list(plan.containers, 'json_path') }}) as container_keys,
                {% if plan.extracted -%}
                json_extract(payload, {{ ping_constant_list(plan.extracted, 'json_path') }})
                {%- else -%}
                []::json[]
                {%- endif %} as extracted_values
            from {{ payloads }}
            where hash(dim_ping_instance_id) % {{ parts }} = {{ part }}
            {%- if loaded_after is not none %}
                and _loaded_at > {{ loaded_after }}
            {%- endif %}
        )
    )
)
-- Missing keys have no row; a small container that is an object is read through its leaves.
where metric_value is not null
    and not (position > {{ leaf_count }} and {{ ping_is_object('metric_value') }})
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- endmacro %}


{#- The parts run at once only when the insert need not keep the rows in query order (DuckDB's
    preserve_insertion_order, a global setting: the flatten turns it off in a pre-hook and back on
    in its last post-hook; no model relies on row order). -#}
{% macro ping_parallel_begin() -%}
    {{ return(adapter.dispatch('ping_parallel_begin', 'usage_platform')()) }}
{%- endmacro %}

{% macro default__ping_parallel_begin() -%}
    set preserve_insertion_order = false
{%- endmacro %}

{% macro ping_parallel_end() -%}
    {{ return(adapter.dispatch('ping_parallel_end', 'usage_platform')()) }}
{%- endmacro %}

{% macro default__ping_parallel_end() -%}
    reset preserve_insertion_order
{%- endmacro %}


{#- How many parts the pings are flattened in: DuckDB's threads, at most 8 (each part repeats the
    query, whose planning grows with it). -#}
{% macro ping_parallel_parts() -%}
    {%- if not execute -%}
        {{ return(1) }}
    {%- endif -%}
    {%- set threads = run_query("select current_setting('threads')").columns[0].values()[0] | int -%}
    {{ return([[threads, 1] | max, 8] | min) }}
{%- endmacro %}


{#- A JSON text that is an object to descend into: not {} and not a lone "-1" key. -#}
{% macro ping_is_object(value) -%}
    (case when starts_with({{ value }}, '{') then {{ value }} <> '{}'
        and not (case when starts_with({{ value }}, '{"-1":') then json_keys({{ value }}) = ['-1'] else false end)
    else false end)
{%- endmacro %}


{#- Expands, in `relation`, the rows its invocation wrote whose value is an object (whole payloads
    at path '' and objects found in known leaves) into one row per leaf, 32 levels deep at most;
    `columns` is the select list that types a (dim_ping_instance_id, metrics_path, metric_value,
    _loaded_at) row into the relation's columns. -#}
{% macro ping_expand_objects(relation, columns) -%}
    {{ return(adapter.dispatch('ping_expand_objects', 'usage_platform')(relation, columns)) }}
{%- endmacro %}

{% macro default__ping_expand_objects(relation, columns) -%}
    {%- set objects = "_dbt_invocation_id = '" ~ invocation_id ~ "' and metric_value_number is null and " ~ ping_is_object('metric_value') -%}
    {#- Most runs write no object: the rows are looked for once, and only found ones are replaced
        (each statement over the new rows costs a scan of all of them). -#}
    {%- set found = 0 -%}
    {%- if execute -%}
        {%- set find -%}
            create or replace temp table ping_flatten_objects as
            select dim_ping_instance_id, metrics_path, metric_value::json as metric_value, _loaded_at
            from {{ relation }}
            where {{ objects }}
        {%- endset -%}
        {%- do run_query(find) -%}
        {%- set found = run_query("select count(*) from ping_flatten_objects").columns[0].values()[0] -%}
    {%- endif -%}
{%- if found > 0 %}
delete from {{ relation }} where {{ objects }};

insert into {{ relation }}
with recursive expanded (dim_ping_instance_id, metrics_path, metric_value, _loaded_at, depth) as (
    select dim_ping_instance_id, metrics_path, metric_value, _loaded_at, 0
    from ping_flatten_objects
    union all
    -- unnest in the select list: a lateral join (from expanded, unnest(...)) copies the big
    -- object texts per entry and takes gigabytes for a few hundred payloads.
    select
        dim_ping_instance_id,
        case when parent_path = '' then entry.key else parent_path || '.' || entry.key end,
        coalesce(entry.value, 'null'::json),
        _loaded_at,
        depth
    from (
        select
            dim_ping_instance_id,
            metrics_path as parent_path,
            _loaded_at,
            depth + 1 as depth,
            unnest(map_entries(json_transform(metric_value, '"MAP(VARCHAR, JSON)"'))) as entry
        from expanded
        where depth < 32 and {{ ping_is_object('metric_value') }}
    )
),

leaf_values as (
    -- Deeper than 32 levels an object is kept whole rather than lost.
    select dim_ping_instance_id, metrics_path, metric_value, _loaded_at
    from expanded
    where depth > 0 and (depth = 32 or not {{ ping_is_object('metric_value') }})
)

select {{ columns }}
from leaf_values;
{% endif %}
drop table if exists ping_flatten_objects
{%- endmacro %}


{#- An object with keys that is not a failed histogram, from its json_keys list. -#}
{% macro ping_present_object(keys) -%}
    coalesce(len({{ keys }}) > 0 and {{ keys }} <> ['-1'], false)
{%- endmacro %}


{#- Sum of many integer terms, grouped so the expression tree stays shallow. -#}
{% macro ping_sum(terms) -%}
    {%- if not terms -%}0{%- else -%}
    {%- for chunk in terms | batch(50) -%}
    ({{ chunk | join(' + ') }}){{ ' + ' if not loop.last }}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{% macro ping_sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}


{#- A constant SQL list of one attribute of each item. -#}
{% macro ping_constant_list(items, attribute) -%}
    [{%- for item in items -%}{{ ping_sql_string(item[attribute]) }}{{ ", " if not loop.last }}{%- endfor -%}]
    {%- if not items %}::varchar[]{% endif -%}
{%- endmacro %}


{#- The schema the payloads are read against, known when the model compiles (DuckDB): the
    dictionary's key paths plus the merged json_group_structure of at most 256 new payloads of
    the latest two weeks of receipt (new releases bring new keys, so the newest tell most). -#}
{% macro ping_leaf_schema(raw_payloads, dictionary, loaded_after) %}
    {%- set leaves = {} -%}
    {%- set container_paths = {} -%}
    {%- if execute -%}
        {%- set dictionary_paths -%}
            select payload_path, value_type = 'object' as is_object
            from ({{ ping_dictionary_payload_paths(dictionary) }})
        {%- endset -%}
        {%- for row in run_query(dictionary_paths).rows -%}
            {%- do (container_paths if row[1] else leaves).update({row[0]: row[0].split('.')}) -%}
        {%- endfor -%}
        {%- set new_rows -%}
            {{ raw_payloads }}{% if loaded_after is not none %} where _loaded_at > {{ loaded_after }}{% endif %}
        {%- endset -%}
        {%- set sample -%}
            select json_group_structure(payload)::varchar
            from (
                select payload
                from {{ new_rows }}
                {{- " and" if loaded_after is not none else " where" }} _receipt_date >= (
                    select max(_receipt_date) - 14 from {{ new_rows }}
                )
                limit 256
            )
        {%- endset -%}
        {%- set structure = run_query(sample).columns[0].values()[0] -%}
        {%- if structure -%}
            {%- do ping_walk_structure(fromjson(structure), [], leaves, container_paths) -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(ping_plan(leaves, container_paths)) }}
{% endmacro %}


{#- Adds the leaves and containers of a json_structure document to the two path maps. -#}
{% macro ping_walk_structure(node, prefix, leaves, container_paths) %}
    {%- for key, child in node.items() -%}
        {%- set segments = prefix + [key] -%}
        {%- if child is mapping and child | length > 0 and (child | list) != ['-1'] -%}
            {%- do container_paths.update({segments | join('.'): segments}) -%}
            {%- do ping_walk_structure(child, segments, leaves, container_paths) -%}
        {%- else -%}
            {%- do leaves.update({segments | join('.'): segments}) -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{#- What json_extract and json_keys read (see default__ping_leaf_values), from the known leaf
    and container paths. A path with a key that holds a dot, a quote, a backslash or an
    apostrophe stays out of the schema: its ping is read generically. -#}
{% macro ping_plan(leaves, container_paths) %}
    {%- set max_small_leaves = 64 -%}
    {%- set usable = {} -%}
    {%- for path, segments in (leaves.items() | list) + (container_paths.items() | list) -%}
        {%- set check = namespace(ok=true) -%}
        {%- for segment in segments -%}
            {%- if segment == '' or '.' in segment or '"' in segment or '\\' in segment or "'" in segment -%}
                {%- set check.ok = false -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if check.ok -%}
            {%- do usable.update({path: segments}) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- Containers: the known objects and every ancestor of a known path; the root is ''. -#}
    {%- set container_segments = {'': []} -%}
    {%- for path, segments in usable.items() -%}
        {%- for depth in range(1, segments | length) -%}
            {%- do container_segments.update({segments[:depth] | join('.'): segments[:depth]}) -%}
        {%- endfor -%}
        {%- if path in container_paths -%}
            {%- do container_segments.update({path: segments}) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- Leaves: known leaf paths under a container, never a container themselves; a "-1" key is
        the failed-histogram marker, not a leaf of the histogram. -#}
    {%- set info = {} -%}
    {%- for path in container_segments | sort -%}
        {%- do info.update({path: {'path': path, 'segments': container_segments[path], 'leaves': [], 'below': 0}}) -%}
    {%- endfor -%}
    {%- for path in usable | sort -%}
        {%- set segments = usable[path] -%}
        {%- set parent = segments[:-1] | join('.') -%}
        {%- if path in leaves and path not in info and segments[-1] != '-1' -%}
            {%- do info[parent].leaves.append(path) -%}
            {%- for depth in range(0, segments | length) -%}
                {%- set ancestor = info[segments[:depth] | join('.')] -%}
                {%- do ancestor.update({'below': ancestor.below + 1}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set containers = [] -%}
    {%- for path in info | sort -%}
        {%- set c = info[path] -%}
        {%- do c.update({
            'index': loop.index,
            'is_root': path == '',
            'is_small': path != '' and c.below <= max_small_leaves,
            'json_path': '$' ~ ping_json_path(c.segments),
        }) -%}
        {%- do containers.append(c) -%}
    {%- endfor -%}
    {#- json_extract reads every known leaf, grouped by container, then every small container
        itself: its value when it is not an object (null, {}, {"-1": -1}). -#}
    {%- set extracted = [] -%}
    {%- for c in containers -%}
        {%- for leaf in c.leaves -%}
            {%- do extracted.append({'path': leaf, 'json_path': '$' ~ ping_json_path(usable[leaf])}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set leaf_count = extracted | length -%}
    {%- for c in containers if c.is_small -%}
        {%- do extracted.append({'path': c.path, 'json_path': c.json_path}) -%}
    {%- endfor -%}
    {#- The keys of all known containers, and the larger containers read through their keys. -#}
    {%- set key_count_terms = [] -%}
    {%- set accounted_terms = [] -%}
    {%- for c in containers -%}
        {%- set keys = "container_keys[" ~ c.index ~ "]" -%}
        {%- do key_count_terms.append("coalesce(case when " ~ keys ~ " = ['-1'] then 0 else len(" ~ keys ~ ") end, 0)") -%}
        {%- if not c.is_small and not c.is_root -%}
            {%- do accounted_terms.append("(" ~ ping_present_object(keys) ~ ")::integer") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({
        'containers': containers,
        'extracted': extracted,
        'extracted_leaf_count': leaf_count,
        'key_count_terms': key_count_terms,
        'accounted_terms': accounted_terms,
    }) }}
{% endmacro %}


{#- '."a"."b"' for a JSON path (keys never hold quotes here, see ping_plan). -#}
{% macro ping_json_path(segments) -%}
    {%- for segment in segments -%}."{{ segment }}"{%- endfor -%}
{%- endmacro %}


{#- The address of a row of a table, valid within one query: DuckDB's rowid. prep_ping_payload
    ranks receipts without their payloads and joins the first ones back by it. Snowflake has no
    row id: there the receipts are ranked with their payloads (no snowflake__ version yet). -#}
{% macro row_locator() -%}
    {{ return(adapter.dispatch('row_locator', 'usage_platform')()) }}
{%- endmacro %}

{% macro default__row_locator() -%}
    rowid
{%- endmacro %}
