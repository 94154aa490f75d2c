{#- Helpers for the GitLab.com (SaaS) tables: their GitLab enums and how prep reads them. -#}

{#- The rows of a gitlab_dotcom raw table, one per id: the latest version of each landing file
    (macro latest_file_version), and where the same id comes from more than one file (a CSV and
    a Parquet export of the same table) the most recently loaded one (GitLab's `_dedupe_source`). -#}
{% macro saas_latest_rows(relation, key='id') -%}
    select *
    from ({{ latest_file_version(relation) }}) as latest_files
    qualify row_number() over (partition by {{ key }} order by _loaded_at desc, _source_file desc) = 1
{%- endmacro %}

{#- A raw column that later exports carry but earlier ones may lack (GitLab adds columns over
    releases, e.g. `ci_runners.sharding_key_id` in 17.x), or null while no loaded file had it.
    The raw loader adds a column to the raw table the first time a file carries it, so once one
    export has it the column exists and older rows read as null. -#}
{% macro saas_column_or_null(relation, column_name) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == column_name | lower -%}{%- do found.append(column.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if found -%}{{ column_name }}{%- else -%}cast(null as varchar){%- endif -%}
{%- endmacro %}

{#- GitLab.com plans (`plans.id`, used by gitlab_subscriptions.hosted_plan_id): name, product
    tier, whether it is paid and whether it is a trial. An id not listed here has no name, and
    the not_null test on gitlab_plan_name says so. -#}
{% macro saas_hosted_plans() -%}
    {{ return([
        {'id': 34, 'name': 'free', 'tier': 'Free', 'is_paid': false, 'is_trial': false},
        {'id': 100, 'name': 'premium', 'tier': 'Premium', 'is_paid': true, 'is_trial': false},
        {'id': 101, 'name': 'ultimate', 'tier': 'Ultimate', 'is_paid': true, 'is_trial': false},
        {'id': 102, 'name': 'ultimate_trial', 'tier': 'Ultimate', 'is_paid': false, 'is_trial': true},
    ]) }}
{%- endmacro %}

{#- One attribute (name, tier, is_paid, is_trial) of the plan with id `plan_id`. -#}
{% macro saas_plan_attribute(plan_id, attribute) -%}
    case {{ plan_id }}
        {%- for plan in saas_hosted_plans() %}
        when {{ plan.id }} then {% if plan[attribute] is string %}'{{ plan[attribute] }}'{% else %}{{ (plan[attribute] ~ '') | lower }}{% endif %}
        {%- endfor %}
    end
{%- endmacro %}

{#- The id of the Free plan: the plan of a namespace without a gitlab_subscriptions row. -#}
{% macro saas_free_plan_id() -%}
    {%- for plan in saas_hosted_plans() if plan.name == 'free' -%}{{ plan.id }}{%- endfor -%}
{%- endmacro %}

{#- GitLab's `visibility_level` (Gitlab::VisibilityLevel): 0 private, 10 internal, 20 public. -#}
{% macro saas_visibility(level) -%}
    case {{ level }} when 0 then 'private' when 10 then 'internal' when 20 then 'public' end
{%- endmacro %}

{#- `ci_runners.runner_type`: 1 instance, 2 group, 3 project. -#}
{% macro saas_runner_type(runner_type) -%}
    case {{ runner_type }} when 1 then 'instance_type' when 2 then 'group_type' when 3 then 'project_type' end
{%- endmacro %}
