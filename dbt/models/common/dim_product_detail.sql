{#- Zuora's product catalog with GitLab's tiers, delivery and deployment types: one row per product
    rate plan (see prep_product_detail). -#}
select
    dim_product_detail_id,
    product_id,
    dim_product_tier_id,
    product_rate_plan_id,
    product_rate_plan_name,
    product_name,
    product_sku,
    product_category,
    product_tier_historical,
    product_tier_historical_short,
    product_tier_name,
    product_tier_name_short,
    product_delivery_type,
    product_deployment_type,
    product_ranking,
    service_type,
    is_reporter_license,
    is_oss_or_edu_rate_plan,
    is_licensed_user,
    effective_start_date,
    effective_end_date
from {{ ref('prep_product_detail') }}
