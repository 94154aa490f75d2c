"""GitLab's monthly release calendar and the version strings instances report."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

# (major, first release month, number of minors): 13 had 13 minors, 14 started a month late.
_MAJORS = ((13, (2020, 5), 13), (14, (2021, 6), 11))
_FIRST_REGULAR_MAJOR = 15  # from 15 on: X.0 in May .. X.11 in April
_LAST_22ND = (16, 5)  # releases moved from the 22nd to the third Thursday after 16.5


@dataclass(frozen=True, order=True)
class Release:
    major: int
    minor: int
    date: dt.date

    @property
    def label(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def key(self) -> tuple[int, int]:
        return (self.major, self.minor)


def third_thursday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 14)


def _release_date(major: int, minor: int, year: int, month: int) -> dt.date:
    if (major, minor) <= _LAST_22ND:
        return dt.date(year, month, 22)
    return third_thursday(year, month)


def _schedule():
    """Endless (major, minor, year, month) sequence from 13.0 on."""
    for major, (year, month), minors in _MAJORS:
        for minor in range(minors):
            index = year * 12 + month - 1 + minor
            yield major, minor, index // 12, index % 12 + 1
    major = _FIRST_REGULAR_MAJOR
    while True:
        for minor in range(12):
            index = (2022 + major - _FIRST_REGULAR_MAJOR) * 12 + 4 + minor
            yield major, minor, index // 12, index % 12 + 1
        major += 1


@cache
def release_calendar(until: dt.date) -> tuple[Release, ...]:
    """Every release from 13.0 whose date is on or before `until`, oldest first."""
    releases = []
    for major, minor, year, month in _schedule():
        day = _release_date(major, minor, year, month)
        if day > until:
            break
        releases.append(Release(major, minor, day))
    return tuple(releases)


def latest_release_rank(calendar: tuple[Release, ...], day: dt.date) -> int:
    """Index in `calendar` of the newest release out on `day` (0 if none yet)."""
    rank = 0
    for index, release in enumerate(calendar):
        if release.date > day:
            break
        rank = index
    return rank


_MILESTONE = re.compile(r"^(<)?(\d+)\.(\d+)$")


def milestone_key(milestone: str) -> tuple[int, int]:
    """`'16.3'` -> (16, 3); `'<13.9'` (before the dictionary existed) sorts before every release."""
    match = _MILESTONE.match(milestone)
    if not match:
        raise ValueError(f"not a milestone: {milestone!r}")
    if match.group(1):
        return (0, 0)
    return (int(match.group(2)), int(match.group(3)))
