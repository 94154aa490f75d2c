"""Daily usage of each self-managed instance: the one truth Service Ping and Seat Link both report.

Per day: active users (a mean-reverting share of the licensed seats), the running maximum of active
users, the day's activity (events) and an all-time counter basis that only grows - except on the
instance's `counter_reset_on` day, when the database is restored from an old backup and every all-time
counter drops once (the planted reset). The series starts before the range and draws day after day up to
the end date, so a later end date (with the same start) only extends it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from usage_platform.synthetic.config import GeneratorConfig
from usage_platform.synthetic.model import FREE, TRIAL, Instance

WARMUP_DAYS = 35  # history before the range so the first pings have full 28-day windows


@dataclass(frozen=True)
class UsageSeries:
    first_day: dt.date
    active: tuple[int, ...]
    max_active: tuple[int, ...]
    activity_prefix: tuple[float, ...]  # prefix sums of daily activity; len = days + 1
    cumulative: tuple[float, ...]  # all-time counter basis per day

    def _index(self, day: dt.date) -> int:
        return min(max((day - self.first_day).days, 0), len(self.active) - 1)

    def active_on(self, day: dt.date) -> int:
        return self.active[self._index(day)]

    def max_active_on(self, day: dt.date) -> int:
        return self.max_active[self._index(day)]

    def window(self, day: dt.date, days: int) -> float:
        """Activity over the `days` days ending on `day`."""
        end = self._index(day) + 1
        return self.activity_prefix[end] - self.activity_prefix[max(0, end - days)]

    def cumulative_on(self, day: dt.date) -> float:
        return self.cumulative[self._index(day)]


def _utilisation_target(instance: Instance, rng) -> float:
    if instance.instance_type == "Non-Production":
        return rng.uniform(0.04, 0.1)
    if instance.mapping == TRIAL:
        return rng.uniform(0.1, 0.4)
    if instance.over_licensed:
        return rng.uniform(1.05, 1.25)
    return rng.uniform(0.55, 0.95)


def simulate(instance: Instance, config: GeneratorConfig) -> UsageSeries:
    rng = config.rng("usage", instance.uuid)
    first_day = config.start_date - dt.timedelta(days=WARMUP_DAYS)
    total_days = (config.end_date - first_day).days + 1
    free_users = rng.choice((3, 8, 20, 45, 120, 400))
    target = _utilisation_target(instance, rng) if instance.mapping != FREE else rng.uniform(0.8, 1.0)
    utilisation = target
    intensity = rng.uniform(2.0, 12.0)  # events per active user per working day
    active, max_active, prefix, cumulative = [], [], [0.0], []
    installed_days = max(30, (first_day - instance.installed_on).days)
    running_max = 0
    base = 0.0
    reset_drop = 0.0
    for offset in range(total_days):
        day = first_day + dt.timedelta(days=offset)
        utilisation += 0.05 * (target - utilisation) + rng.gauss(0, 0.012)
        utilisation = min(max(utilisation, 0.02), 1.4)
        lic = instance.license_on(day)
        seats = lic.users_count if lic else free_users
        users = max(1, round(seats * utilisation))
        if offset == 0:
            running_max = round(users * rng.uniform(1.0, 1.3))
            base = users * intensity * installed_days * rng.uniform(0.3, 0.8)
        running_max = max(running_max, users)
        weekday_factor = 0.25 if day.weekday() >= 5 else 1.0
        events = users * intensity * weekday_factor * math.exp(rng.gauss(0, 0.25))
        prefix.append(prefix[-1] + events)
        if instance.counter_reset_on == day:
            reset_drop = 0.85 * (base + prefix[-1])  # restored from a backup: all-time counts fall back
        active.append(users)
        max_active.append(running_max)
        cumulative.append(base + prefix[-1] - reset_drop)
    return UsageSeries(first_day, tuple(active), tuple(max_active), tuple(prefix), tuple(cumulative))
