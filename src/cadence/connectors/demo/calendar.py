"""The demo's working-time model: an effort clock that only runs while a team works.

Every duration in the demo is drawn in *effort hours* and placed on a team's clock. The clock advances inside the
team's local working windows (a morning and an afternoon on working days, a trickle at weekends and on public
holidays), so mapping effort to UTC through those windows is what makes nights and weekends quiet, lunch visible
and holidays empty, with no special case in the simulation itself. Both directions are vectorised lookups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import holidays
import numpy as np
import polars as pl
from numpy.typing import NDArray

__all__ = [
    "CUSTOMER_HOURS",
    "OFFICE_HOURS",
    "US_PER_DAY",
    "US_PER_HOUR",
    "DayProfile",
    "Slowdown",
    "WorkCalendar",
    "build_calendar",
    "epoch_day",
    "local_days",
    "local_instants",
    "public_holidays",
]

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
_EPOCH = dt.date(1970, 1, 1)
_TEAM_SHIFT = 46  # composite search key: team << 46 | microseconds since the calendar's origin (~2.2 years)

Window = tuple[float, float, float]
"""A local working window: start hour, end hour, effort hours it holds."""


@dataclass(frozen=True)
class DayProfile:
    """When people are active: windows on working days, and on weekends and public holidays."""

    workday: tuple[Window, ...]
    offday: tuple[Window, ...]


OFFICE_HOURS = DayProfile(workday=((8.75, 12.5, 3.75), (13.5, 18.25, 4.75)), offday=((10.0, 17.0, 0.2),))
"""Engineers and agents: 08:45-12:30 and 13:30-18:15 on working days; a few minutes of on-call work off days."""

CUSTOMER_HOURS = DayProfile(workday=((7.5, 20.0, 12.5),), offday=((9.0, 19.0, 1.0),))
"""Customers writing in: long weekdays, a little at weekends."""


def epoch_day(day: dt.date) -> int:
    """Days since 1970-01-01, the unit of the calendar's day arrays."""
    return (day - _EPOCH).days


