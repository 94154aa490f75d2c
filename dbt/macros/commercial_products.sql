{#- GitLab's product tiers from Zuora product rate plan names (GitLab's map_product_tier, the
    legacy name rules: the export has no product_tier / delivery / deployment fields on the
    product). The historical tier is the name the rate plan was sold under; the tier name maps
    the retired SaaS Gold and Silver to today's Ultimate and Premium. -#}

{% macro commercial_product_tier_historical(rate_plan_name) -%}
    {%- set name = 'lower(trim(' ~ rate_plan_name ~ '))' -%}
    case
        when {{ name }} like '%saas - ultimate%' then 'SaaS - Ultimate'
        when {{ name }} like '%saas - premium%' then 'SaaS - Premium'
        when {{ name }} like '%dedicated - ultimate%' then 'Dedicated - Ultimate'
        when {{ name }} like '%ultimate%' then 'Self-Managed - Ultimate'
        when {{ name }} like '%premium%' then 'Self-Managed - Premium'
        when {{ name }} like 'gold%' then 'SaaS - Gold'
        when {{ name }} like 'silver%' then 'SaaS - Silver'
        when {{ name }} like '%bronze%' then 'SaaS - Bronze'
        when {{ name }} like '%starter%' then 'Self-Managed - Starter'
        when {{ name }} like 'gitlab enterprise edition%' then 'Self-Managed - Starter'
        when {{ name }} = 'pivotal cloud foundry tile for gitlab ee' then 'Self-Managed - Starter'
        when {{ name }} like 'plus%' then 'Plus'
        when {{ name }} like 'standard%' then 'Standard'
        when {{ name }} like 'basic%' then 'Basic'
        when {{ name }} = 'trueup' then 'Trueup'
        when {{ name }} like 'githost%' then 'GitHost'
        when {{ name }} like '%quick start%'
            or {{ name }} like '%training%'
            or {{ name }} like '%consulting%'
            or {{ name }} like '%implementation%'
            or {{ name }} like 'dedicated engineer%'
            or {{ name }} in ('gitlab service package', 'support package', 'travel expenses', 'migration+')
            then 'Support'
        when {{ name }} like 'gitlab geo%'
            or {{ name }} like 'ci runner%'
            or {{ name }} like '%ci minutes%'
            or {{ name }} like '%compute minutes%'
            or {{ name }} in ('file locking', 'time tracking')
            then 'SaaS - Other'
        when {{ name }} like 'discount%' or {{ name }} = 'one time discount' then 'Other'
        when {{ name }} like '%storage%' then 'Storage'
        else 'Not Applicable'
    end
{%- endmacro %}

{#- Today's name of a historical tier. -#}
{% macro commercial_product_tier_name(tier_historical) -%}
    case {{ tier_historical }}
        when 'SaaS - Gold' then 'SaaS - Ultimate'
        when 'SaaS - Silver' then 'SaaS - Premium'
        else {{ tier_historical }}
    end
{%- endmacro %}

{#- Who runs the product: GitLab (SaaS: GitLab.com and Dedicated) or the customer (Self-Managed). -#}
{% macro commercial_product_delivery_type(tier_historical) -%}
    case
        when {{ tier_historical }} like 'Self-Managed%' then 'Self-Managed'
        when {{ tier_historical }} like 'SaaS%'
            or {{ tier_historical }} like 'Dedicated%'
            or {{ tier_historical }} in ('Storage', 'Standard', 'Basic', 'Plus', 'GitHost')
            then 'SaaS'
        when {{ tier_historical }} in ('Other', 'Support', 'Trueup') then 'Others'
        when {{ tier_historical }} = 'Not Applicable' then 'Not Applicable'
    end
{%- endmacro %}

{#- Where it runs: GitLab.com, GitLab Dedicated or the customer's own installation. -#}
{% macro commercial_product_deployment_type(tier_historical) -%}
    case
        when {{ tier_historical }} like 'Self-Managed%' then 'Self-Managed'
        when {{ tier_historical }} like 'Dedicated%' then 'Dedicated'
        when {{ tier_historical }} like 'SaaS%'
            or {{ tier_historical }} in ('Storage', 'Standard', 'Basic', 'Plus', 'GitHost')
            then 'GitLab.com'
        when {{ tier_historical }} in ('Other', 'Support', 'Trueup') then 'Others'
        when {{ tier_historical }} = 'Not Applicable' then 'Not Applicable'
    end
{%- endmacro %}

{#- 3 Ultimate (and Gold), 2 Premium (and Silver), 1 Starter and Bronze, 0 anything else. -#}
{% macro commercial_product_ranking(tier_historical) -%}
    case
        when {{ tier_historical }} in ('SaaS - Gold', 'Self-Managed - Ultimate', 'SaaS - Ultimate', 'Dedicated - Ultimate')
            then 3
        when {{ tier_historical }} in ('SaaS - Silver', 'Self-Managed - Premium', 'SaaS - Premium') then 2
        when {{ tier_historical }} in ('SaaS - Bronze', 'Self-Managed - Starter') then 1
        else 0
    end
{%- endmacro %}

{#- The part of a tier name after ' - ' ('Self-Managed - Ultimate' -> 'Ultimate'); the whole name
    when it has none ('Storage'). -#}
{% macro commercial_tier_short_name(tier) -%}
    case
        when position(' - ' in {{ tier }}) > 0 then substr({{ tier }}, position(' - ' in {{ tier }}) + 3)
        else {{ tier }}
    end
{%- endmacro %}

{#- dim_product_tier's key: md5 of the historical tier name (GitLab's surrogate key). -#}
{% macro commercial_product_tier_id(tier_historical) -%}
    {{ hash_key([tier_historical]) }}
{%- endmacro %}
