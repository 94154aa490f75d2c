{#- Service Ping metric definitions, one row per key path (current and 2021 YAML formats). -#}
with definitions as (
    {{ latest_file_version(source('metrics_dictionary', 'definitions')) }}
)

select
    key_path,
    {{ json_text('definition', 'description') }} as description,
    {{ json_text('definition', 'value_type') }} as value_type,
    {{ json_text('definition', 'status') }} as status,
    {{ json_text('definition', 'time_frame') }} as time_frame,
    {{ json_text('definition', 'data_source') }} as data_source,
    {{ json_text('definition', 'product_group') }} as product_group,
    _source_file
from definitions
-- A key path defined twice (e.g. in config/ and ee/config/): prefer a live definition.
qualify row_number() over (
    partition by key_path
    order by ({{ json_text('definition', 'status') }} = 'removed'), _source_file
) = 1
