{{ config(meta={'data_classification': 'orange'}) }}
{#- Salesforce accounts with their ultimate parent, direct parent and owner (GitLab's
    dim_crm_account). dim_parent_crm_account_id is the ULTIMATE parent, GitLab's meaning; the
    parent_crm_account_* attributes describe it. Deleted accounts are kept, flagged. -#}
with accounts as (
    select * from {{ ref('prep_crm_account') }}
),

users as (
    select * from {{ ref('prep_sfdc_user') }}
)

select
    accounts.dim_crm_account_id,
    accounts.crm_account_name,
    accounts.crm_account_type,
    accounts.crm_account_industry,
    accounts.crm_account_billing_country,
    accounts.crm_account_billing_country_code,
    accounts.crm_account_employee_count,
    accounts.dim_parent_crm_account_id,
    ultimate_parent.crm_account_name as parent_crm_account_name,
    ultimate_parent.crm_account_billing_country as parent_crm_account_billing_country,
    ultimate_parent.crm_account_industry as parent_crm_account_industry,
    accounts.dim_crm_account_id_immediate_parent,
    immediate_parent.crm_account_name as immediate_parent_crm_account_name,
    accounts.crm_account_hierarchy_depth,
    accounts.dim_crm_account_id = accounts.dim_parent_crm_account_id as is_ultimate_parent_account,
    accounts.dim_crm_user_id,
    users.user_name as crm_account_owner,
    users.title as crm_account_owner_title,
    users.is_active as is_crm_account_owner_active,
    accounts.crm_account_created_date,
    accounts.crm_account_last_modified_at,
    accounts.is_deleted
from accounts
left join accounts as ultimate_parent on accounts.dim_parent_crm_account_id = ultimate_parent.dim_crm_account_id
left join accounts as immediate_parent
    on accounts.dim_crm_account_id_immediate_parent = immediate_parent.dim_crm_account_id
left join users on accounts.dim_crm_user_id = users.dim_crm_user_id
