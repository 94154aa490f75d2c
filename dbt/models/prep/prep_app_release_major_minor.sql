{#- GitLab releases, one row per major.minor version, typed. -#}
with releases as (
    {{ latest_file_version(source('releases', 'releases')) }}
)

select
    major_minor_version,
    try_cast(split_part(major_minor_version, '.', 1) as integer) as major_version,
    try_cast(split_part(major_minor_version, '.', 2) as integer) as minor_version,
    try_cast(release_date as date) as release_date
from releases
