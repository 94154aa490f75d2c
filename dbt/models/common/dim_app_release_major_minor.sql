{#- GitLab releases, one row per major.minor version, ranked by release date. A ping's "versions
    behind" is the version_number of the release current on the ping's day (release_date <= day <
    next_version_release_date) minus the version_number of the ping's own major.minor. -#}
with releases as (
    select * from {{ ref('prep_app_release_major_minor') }}
)

select
    {{ hash_key(["'GitLab'", 'major_minor_version']) }} as dim_app_release_major_minor_sk,
    major_minor_version,
    major_version,
    minor_version,
    major_minor_version_num,
    release_date,
    row_number() over (order by release_date, major_minor_version_num) as version_number,
    lead(release_date) over (order by release_date, major_minor_version_num) as next_version_release_date,
    lead(release_date) over (order by release_date, major_minor_version_num) is null as is_latest_release
from releases
