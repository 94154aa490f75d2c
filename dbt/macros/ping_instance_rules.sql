{#- Rules that classify a Service Ping from its top-level fields: version parsing and the staging
    hostname rule, written on the adapter-dispatched regex macros of regex.sql. -#}

{#- GitLab versions as sent: '17.4.2', '17.4.2-ee', '16.11.0-pre', '17.0.0-rc42', '12.10.0-rc1-93-g40980d40',
    '17.4.2+ee.0'. The cleaned version is the leading 'major.minor[.patch]'; whatever follows (edition,
    pre-release, build) is dropped. `part` is 0 (the cleaned version), 1 (major), 2 (minor) or 3 (patch). -#}
{% macro version_part(version, part) -%}
    {%- set match = regex_extract('trim(' ~ version ~ ')', "'^v?(([0-9]+)[.]([0-9]+)([.]([0-9]+))?)'", [1, 2, 3, 5][part]) -%}
    {%- if part == 0 -%}
        {{ match }}
    {%- else -%}
        try_cast({{ match }} as integer)
    {%- endif -%}
{%- endmacro %}

{#- Pre-release builds: a '-pre' (nightly) or '-rc<N>' (release candidate) suffix. -#}
{% macro version_is_prerelease(version) -%}
    coalesce({{ regex_matches('lower(' ~ version ~ ')', "'-(pre|rc[0-9]*)([^a-z]|$)'") }}, false)
{%- endmacro %}

{#- Staging installations by hostname: one of the hostname's dot- or dash-separated words is
    'staging', 'stage' or 'stg', optionally numbered ('staging.gitlab.com', 'gitlab-staging.acme.com',
    'gitlab-stage.acme.io', 'stg2.acme.net'); 'stagecoach.com' and 'backstage.io' are not staging. -#}
{% macro hostname_is_staging(hostname) -%}
    coalesce({{ regex_matches('lower(' ~ hostname ~ ')', "'(^|[.-])(staging|stage|stg)[0-9]*([.-]|$)'") }}, false)
{%- endmacro %}
