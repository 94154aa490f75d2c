{#- GitLab releases, one row per major.minor version, typed. A version listed twice keeps its
    first release date. -#}
with releases as (
    {{ latest_file_version(source('releases', 'releases')) }}
),

typed as (
    select
        trim(major_minor_version) as major_minor_version,
        try_cast(split_part(trim(major_minor_version), '.', 1) as integer) as major_version,
        try_cast(split_part(trim(major_minor_version), '.', 2) as integer) as minor_version,
        try_cast(release_date as date) as release_date
    from releases
    where nullif(trim(major_minor_version), '') is not null
)

select
    major_minor_version,
    major_version,
    minor_version,
    -- 17.10 -> 1710: an integer that orders versions (17.9 < 17.10), as GitLab's models use it.
    major_version * 100 + minor_version as major_minor_version_num,
    min(release_date) as release_date
from typed
group by major_minor_version, major_version, minor_version
