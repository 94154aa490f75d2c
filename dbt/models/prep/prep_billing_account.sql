{#- Zuora billing accounts, typed; the CRM id links them to Salesforce accounts. The account name
    is customer data (ORANGE); contacts stay in raw (only their ids are kept). -#}
with accounts as (
    {{ latest_file_version(source('zuora', 'account')) }}
)

select
    "Id" as dim_billing_account_id,
    "AccountNumber" as billing_account_number,
    "Name" as billing_account_name,
    nullif(trim("CrmId"), '') as dim_crm_account_id,
    "Status" as billing_account_status,
    "Currency" as currency,
    nullif("Batch", '') as batch,
    nullif("BillToId", '') as bill_to_contact_id,
    nullif("SoldToId", '') as sold_to_contact_id,
    try_cast("CreatedDate" as timestamp) as created_at,
    try_cast("UpdatedDate" as timestamp) as updated_at
from accounts
