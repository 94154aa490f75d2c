{#- Salesforce accounts, typed. The account name is customer data: ORANGE. -#}
with accounts as (
    {{ latest_file_version(source('salesforce', 'account')) }}
)

select
    "Id" as dim_crm_account_id,
    "Name" as crm_account_name,
    nullif("ParentId", '') as dim_parent_crm_account_id,
    "BillingCountry" as crm_account_billing_country,
    "Industry" as crm_account_industry,
    "Type" as crm_account_type,
    coalesce(try_cast("IsDeleted" as boolean), false) as is_deleted
from accounts
