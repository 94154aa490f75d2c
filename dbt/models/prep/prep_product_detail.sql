{#- Zuora's product catalog, one row per product rate plan, with GitLab's product tier, delivery
    type (SaaS / Self-Managed) and deployment type (GitLab.com / Dedicated / Self-Managed).
    GitLab keys product details by product rate plan charge; the export has no product rate plan
    charge catalog, so a product rate plan is the detail here (dim_product_detail_id is its id). -#}
with products as (
    {{ latest_file_version(source('zuora', 'product')) }}
),

rate_plans as (
    {{ latest_file_version(source('zuora', 'product_rate_plan')) }}
),

joined as (
    select
        rate_plans."Id" as product_rate_plan_id,
        nullif(rate_plans."ProductId", '') as product_id,
        rate_plans."Name" as product_rate_plan_name,
        products."Name" as product_name,
        products."SKU" as product_sku,
        products."Category" as product_category,
        {{ commercial_product_tier_historical('rate_plans."Name"') }} as product_tier_historical,
        try_cast(products."EffectiveStartDate" as date) as effective_start_date,
        try_cast(products."EffectiveEndDate" as date) as effective_end_date,
        try_cast(rate_plans."EffectiveStartDate" as date) as product_rate_plan_effective_start_date,
        try_cast(rate_plans."EffectiveEndDate" as date) as product_rate_plan_effective_end_date
    from rate_plans
    left join products on rate_plans."ProductId" = products."Id"
),

tiered as (
    select
        *,
        {{ commercial_product_tier_name('product_tier_historical') }} as product_tier_name
    from joined
)

select
    product_rate_plan_id as dim_product_detail_id,
    product_id,
    {{ commercial_product_tier_id('product_tier_historical') }} as dim_product_tier_id,
    product_rate_plan_id,
    product_rate_plan_name,
    product_name,
    product_sku,
    product_category,
    product_tier_historical,
    {{ commercial_tier_short_name('product_tier_historical') }} as product_tier_historical_short,
    product_tier_name,
    {{ commercial_tier_short_name('product_tier_name') }} as product_tier_name_short,
    {{ commercial_product_delivery_type('product_tier_historical') }} as product_delivery_type,
    {{ commercial_product_deployment_type('product_tier_historical') }} as product_deployment_type,
    {{ commercial_product_ranking('product_tier_historical') }} as product_ranking,
    case when lower(product_rate_plan_name) like '%support%' then 'Support Only' else 'Full Service' end
        as service_type,
    lower(product_rate_plan_name) like '%reporter access%' as is_reporter_license,
    (lower(product_rate_plan_name) like '%oss%' or lower(product_rate_plan_name) like '%edu%')
        as is_oss_or_edu_rate_plan,
    -- Seats that license users: not storage, not Dedicated's administration or storage charges.
    not (
        product_tier_name = 'Storage'
        or lower(product_rate_plan_name) like 'dedicated - administration%'
        or lower(product_rate_plan_name) like 'dedicated - storage%'
    ) as is_licensed_user,
    effective_start_date,
    effective_end_date,
    product_rate_plan_effective_start_date,
    product_rate_plan_effective_end_date
from tiered
