"""dim_app_release_major_minor on GitLab's real release list, checked against ranks, next release
dates and version numbers computed here from the same CSV."""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import duckdb
import pytest

from tests.conftest import REFERENCE_DIR, dbt_build, load_raw, settings_for

RELEASES_CSV = REFERENCE_DIR / "releases" / "gitlab_releases_version_date.csv"


def _real_releases() -> list[tuple[str, dt.date]]:
    with RELEASES_CSV.open(newline="") as handle:
        return [
            (row["major_minor_version"], dt.date.fromisoformat(row["release_date"]))
            for row in csv.DictReader(handle)
        ]


def _expected_dim() -> dict[str, tuple[int, int, dt.date, int, dt.date | None]]:
    """version -> (major_minor_version_num, ..., version_number, next release date), from the CSV."""
    ordered = sorted(_real_releases(), key=lambda release: release[1])
    expected = {}
    for index, (version, released) in enumerate(ordered):
        major, minor = (int(part) for part in version.split("."))
        following = ordered[index + 1][1] if index + 1 < len(ordered) else None
        expected[version] = (major, minor, released, index + 1, following)
    return expected


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    if not RELEASES_CSV.is_file():
        pytest.fail(f"GitLab release list not found at {RELEASES_CSV}")
    tmp = tmp_path_factory.mktemp("releases")
    settings = settings_for(tmp / "data")
    landing = settings.landing_dir / "releases"
    landing.mkdir(parents=True)
    shutil.copyfile(RELEASES_CSV, landing / "releases.csv")  # a temp landing zone, never the repo
    load_raw(settings)
    dbt_build(settings, "+dim_app_release_major_minor", tmp_dir=tmp)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        yield conn


def _dim(warehouse) -> dict[str, tuple]:
    rows = warehouse.execute(
        "select major_minor_version, major_version, minor_version, release_date, version_number,"
        " next_version_release_date, major_minor_version_num, is_latest_release"
        " from common.dim_app_release_major_minor"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_every_release_has_its_rank_next_date_and_number(warehouse):
    dim = _dim(warehouse)
    expected = _expected_dim()
    assert len(dim) == len(expected) == len(_real_releases())
    for version, (major, minor, released, rank, following) in expected.items():
        assert dim[version][:5] == (major, minor, released, rank, following), version
        assert dim[version][5] == major * 100 + minor, version


def test_hand_checked_releases(warehouse):
    dim = _dim(warehouse)
    expected = _expected_dim()
    oldest = min(expected, key=lambda version: expected[version][2])
    newest = max(expected, key=lambda version: expected[version][2])
    assert dim[oldest][3] == 1 and dim[oldest][4] == expected[oldest][4]
    assert dim[newest][3] == len(expected) and dim[newest][4] is None and dim[newest][6] is True
    assert sum(1 for row in dim.values() if row[6]) == 1
    # 17.10 comes after 17.9: the number orders versions where the text does not.
    assert dim["17.10"][5] > dim["17.9"][5] and "17.10" < "17.9"
    assert dim["17.10"][3] == dim["17.9"][3] + 1
    # The move from the 22nd to Thursdays: 16.5's successor is 16.6, whatever the day of month.
    assert dim["16.5"][4] == expected["16.6"][2] == dim["16.6"][2]


def _versions_behind(day: dt.date, version: str) -> tuple[int, int]:
    """Independent: releases out on `day` minus the ping's own rank; days since its release."""
    ordered = sorted(_real_releases(), key=lambda release: release[1])
    current_rank = max(index + 1 for index, (_, released) in enumerate(ordered) if released <= day)
    own_rank, own_date = next(
        (index + 1, released) for index, (v, released) in enumerate(ordered) if v == version
    )
    return current_rank - own_rank, (day - own_date).days


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (dt.date(2024, 1, 1), "16.3"),
        (dt.date(2023, 11, 16), "16.5"),  # 16.6's release day: 16.6 is current
        (dt.date(2025, 6, 30), "18.0"),  # after the newest release
        (dt.date(2015, 8, 22), "7.14"),
        (dt.date(2020, 3, 1), "11.0"),
    ],
)
def test_versions_behind_follows_from_the_dim(warehouse, day, version):
    """The computation a mart makes: the release current on the ping's day is the row whose
    [release_date, next_version_release_date) holds it."""
    behind, days_since = warehouse.execute(
        """
        select current_release.version_number - own.version_number, $day - own.release_date
        from common.dim_app_release_major_minor as current_release
        inner join common.dim_app_release_major_minor as own on own.major_minor_version = $version
        where $day >= current_release.release_date
          and ($day < current_release.next_version_release_date
               or current_release.next_version_release_date is null)
        """,
        {"day": day, "version": version},
    ).fetchone()
    assert (behind, days_since) == _versions_behind(day, version)
