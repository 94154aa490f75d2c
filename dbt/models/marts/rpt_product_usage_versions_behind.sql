{#- How far each CRM account's installations are behind the latest GitLab release, per month.
    An installation is far behind when its versions_behind_latest (release rank of the latest
    release at ping time minus that of its major.minor version) reaches
    rpt_versions_behind_threshold (dbt var, default in macros/rpt_thresholds.sql); an account is
    far behind when one of its installations is. Installations without a CRM account are grouped
    under the null account. -#}
{%- set threshold = rpt_versions_behind_threshold() %}
with installations as (
    select
        *,
        coalesce(versions_behind_latest >= {{ threshold }}, false) as is_far_behind
    from {{ ref('rpt_product_usage_installation_monthly') }}
),

accounts as (
    select
        snapshot_month,
        dim_crm_account_id,
        count(*) as installation_count,
        count(versions_behind_latest) as known_version_installation_count,
        cast(sum(case when is_far_behind then 1 else 0 end) as bigint) as far_behind_installation_count,
        max(versions_behind_latest) as max_versions_behind,
        min(versions_behind_latest) as min_versions_behind,
        avg(cast(versions_behind_latest as double)) as avg_versions_behind,
        -- The version of the installation furthest behind, and the latest release of the month.
        max_by(major_minor_version, versions_behind_latest) as oldest_major_minor_version,
        max_by(latest_major_minor_version, latest_version_number) as latest_major_minor_version
    from installations
    group by snapshot_month, dim_crm_account_id
)

select
    {{ hash_key(['snapshot_month', 'dim_crm_account_id']) }} as versions_behind_id,
    snapshot_month,
    dim_crm_account_id,
    dim_crm_account_id is not null as is_account_mapped,
    installation_count,
    known_version_installation_count,
    far_behind_installation_count,
    max_versions_behind,
    min_versions_behind,
    avg_versions_behind,
    oldest_major_minor_version,
    latest_major_minor_version,
    far_behind_installation_count > 0 as is_far_behind,
    {{ threshold }} as far_behind_threshold
from accounts