@cache
def public_holidays(country: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    """Public holidays of an ISO country code, from the ``holidays`` package (nationwide ones only)."""
    return frozenset(holidays.country_holidays(country, years=range(first_year, last_year + 1)).keys())


def local_instants(
    team: NDArray[np.int64], day: NDArray[np.int64], hours: NDArray[np.float64], zones: Sequence[str]
) -> NDArray[np.int64]:
    """UTC microseconds of the local wall-clock time ``hours`` after midnight of ``day`` in each team's zone."""
    naive = day.astype(np.int64) * US_PER_DAY + np.rint(hours * US_PER_HOUR).astype(np.int64)
    names = sorted(set(zones))
    codes = np.array([names.index(z) for z in zones], dtype=np.int64)[team]
    out = np.empty(naive.shape, dtype=np.int64)
    for code, name in enumerate(names):
        mask = codes == code
        if mask.any():
            local = pl.Series(naive[mask], dtype=pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone(name)
            out[mask] = local.cast(pl.Int64).to_numpy()
    return out


def local_days(team: NDArray[np.int64], instant: NDArray[np.int64], zones: Sequence[str]) -> NDArray[np.int64]:
    """The local calendar day (days since epoch) of UTC instants in each team's zone."""
    names = sorted(set(zones))
    codes = np.array([names.index(z) for z in zones], dtype=np.int64)[team]
    out = np.empty(instant.shape, dtype=np.int64)
    for code, name in enumerate(names):
        mask = codes == code
        if mask.any():
            local = pl.Series(instant[mask], dtype=pl.Int64).cast(pl.Datetime("us", "UTC")).dt.convert_time_zone(name)
            out[mask] = local.dt.date().cast(pl.Int64).to_numpy()
    return out


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """Working windows of every team, laid end to end on one global effort axis.

    Team ``t`` owns the effort range ``[team_base[t], team_base[t + 1])``; a team's local effort ``e`` is the
    global position ``team_base[t] + e``. Windows are team-major and time-ordered within a team.
    """

    zones: tuple[str, ...]
    first: dt.date
    working: NDArray[np.bool_]  # (teams, days): a working day (not weekend, not public holiday)
    window_start: NDArray[np.int64]  # UTC microseconds
    window_length: NDArray[np.int64]  # microseconds
    effort_start: NDArray[np.float64]  # global effort at the window's start, strictly increasing
    effort_length: NDArray[np.float64]
    team_first: NDArray[np.int64]  # index of each team's first window, plus a final sentinel
    team_base: NDArray[np.float64]  # global effort at each team's first window, plus a final sentinel
    keys: NDArray[np.int64]  # team << _TEAM_SHIFT | (window_start - origin), sorted
    origin: int

    def to_utc(self, team: NDArray[np.int64], effort: NDArray[np.float64]) -> NDArray[np.int64]:
        """UTC microseconds at which each team's clock reads ``effort`` hours (clamped to the calendar)."""
        base = self.team_base[team]
        top = np.nextafter(self.team_base[team + 1], -np.inf)
        position = np.clip(base + effort, base, top)
        # "left": an instant on a window boundary is the end of the earlier window, not the start of the next one
        i = np.maximum(np.searchsorted(self.effort_start, position, side="left") - 1, self.team_first[team])
        fraction = (position - self.effort_start[i]) / self.effort_length[i]
        return self.window_start[i] + (fraction * self.window_length[i]).astype(np.int64)

    def effort_at(self, team: NDArray[np.int64], instant: NDArray[np.int64]) -> NDArray[np.float64]:
        """Each team's clock reading at a UTC instant (the inverse of :meth:`to_utc`)."""
        offset = np.clip(instant - self.origin, 0, (1 << _TEAM_SHIFT) - 1)
        i = np.searchsorted(self.keys, (team << _TEAM_SHIFT) | offset, side="right") - 1
        i = np.maximum(i, self.team_first[team])
        fraction = np.clip((instant - self.window_start[i]) / self.window_length[i], 0.0, 1.0)
        return self.effort_start[i] + fraction * self.effort_length[i] - self.team_base[team]

    def between(
        self, team: NDArray[np.int64], low: NDArray[np.int64], high: NDArray[np.int64], u: NDArray[np.float64]
    ) -> NDArray[np.int64]:
        """Working instants a fraction ``u`` of the team's working time from ``low`` to ``high`` (UTC)."""
        start = self.effort_at(team, low)
        return self.to_utc(team, start + u * (self.effort_at(team, high) - start))

    def is_working(self, team: int, day: dt.date) -> bool:
        """Whether ``day`` is a working day for the team (inside the calendar's range)."""
        return bool(self.working[team, (day - self.first).days])

    def previous_working_day(self, team: NDArray[np.int64], day: NDArray[np.int64]) -> NDArray[np.int64]:
        """The last working day strictly before ``day`` (days since epoch) for each team."""
        first = epoch_day(self.first)
        out = day - 1
        for _ in range(14):  # no team has a fortnight of consecutive days off
            off = ~self.working[team, np.clip(out - first, 0, self.working.shape[1] - 1)]
            out = np.where(off, out - 1, out)
        return out

    def working_days(self) -> pl.DataFrame:
        """One row per (team, working day): columns ``team`` (index) and ``day`` (days since epoch)."""
        team, offset = np.nonzero(self.working)
        return pl.DataFrame({"team": team.astype(np.int64), "day": offset.astype(np.int64) + epoch_day(self.first)})


Slowdown = tuple[int, int, int, float]
"""A team index, its first and end day (days since epoch, end exclusive) and how many times slower work goes."""


def build_calendar(
    zones: Sequence[str],
    countries: Sequence[str],
    first: dt.date,
    last: dt.date,
    profile: DayProfile,
    slowdowns: Sequence[Slowdown] = (),
) -> WorkCalendar:
    """The working calendar of teams in ``zones``/``countries`` from ``first`` to ``last`` inclusive.

    A slowdown divides a team's effort capacity over some days: everything the team touches then takes that many
    times longer in wall-clock time, which is how a team swamped by something else looks from its board.
    """
    n_teams, n_days = len(zones), (last - first).days + 1
    offsets = np.arange(n_days)
    working = np.broadcast_to((first.weekday() + offsets) % 7 < 5, (n_teams, n_days)).copy()
    for t, country in enumerate(countries):
        for holiday in public_holidays(country, first.year, last.year):
            if first <= holiday <= last:
                working[t, (holiday - first).days] = False

    work, off = np.array(profile.workday, dtype=np.float64), np.array(profile.offday, dtype=np.float64)
    flat = working.ravel()
    counts = np.where(flat, len(work), len(off))
    team = np.repeat(np.repeat(np.arange(n_teams, dtype=np.int64), n_days), counts)
    day = np.repeat(np.tile(offsets, n_teams), counts) + epoch_day(first)
    is_work = np.repeat(flat, counts)
    slot = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    spec = np.where(is_work[:, None], work[np.minimum(slot, len(work) - 1)], off[np.minimum(slot, len(off) - 1)])

    window_start = local_instants(team, day, spec[:, 0], zones)
    window_length = np.rint((spec[:, 1] - spec[:, 0]) * US_PER_HOUR).astype(np.int64)
    effort_length = spec[:, 2].copy()
    for t, start, end, factor in slowdowns:
        effort_length[(team == t) & (day >= start) & (day < end)] /= factor
    effort_start = np.cumsum(effort_length) - effort_length
    team_first = np.searchsorted(team, np.arange(n_teams + 1)).astype(np.int64)
    team_base = np.append(effort_start, effort_start[-1] + effort_length[-1])[team_first]
    origin = int(window_start.min()) - US_PER_DAY
    return WorkCalendar(
        zones=tuple(zones),
        first=first,
        working=working,
        window_start=window_start,
        window_length=window_length,
        effort_start=effort_start,
        effort_length=effort_length,
        team_first=team_first,
        team_base=team_base,
        keys=(team << _TEAM_SHIFT) | (window_start - origin),
        origin=origin,
    )
