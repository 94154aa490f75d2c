{#- Architecture per installation and month, from the installation's last ping of the month:
    topology nodes (and their CPUs), Gitaly servers and clusters, Geo; and whether the
    installation scaled up or down since the calendar month before. Only the paths below are read
    from the metric fact. -#}
{%- set scaling_components = [
    'topology_node_count', 'topology_cpu_count', 'gitaly_server_count', 'geo_secondary_site_count'
] %}
with installations as (
    select * from {{ ref('rpt_product_usage_installation_monthly') }}
),

architecture_values as (
    select dim_ping_instance_id, metrics_path, metric_value, metric_value_number, metric_value_boolean
    from {{ ref('fct_ping_instance_metric') }}
    where metrics_path in (
        'topology.nodes', 'topology.failures', 'gitaly.servers', 'gitaly.clusters', 'geo_enabled', 'counts.geo_nodes'
    )
),

pivoted as (
    select
        installations.snapshot_month,
        installations.dim_installation_id,
        installations.dim_ping_instance_id,
        installations.uuid,
        installations.hostname,
        installations.delivery_type,
        installations.installation_type,
        installations.dim_crm_account_id,
        installations.is_account_mapped,
        max(case when architecture_values.metrics_path = 'topology.nodes' then architecture_values.metric_value end)
            as topology_nodes,
        max(case when architecture_values.metrics_path = 'topology.failures' then architecture_values.metric_value end)
            as topology_failures,
        max(case when architecture_values.metrics_path = 'gitaly.servers' then architecture_values.metric_value_number end)
            as gitaly_server_count,
        max(case when architecture_values.metrics_path = 'gitaly.clusters' then architecture_values.metric_value_number end)
            as gitaly_cluster_count,
        max(case when architecture_values.metrics_path = 'geo_enabled'
            then case when architecture_values.metric_value_boolean then 1 else 0 end end) as geo_enabled_flag,
        max(case when architecture_values.metrics_path = 'counts.geo_nodes' then architecture_values.metric_value_number end)
            as geo_site_count
    from installations
    left join architecture_values on installations.dim_ping_instance_id = architecture_values.dim_ping_instance_id
    group by
        installations.snapshot_month,
        installations.dim_installation_id,
        installations.dim_ping_instance_id,
        installations.uuid,
        installations.hostname,
        installations.delivery_type,
        installations.installation_type,
        installations.dim_crm_account_id,
        installations.is_account_mapped
),

measured as (
    select
        snapshot_month,
        dim_installation_id,
        dim_ping_instance_id,
        uuid,
        hostname,
        delivery_type,
        installation_type,
        dim_crm_account_id,
        is_account_mapped,
        -- An instance runs on one node at least: an empty list means the node query failed.
        nullif({{ rpt_json_array_length('topology_nodes') }}, 0) as topology_node_count,
        case when {{ rpt_json_array_length('topology_nodes') }} > 0
            then cast({{ rpt_json_array_field_sum('topology_nodes', 'node_cpus') }} as bigint)
        end as topology_cpu_count,
        coalesce({{ rpt_json_array_length('topology_failures') }} > 0, false) as has_topology_failure,
        cast(gitaly_server_count as bigint) as gitaly_server_count,
        cast(gitaly_cluster_count as bigint) as gitaly_cluster_count,
        geo_enabled_flag = 1 as is_geo_enabled,
        cast(geo_site_count as bigint) as geo_site_count,
        -- Geo sites are one primary and its secondaries; without Geo there are none.
        case
            when geo_enabled_flag = 1 and geo_site_count >= 1 then cast(geo_site_count - 1 as bigint)
            when geo_enabled_flag = 0 then 0
        end as geo_secondary_site_count
    from pivoted
),

with_previous as (
    select
        *,
        lag(snapshot_month) over (partition by dim_installation_id order by snapshot_month) as previous_month_seen,
        {%- for component in scaling_components %}
        lag({{ component }}) over (partition by dim_installation_id order by snapshot_month) as previous_{{ component }}{{ ',' if not loop.last }}
        {%- endfor %}
    from measured
),

compared as (
    select
        *,
        case when previous_month_seen = cast({{ dbt.dateadd('month', -1, 'snapshot_month') }} as date)
            then previous_month_seen end as previous_month
    from with_previous
),

changes as (
    select
        compared.*,
        {%- for component in scaling_components %}
        case when previous_month is not null then {{ component }} - previous_{{ component }} end
            as {{ component | replace('_count', '') }}_change,
        {%- endfor %}
        {%- for direction, operator in [('up', '>'), ('down', '<')] %}
        (
            {%- for component in scaling_components %}
            case when previous_month is not null and {{ component }} {{ operator }} previous_{{ component }} then 1 else 0 end
            {{- ' +' if not loop.last }}
            {%- endfor %}
        ) as components_scaled_{{ direction }},
        {%- endfor %}
        (
            {%- for component in scaling_components %}
            case when previous_month is not null and {{ component }} is not null and previous_{{ component }} is not null
                then 1 else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
        ) as components_compared
    from compared
)

select
    {{ hash_key(['dim_installation_id', 'snapshot_month']) }} as architecture_monthly_id,
    snapshot_month,
    dim_installation_id,
    dim_ping_instance_id,
    uuid,
    hostname,
    delivery_type,
    installation_type,
    dim_crm_account_id,
    is_account_mapped,
    topology_node_count,
    topology_cpu_count,
    has_topology_failure,
    gitaly_server_count,
    gitaly_cluster_count,
    is_geo_enabled,
    geo_site_count,
    geo_secondary_site_count,
    previous_month,
    {%- for component in scaling_components %}
    case when previous_month is not null then previous_{{ component }} end as previous_{{ component }},
    {{ component | replace('_count', '') }}_change,
    {%- endfor %}
    case
        when components_compared = 0 then null
        when components_scaled_up > 0 and components_scaled_down > 0 then 'mixed'
        when components_scaled_up > 0 then 'scaling_up'
        when components_scaled_down > 0 then 'scaling_down'
        else 'unchanged'
    end as architecture_change
from changes
