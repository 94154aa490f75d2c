{#- Who may read what the platform publishes to Gainsight: on Snowflake, SELECT for the role
    Gainsight's connector logs in with (USAGE_PLATFORM_GAINSIGHT_ROLE, default GAINSIGHT; the
    platform's settings validate it, and so does this macro when dbt runs by hand). Other
    targets get no grants: DuckDB has no roles (dbt-duckdb would only warn) and publishes through
    the export asset's outbox instead. Use as `config(grants=gainsight_grants())`. -#}
{% macro gainsight_grants() %}
    {% if target.type != 'snowflake' %}
        {{ return({}) }}
    {% endif %}
    {% set role = env_var('USAGE_PLATFORM_GAINSIGHT_ROLE', '') | trim or 'GAINSIGHT' %}
    {% if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_$]*', role) %}
        {{ exceptions.raise_compiler_error(
            "USAGE_PLATFORM_GAINSIGHT_ROLE=" ~ role ~ ": expected a Snowflake role name") }}
    {% endif %}
    {{ return({'select': [role]}) }}
{% endmacro %}
