{#- Zuora billing accounts, typed; the CRM id links them to Salesforce accounts. -#}
with accounts as (
    {{ latest_file_version(source('zuora', 'account')) }}
)

select
    "Id" as dim_billing_account_id,
    "AccountNumber" as billing_account_number,
    nullif("CrmId", '') as dim_crm_account_id,
    "Status" as billing_account_status,
    "Currency" as currency
from accounts
