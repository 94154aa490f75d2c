{#- Thresholds of the rpt_product_usage_* reports: dbt vars with their defaults, named once here.
    Override at run time, e.g. `dbt build --vars '{rpt_active_user_drop_min_share: 0.2}'`. -#}

{#- An active-user drop is significant when it loses at least this share of the previous month's
    active users (0.10 = 10 %) ... -#}
{% macro rpt_active_user_drop_min_share() -%}
    {{ return(var('rpt_active_user_drop_min_share', 0.10)) }}
{%- endmacro %}

{#- ... and at least this many users (so 2 of 10 users leaving is not flagged as a 20 % drop). -#}
{% macro rpt_active_user_drop_min_users() -%}
    {{ return(var('rpt_active_user_drop_min_users', 5)) }}
{%- endmacro %}

{#- An installation is far behind when its major.minor release is this many releases or more
    behind the latest release at ping time. GitLab backports security fixes to the current and the
    two previous monthly releases only, so from 3 behind an instance gets none. -#}
{% macro rpt_versions_behind_threshold() -%}
    {{ return(var('rpt_versions_behind_threshold', 3)) }}
{%- endmacro %}
