{{ config(meta={'data_classification': 'orange'}) }}
{#- Zuora billing accounts with the Salesforce account they bill (GitLab's dim_billing_account). -#}
select
    dim_billing_account_id,
    dim_crm_account_id,
    billing_account_number,
    billing_account_name,
    billing_account_status,
    currency,
    batch,
    bill_to_contact_id,
    sold_to_contact_id,
    created_at,
    updated_at
from {{ ref('prep_billing_account') }}
