"""Business time: a team's working hours in its own time zone, minus public holidays, as vectorised arithmetic.

A :class:`WorkingCalendar` is a time zone, the working hours of each weekday (local wall-clock minutes, e.g.
Mon-Fri 09:00-17:00, or every day 00:00-24:00 for 24x7), the public holidays of a country (the ``holidays``
package) and explicit extra dates. Working hours are read **per local day**: a 09:00-17:00 day counts 8 hours on
the day clocks change too, because 09:00 and 17:00 are converted to UTC with that day's own offset. A 24x7
calendar counts real elapsed time (23 h on the spring-forward day, 25 h in autumn).

The arithmetic precomputes the working intervals over a span of days as two sorted arrays of UTC microseconds
(``starts``, ``ends``) and the cumulative working time before each interval; the working time before an instant
is then one ``searchsorted`` and a clip, for any number of instants at once:

* :func:`business_between` — business seconds in ``[a, b)`` for two arrays of instants (0 when ``b <= a``);
* :func:`add_business` — the earliest instant at which ``n`` business seconds have elapsed since ``t`` (a due
  date); when ``t`` falls outside working hours the count starts at the next working instant.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

import holidays
import numpy as np
import polars as pl
from numpy.typing import NDArray

__all__ = [
    "DAY_NAMES",
    "WorkingCalendar",
    "WorkingIntervals",
    "add_business",
    "business_between",
    "working_intervals",
]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_US = 1_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
Hours = tuple[tuple[tuple[int, int], ...], ...]
"""Per weekday (Monday first): the working ``(start minute, end minute)`` pairs of the local day; 1440 = 24:00."""

OFFICE: Hours = tuple(((540, 1020),) if d < 5 else () for d in range(7))
ALWAYS: Hours = tuple(((0, 1440),) for _ in range(7))


@dataclass(frozen=True)
class WorkingCalendar:
    """When the clock runs. Hashable, so its intervals are cached per span."""

    timezone: str = "UTC"
    hours: Hours = OFFICE
    country: str | None = None
    """ISO 3166 code whose public holidays are days off (``None``: no public holidays)."""
    subdivision: str | None = None
    extra_holidays: tuple[dt.date, ...] = field(default=())

    @property
    def weekly_seconds(self) -> int:
        return sum((end - start) * 60 for day in self.hours for start, end in day)

    def days_off(self, years: Iterable[int]) -> frozenset[dt.date]:
        off = set(self.extra_holidays)
        if self.country:
            off |= set(holidays.country_holidays(self.country, subdiv=self.subdivision, years=list(years)))
        return frozenset(off)


@dataclass(frozen=True)
class WorkingIntervals:
    """The working intervals over ``[first, last]`` local days as UTC microseconds, with running totals."""

    starts: NDArray[np.int64]
    ends: NDArray[np.int64]
    before: NDArray[np.int64]
    """Working microseconds before each interval starts."""
    first: dt.date
    last: dt.date

    @property
    def lo(self) -> int:
        """First microsecond the arithmetic is valid from (local midnight of ``first``, as UTC)."""
        return int(self.starts[0]) if self.starts.size else 0

    def worked(self, t: NDArray[np.int64]) -> NDArray[np.int64]:
        """Working microseconds from the span's start to each instant ``t``."""
        if self.starts.size == 0:
            return np.zeros(t.shape, np.int64)
        i = np.searchsorted(self.starts, t, side="right") - 1
        j = np.clip(i, 0, None)
        inside = np.clip(t - self.starts[j], 0, self.ends[j] - self.starts[j])
        return np.where(i < 0, 0, self.before[j] + inside).astype(np.int64)

    def instant(self, worked: NDArray[np.int64]) -> NDArray[np.int64]:
        """The earliest instant at which ``worked`` working microseconds have elapsed since the span's start;
        ``-1`` where that lies beyond the span."""
        if self.starts.size == 0:
            return np.full(worked.shape, -1, np.int64)
        upto = self.before + (self.ends - self.starts)
        j = np.searchsorted(upto, worked, side="left")
        k = np.clip(j, 0, upto.size - 1)
        at = self.starts[k] + (worked - self.before[k])
        return np.where(j >= upto.size, -1, at).astype(np.int64)


def _local_us(day: dt.date, minute: int, zone: zoneinfo.ZoneInfo) -> int:
    """UTC microseconds of ``minute`` past local midnight of ``day`` (24:00 = next midnight)."""
    day, minute = (day + dt.timedelta(days=1), 0) if minute >= 1440 else (day, minute)
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=zone)
    return (local - _EPOCH) // dt.timedelta(microseconds=1)


