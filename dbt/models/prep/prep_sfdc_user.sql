{#- Salesforce users (account owners), typed. Names are personal data (ORANGE); the email stays
    in raw. -#}
with users as (
    {{ latest_file_version(source('salesforce', 'user')) }}
)

select
    "Id" as dim_crm_user_id,
    "Name" as user_name,
    "Title" as title,
    coalesce(try_cast("IsActive" as boolean), false) as is_active,
    nullif("UserRoleId", '') as user_role_id,
    try_cast("CreatedDate" as timestamp) as created_at
from users
