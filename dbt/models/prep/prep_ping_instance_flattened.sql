{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='dim_ping_instance_id',
    on_schema_change='fail',
    pre_hook="{{ ping_parallel_begin() }}",
    post_hook=[
        "{{ ping_expand_objects(this, prep_ping_instance_flattened_columns()) }}",
        "{{ ping_parallel_end() }}",
    ],
) }}
{#- One row per ping x leaf of its payload: every leaf, known to the metrics dictionary or not,
    as the JSON text that was sent, numbers also as metric_value_number (null for the -1 / -2 /
    -1000 sentinels, which are flagged). fct_ping_instance_metric adds the other typed values and
    the dictionary match.

    Incremental: a run flattens only the pings loaded into raw after the newest one already
    here. A ping whose first receipt changes (an earlier copy arrives late) is flattened again:
    its old rows are replaced (delete+insert on dim_ping_instance_id). The post-hook expands the
    objects this run wrote whole (see ping_leaf_values). The pings are read in parallel parts; the
    hooks around let DuckDB run them at once (ping_parallel_begin). -#}
-- depends_on: {{ ref('prep_ping_metric') }}
{%- set loaded_after = incremental_watermark('_loaded_at').loaded_after %}

with leaf_values as (
    {{ ping_leaf_values(
        ref('prep_ping_payload'), source('service_ping', 'payloads'), ref('prep_ping_metric'), loaded_after
    ) }}
)

select {{ prep_ping_instance_flattened_columns() }}
from leaf_values