@functools.lru_cache(maxsize=64)
def working_intervals(calendar: WorkingCalendar, first: dt.date, last: dt.date) -> WorkingIntervals:
    """Working intervals of the local days ``first..last`` (one pass over days, not over tickets; cached).

    Touching intervals (24x7, or 00:00-24:00 days) are merged, so a 24x7 calendar is one interval.
    """
    zone = zoneinfo.ZoneInfo(calendar.timezone)
    off = calendar.days_off(range(first.year, last.year + 1))
    starts: list[int] = []
    ends: list[int] = []
    day = first
    while day <= last:
        if day not in off:
            for start, end in calendar.hours[day.weekday()]:
                a, b = _local_us(day, start, zone), _local_us(day, end, zone)
                if b <= a:
                    continue
                if ends and a <= ends[-1]:
                    ends[-1] = max(ends[-1], b)
                else:
                    starts.append(a)
                    ends.append(b)
        day += dt.timedelta(days=1)
    s, e = np.array(starts, np.int64), np.array(ends, np.int64)
    before = np.concatenate([[0], np.cumsum(e - s)[:-1]]).astype(np.int64) if s.size else s
    return WorkingIntervals(s, e, before, first, last)


def _micros(values: pl.Series | NDArray[np.int64] | dt.datetime) -> NDArray[np.int64]:
    if isinstance(values, dt.datetime):
        return np.array([(values - _EPOCH) // dt.timedelta(microseconds=1)], np.int64)
    if isinstance(values, pl.Series):
        physical = values.dt.convert_time_zone("UTC").dt.cast_time_unit("us").to_physical().fill_null(0)
        return physical.to_numpy().astype(np.int64)
    return np.asarray(values, np.int64)


def _span(calendar: WorkingCalendar, lo: int, hi: int) -> WorkingIntervals:
    """Intervals covering the instants ``lo..hi`` (a day of margin each side for zone offsets)."""
    zone = zoneinfo.ZoneInfo(calendar.timezone)
    first = dt.datetime.fromtimestamp(lo / _US, zone).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(hi / _US, zone).date() + dt.timedelta(days=1)
    # whole years, so that a cache entry serves every nearby call
    return working_intervals(calendar, dt.date(first.year, 1, 1), dt.date(last.year, 12, 31))


def business_between(
    calendar: WorkingCalendar, a: pl.Series | NDArray[np.int64], b: pl.Series | NDArray[np.int64]
) -> NDArray[np.float64]:
    """Business seconds in ``[a, b)`` per pair (UTC instants as Datetime series or int64 microseconds).

    Null instants (in a Series) give NaN; ``b <= a`` gives 0.
    """
    a_us, b_us = _micros(a), _micros(b)
    missing = np.zeros(a_us.shape, bool)
    for s in (a, b):
        if isinstance(s, pl.Series):
            missing |= s.is_null().to_numpy()
    valid = ~missing
    out = np.full(a_us.shape, np.nan)
    if not valid.any():
        return out
    lo = int(min(a_us[valid].min(), b_us[valid].min()))
    hi = int(max(a_us[valid].max(), b_us[valid].max()))
    span = _span(calendar, lo, hi)
    worked = span.worked(b_us[valid]) - span.worked(a_us[valid])
    out[valid] = np.maximum(worked, 0) / _US
    return out


def add_business(
    calendar: WorkingCalendar, t: pl.Series | NDArray[np.int64], seconds: NDArray[np.float64]
) -> NDArray[np.int64]:
    """UTC microseconds of the instant at which ``seconds`` business seconds have elapsed since ``t``.

    With ``seconds == 0`` the answer is ``t`` itself. Searches up to ten years ahead; beyond that (a calendar with
    almost no working time), or for null/NaN inputs, the answer is ``-1``.
    """
    t_us = _micros(t)
    need = np.asarray(seconds, np.float64)
    valid = np.isfinite(need) & (need >= 0)
    if isinstance(t, pl.Series):
        valid &= ~t.is_null().to_numpy()
    out = np.full(t_us.shape, -1, np.int64)
    if not valid.any() or calendar.weekly_seconds == 0:
        return out
    lo = int(t_us[valid].min())
    weeks = float(need[valid].max()) / calendar.weekly_seconds
    hi = int(t_us[valid].max()) + int((weeks * 1.5 + 4) * 7 * 86_400 * _US)
    hi = min(hi, int(t_us[valid].max()) + 10 * 366 * 86_400 * _US)
    span = _span(calendar, lo, hi)
    target = span.worked(t_us[valid]) + np.round(need[valid] * _US).astype(np.int64)
    at = span.instant(target)
    at = np.where(need[valid] == 0, t_us[valid], np.where(at < 0, -1, np.maximum(at, t_us[valid])))
    out[valid] = at
    return out
