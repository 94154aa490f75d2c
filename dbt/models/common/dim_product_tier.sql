{#- GitLab's product tiers: those the Zuora catalog sells, plus the free and trial tiers no rate plan
    carries and an unknown member (GitLab's prep_product_tier). Keyed by the historical tier name. -#}
with catalog_tiers as (
    select distinct
        product_tier_historical,
        product_tier_name,
        product_delivery_type,
        product_deployment_type,
        product_ranking
    from {{ ref('prep_product_detail') }}
),

unsold_tiers as (
    select
        'SaaS - Free' as product_tier_historical,
        'SaaS - Free' as product_tier_name,
        'SaaS' as product_delivery_type,
        'GitLab.com' as product_deployment_type,
        0 as product_ranking
    union all
    select 'Self-Managed - Core', 'Self-Managed - Free', 'Self-Managed', 'Self-Managed', 0
    union all
    select 'SaaS - Trial: Gold', 'SaaS - Trial: Ultimate', 'SaaS', 'GitLab.com', 0
    union all
    select 'Self-Managed - Trial: Ultimate', 'Self-Managed - Trial: Ultimate', 'Self-Managed', 'Self-Managed', 0
),

tiers as (
    select * from catalog_tiers
    union all
    select * from unsold_tiers
    where product_tier_historical not in (select product_tier_historical from catalog_tiers)
)

select
    {{ commercial_product_tier_id('product_tier_historical') }} as dim_product_tier_id,
    product_tier_historical,
    {{ commercial_tier_short_name('product_tier_historical') }} as product_tier_historical_short,
    product_tier_name,
    {{ commercial_tier_short_name('product_tier_name') }} as product_tier_name_short,
    product_delivery_type,
    product_deployment_type,
    product_ranking
from tiers

union all

select
    {{ commercial_product_tier_id("'-1'") }} as dim_product_tier_id,
    '(Unknown Historical Tier)' as product_tier_historical,
    '(Unknown Historical Tier Name)' as product_tier_historical_short,
    '(Unknown Tier)' as product_tier_name,
    '(Unknown Tier Name)' as product_tier_name_short,
    '(Unknown Delivery Type)' as product_delivery_type,
    '(Unknown Deployment Type)' as product_deployment_type,
    -1 as product_ranking
