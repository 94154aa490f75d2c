{{ config(meta={'data_classification': 'orange'}) }}
{#- Gainsight's instance records (custom object `instance_info`) coming back to the warehouse,
    typed, one row per Gainsight record (gsid): the latest modified version wins. A record
    names a CRM account and either a self-managed instance (uuid + hostname) or a GitLab.com
    namespace; it says how Gainsight classifies the instance. -#}
with instance_info as (
    {{ latest_file_version(source('gainsight', 'instance_info')) }}
),

typed as (
    select
        nullif(trim(gsid), '') as gainsight_instance_info_id,
        nullif(trim(crm_acct_id), '') as dim_crm_account_id,
        nullif(trim(instance_uuid), '') as instance_uuid,
        nullif(trim(hostname), '') as instance_hostname,
        try_cast(nullif(trim(namespace_id), '') as bigint) as dim_namespace_id,
        nullif(trim(instancetype), '') as instance_type,
        try_cast(nullif(trim(included_in_health_measures), '') as boolean) as is_included_in_health_measures,
        try_cast(nullif(trim(modified_date), '') as timestamp) as modified_at,
        _source_file,
        _loaded_at
    from instance_info
)

select
    gainsight_instance_info_id,
    dim_crm_account_id,
    instance_uuid,
    instance_hostname,
    -- Join keys: Gainsight users type uuids and hostnames by hand, so case and spaces vary.
    lower(instance_uuid) as instance_uuid_key,
    lower(instance_hostname) as instance_hostname_key,
    dim_namespace_id,
    instance_type,
    coalesce(is_included_in_health_measures, false) as is_included_in_health_measures,
    modified_at
from typed
qualify row_number() over (
    partition by gainsight_instance_info_id
    order by modified_at desc nulls last, _loaded_at desc, _source_file desc
) = 1
