{#- Service Ping metric definitions, one row per key path, from GitLab's YAML in its current schema
    and in the 2021 one (which names `product_section` / `product_stage` and writes `tier` for
    `tiers`). Lists stay lists, sorted and distinct so that equal lists compare equal; a scalar
    `time_frame` is a one-element list. Business rules (stage mapping, flags, formats) live in
    dim_ping_metric. -#}
with definitions as (
    {{ latest_file_version(source('metrics_dictionary', 'definitions')) }}
),

parsed as (
    select
        key_path,
        {{ json_text('definition', 'description') }} as description,
        {{ json_text('definition', 'value_type') }} as value_type,
        {{ json_text('definition', 'status') }} as status,
        {{ json_text('definition', 'milestone') }} as milestone,
        {{ json_text('definition', 'milestone_removed') }} as milestone_removed,
        {{ list_sorted_distinct(json_text_list('definition', 'time_frame')) }} as time_frames,
        {{ json_text('definition', 'data_source') }} as data_source,
        lower({{ json_text('definition', 'data_category') }}) as data_category,
        {{ json_text('definition', 'product_group') }} as product_group_as_written,
        {{ json_text('definition', 'product_stage') }} as product_stage_as_written,
        {{ json_text('definition', 'product_section') }} as product_section_as_written,
        -- The 2021 schema's `tier` is today's `tiers`.
        {{ list_sorted_distinct(
            'coalesce(' ~ json_text_list('definition', 'tiers') ~ ', '
            ~ json_text_list('definition', 'tier') ~ ')'
        ) }} as tiers,
        {{ list_sorted_distinct(json_text_list('definition', 'performance_indicator_type')) }}
            as performance_indicator_type,
        {{ json_array_field_texts('definition', 'events', 'unique') }} as event_unique_keys,
        -- `tiers` is required by the current schema, which allows no 2021 field.
        ({{ json_value('definition', 'tiers') }} is null) as is_2021_format,
        _source_file,
        _loaded_at
    from definitions
)

select
    key_path,
    description,
    value_type,
    status,
    coalesce(status = 'removed', false) as is_removed,
    milestone,
    milestone_removed,
    time_frames,
    -- One text for the list: the single value, or the sorted values joined ('28d,7d').
    {{ list_join('time_frames', "','") }} as time_frame,
    data_source,
    data_category,
    -- Early 2021 files wrote 'group::code review' where today's write code_review.
    {{ normalised_group_name('product_group_as_written') }} as product_group,
    {{ normalised_group_name('product_stage_as_written') }} as product_stage,
    {{ normalised_group_name('product_section_as_written') }} as product_section,
    tiers,
    performance_indicator_type,
    event_unique_keys,
    is_2021_format,
    _source_file
from parsed
-- A key path defined twice (config/ and ee/config/, or a 2021 file beside today's): one row.
-- Prefer a live definition (status not removed), then the current schema over the 2021 one,
-- then the most recently loaded file, then the first path.
qualify row_number() over (
    partition by key_path
    order by coalesce(status = 'removed', false), is_2021_format, _loaded_at desc, _source_file
) = 1
