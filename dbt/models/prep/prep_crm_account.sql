{#- Salesforce accounts, typed, with their place in the account hierarchy. The account name is
    customer data: ORANGE. As in GitLab's EDM, dim_parent_crm_account_id is the ULTIMATE parent
    (the top of the ParentId chain; the account itself when it has no parent). Salesforce's
    Ultimate_Parent_Account_ID__c formula is not exported, so the chain is walked here. An account
    whose chain leaves the export (a parent missing) or loops gets a null ultimate parent, which
    the not_null test reports. -#}
with recursive accounts as (
    {{ latest_file_version(source('salesforce', 'account')) }}
),

typed as (
    select
        "Id" as dim_crm_account_id,
        "Name" as crm_account_name,
        nullif(trim("ParentId"), '') as dim_crm_account_id_immediate_parent,
        "BillingCountry" as crm_account_billing_country,
        nullif("BillingCountryCode", '') as crm_account_billing_country_code,
        "Industry" as crm_account_industry,
        "Type" as crm_account_type,
        nullif(trim("OwnerId"), '') as dim_crm_user_id,
        try_cast("NumberOfEmployees" as bigint) as crm_account_employee_count,
        cast(try_cast("CreatedDate" as timestamp) as date) as crm_account_created_date,
        try_cast("LastModifiedDate" as timestamp) as crm_account_last_modified_at,
        coalesce(try_cast("IsDeleted" as boolean), false) as is_deleted
    from accounts
),

-- Climb one parent per step from every account; a step limit stops a loop in bad data.
hierarchy as (
    select
        dim_crm_account_id,
        dim_crm_account_id as ancestor_id,
        dim_crm_account_id_immediate_parent as next_ancestor_id,
        0 as hierarchy_depth
    from typed
    union all
    select
        hierarchy.dim_crm_account_id,
        typed.dim_crm_account_id,
        typed.dim_crm_account_id_immediate_parent,
        hierarchy.hierarchy_depth + 1
    from hierarchy
    inner join typed on hierarchy.next_ancestor_id = typed.dim_crm_account_id
    where hierarchy.hierarchy_depth < 50
),

tops as (
    select dim_crm_account_id, ancestor_id as ultimate_parent_id, hierarchy_depth
    from hierarchy
    where next_ancestor_id is null
)

select
    typed.dim_crm_account_id,
    typed.crm_account_name,
    tops.ultimate_parent_id as dim_parent_crm_account_id,
    typed.dim_crm_account_id_immediate_parent,
    tops.hierarchy_depth as crm_account_hierarchy_depth,
    typed.crm_account_billing_country,
    typed.crm_account_billing_country_code,
    typed.crm_account_industry,
    typed.crm_account_type,
    typed.dim_crm_user_id,
    typed.crm_account_employee_count,
    typed.crm_account_created_date,
    typed.crm_account_last_modified_at,
    typed.is_deleted
from typed
left join tops on typed.dim_crm_account_id = tops.dim_crm_account_id
