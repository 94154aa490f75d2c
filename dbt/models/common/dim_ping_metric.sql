{#- The Service Ping metrics dictionary: one row per metric key path. -#}
select
    key_path as metrics_path,
    description,
    value_type,
    status,
    time_frame,
    data_source,
    product_group
from {{ ref('prep_ping_metric') }}
