{#- The Service Ping metrics dictionary: one row per metric path, with its stage and section, its
    performance-indicator flags and its metric format. The rules, in full in dim_ping_metric.yml:
    - Stage and section: a 2021 definition's own `product_stage` / `product_section`, else the
      product group's row of the seed `product_group_stages` (null when the group is unmapped).
    - is_smau / is_gmau / is_paid_gmau / is_umau: that value is in `performance_indicator_type`;
      is_health_score_metric: 'customer_health_score' is in it.
    - is_aggregated_metric: the path is under counts_weekly.aggregated_metrics.,
      counts_monthly.aggregated_metrics. or is counts.aggregate_*.
    - metric_format, first rule that applies: power_user (path names a histogram or power users),
      indicator (boolean, or a numeric `*_enabled` setting with time frame none), then for numbers:
      user_based (a 7d/28d window, counting distinct users), event_based (any other 7d/28d count),
      total_count (all-time); null for anything else (versions, identifiers, objects, instance
      facts such as active_user_count). -#}
with metrics as (
    select
        *,
        -- The last segment of the path: the metric's own name.
        {{ regex_extract('key_path', "'[^.]+$'") }} as metric_name,
        ({{ list_has('time_frames', "'7d'") }} or {{ list_has('time_frames', "'28d'") }}) as is_windowed
    from {{ ref('prep_ping_metric') }}
),

stages as (
    select product_group, stage, section
    from {{ ref('product_group_stages') }}
),

classified as (
    select
        metrics.*,
        -- Whether a count counts distinct users, from the most explicit evidence available:
        -- internal events name their total and distinct counters (count_total_*, count_distinct_
        -- <key>_from_*) and their `unique` key; older metrics say it in their name (..._users_...,
        -- xmau_...) or their description ("unique users", "distinct authors", "MAU").
        case
            when {{ regex_matches('metric_name', "'^count_total_'") }} then false
            when {{ regex_matches('metric_name', "'^count_distinct_'") }}
                then {{ regex_matches('metric_name', "'^count_distinct_user_id'") }}
            when {{ list_join('event_unique_keys', "','") }} <> ''
                then {{ regex_matches(list_join('event_unique_keys', "','"), "'(^|,)user[.]'") }}
            when {{ regex_matches('metric_name', "'(^|_)(users?|[xsgu]?mau|wau)(_|$)'") }} then true
            else coalesce(
                {{ regex_matches('description', "'(?i)\\b(users?|authors?|visitors?|mau|wau)\\b'") }}, false
            )
        end as counts_distinct_users
    from metrics
)

select
    classified.key_path as metrics_path,
    classified.description,
    classified.value_type,
    classified.status,
    classified.is_removed,
    classified.milestone,
    classified.milestone_removed,
    classified.time_frame,
    classified.time_frames,
    classified.data_source,
    classified.data_category,
    classified.tiers,
    classified.product_group,
    coalesce(classified.product_stage, stages.stage) as product_stage,
    coalesce(classified.product_section, stages.section) as product_section,
    classified.performance_indicator_type,
    {{ list_has('classified.performance_indicator_type', "'smau'") }} as is_smau,
    {{ list_has('classified.performance_indicator_type', "'gmau'") }} as is_gmau,
    {{ list_has('classified.performance_indicator_type', "'paid_gmau'") }} as is_paid_gmau,
    {{ list_has('classified.performance_indicator_type', "'umau'") }} as is_umau,
    {{ list_has('classified.performance_indicator_type', "'customer_health_score'") }}
        as is_health_score_metric,
    {{ regex_matches(
        'classified.key_path',
        "'^(counts_weekly[.]aggregated_metrics[.]|counts_monthly[.]aggregated_metrics[.]|counts[.]aggregate_)'"
    ) }} as is_aggregated_metric,
    case
        when {{ regex_matches('classified.key_path', "'histogram|power_user'") }} then 'power_user'
        when classified.value_type = 'boolean' then 'indicator'
        when classified.value_type = 'number' and classified.time_frame = 'none'
            and {{ regex_matches('classified.metric_name', "'_enabled$'") }} then 'indicator'
        when classified.value_type = 'number' and classified.is_windowed and classified.counts_distinct_users
            then 'user_based'
        when classified.value_type = 'number' and classified.is_windowed then 'event_based'
        when classified.value_type = 'number' and classified.time_frame = 'all' then 'total_count'
    end as metric_format
from classified
left join stages
    on classified.product_group = stages.product_group
