"""Generator settings and the deterministic random streams every module draws from."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

# Golden customers always exist, so a landing zone needs at least this many instances.
MIN_INSTANCES = 10
# Instances run 15.2 or newer and sha256-only pings start with 16.2 (2023-07): the range must follow that.
MIN_END_DATE = dt.date(2024, 1, 1)


@dataclass(frozen=True)
class GeneratorConfig:
    instances: int = 40
    months: int = 6
    seed: int = 42
    end_date: dt.date = dt.date(2026, 10, 31)
    extra_keys: int = 200

    def __post_init__(self) -> None:
        if self.instances < MIN_INSTANCES:
            raise ValueError(f"instances must be at least {MIN_INSTANCES} (the golden customers need them)")
        if self.months < 1:
            raise ValueError("months must be at least 1")
        if self.end_date < MIN_END_DATE:
            raise ValueError(f"end_date must be on or after {MIN_END_DATE}")
        if self.extra_keys < 0:
            raise ValueError("extra_keys must not be negative")

    @property
    def anchor_date(self) -> dt.date:
        """The last month end on or before `end_date`: the range's `months` whole calendar months end here,
        and everything shaped by the range (planted cases, trials, the golden expiry) is placed by it."""
        if (self.end_date + dt.timedelta(days=1)).day == 1:
            return self.end_date
        return self.end_date.replace(day=1) - dt.timedelta(days=1)

    @property
    def horizon_date(self) -> dt.date:
        """The last day of the month after `anchor_date`: the world is simulated through this day and cut
        at `end_date` (which is always earlier), so every end date with the same anchor sees one world."""
        return add_months(self.anchor_date.replace(day=1), 2) - dt.timedelta(days=1)

    @property
    def start_date(self) -> dt.date:
        """First day of the range: `months` whole calendar months up to `anchor_date`; an `end_date` that is
        not a month end adds the days after the anchor (a partial month)."""
        return add_months(self.anchor_date.replace(day=1), -(self.months - 1))

    @property
    def namespaces(self) -> int:
        return max(3, self.instances // 2)

    def rng(self, *stream: object) -> random.Random:
        """An independent stream per concern, so changing one part of the model leaves the others' data
        unchanged. String seeds are hashed with SHA-512 by `random`, which is stable across runs."""
        return random.Random(":".join(str(part) for part in (self.seed, *stream)))


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from start to end inclusive."""
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
