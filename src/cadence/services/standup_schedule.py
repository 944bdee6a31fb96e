"""A team's stand-up schedule (``[teams.KEY.standup]`` in ``cadence.toml``) and when its stand-ups happen.

The schedule is a weekly pattern in one time zone: the days (``mon`` .. ``sun``), the local start time and the
time-box. A public holiday of the team's country has no stand-up. Everything here is a pure function of the
settings, the holidays and ``now``, so "is there a stand-up today" and "when is the next one" are testable to the
minute, across daylight-saving changes.

The same section carries the facilitator view's thresholds (stale days, conflict thresholds), parsed and validated
here so a wrong value fails when the file is loaded, naming the key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DAY_NAMES",
    "StandupSettings",
    "StandupTimes",
    "next_standup",
    "parse_standup_settings",
    "previous_standup",
    "standup_at",
    "standup_times",
]

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""How ``days`` names the weekdays (``datetime.date.weekday()`` order)."""

_KEYS = {
    "time_zone",
    "days",
    "time",
    "timebox_minutes",
    "stale_working_days",
    "person_wip_limit",
    "urgent_rank_top",
    "poker_spread_steps",
}
_LOOKAHEAD_DAYS = 400
"""How far :func:`next_standup` looks: a year and a bit, so a schedule of holidays-only days still ends."""


@dataclass(frozen=True)
class StandupSettings:
    """A team's stand-up: when, how long, and the thresholds its facilitator view uses."""

    time_zone: str | None = None
    """An IANA zone; None = the team's time zone."""
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    """Weekdays with a stand-up, ``0`` = Monday."""
    time: dt.time = dt.time(9, 30)
    """Local start time."""
    timebox_minutes: int = 15
    stale_working_days: int = 2
    """An item in progress with no change for this many working days is listed as stale."""
    person_wip_limit: int = 3
    """A person with more items in progress than this, across all teams, is over-allocated."""
    urgent_rank_top: int = 10
    """A P1/P2 ticket's linked item should be among the top this-many of its team's backlog."""
    poker_spread_steps: int = 2
    """A revealed planning-poker round whose cards lie more than this many deck positions apart is a conflict."""


@dataclass(frozen=True)
class StandupTimes:
    """Where ``now`` falls in the schedule (instants in UTC)."""

    time_zone: str
    today: dt.date
    """The team-local date of ``now``."""
    today_at: dt.datetime | None
    """Today's stand-up, None when today has none."""
    next_at: dt.datetime | None
    """The first stand-up starting at or after ``now`` (None only for a schedule without days)."""
    previous_at: dt.datetime | None
    """The last stand-up on a date before today: "since the last stand-up" starts here."""
    in_progress: bool
    """``now`` is inside today's time-box."""


def standup_at(settings: StandupSettings, day: dt.date, zone: str) -> dt.datetime:
    """The UTC instant of the stand-up on local date ``day`` (whether or not the schedule has one that day)."""
    return dt.datetime.combine(day, settings.time, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def _has_standup(settings: StandupSettings, day: dt.date, holidays: frozenset[dt.date]) -> bool:
    return day.weekday() in settings.days and day not in holidays


def next_standup(
    settings: StandupSettings, zone: str, *, now: dt.datetime, holidays: Iterable[dt.date] = ()
) -> dt.datetime | None:
    """**Next stand-up**: the first scheduled day (a listed weekday that is not a public holiday), from the local
    date of ``now`` on, whose start instant is at or after ``now``."""
    off = frozenset(holidays)
    day = now.astimezone(ZoneInfo(zone)).date()
    for offset in range(_LOOKAHEAD_DAYS):
        candidate = day + dt.timedelta(days=offset)
        if _has_standup(settings, candidate, off) and standup_at(settings, candidate, zone) >= now:
            return standup_at(settings, candidate, zone)
    return None


def previous_standup(
    settings: StandupSettings, zone: str, *, now: dt.datetime, holidays: Iterable[dt.date] = ()
) -> dt.datetime | None:
    """**Last stand-up**: the stand-up of the latest scheduled day strictly before the local date of ``now`` (so
    before, during and after today's stand-up, "since the last stand-up" means the same instant)."""
    off = frozenset(holidays)
    day = now.astimezone(ZoneInfo(zone)).date()
    for offset in range(1, _LOOKAHEAD_DAYS):
        candidate = day - dt.timedelta(days=offset)
        if _has_standup(settings, candidate, off):
            return standup_at(settings, candidate, zone)
    return None


def standup_times(
    settings: StandupSettings, zone: str, *, now: dt.datetime, holidays: Iterable[dt.date] = ()
) -> StandupTimes:
    """Today's stand-up (if any), the next one, the last one before today, and whether one is running now."""
    off = frozenset(holidays)
    today = now.astimezone(ZoneInfo(zone)).date()
    today_at = standup_at(settings, today, zone) if _has_standup(settings, today, off) else None
    running = today_at is not None and today_at <= now < today_at + dt.timedelta(minutes=settings.timebox_minutes)
    return StandupTimes(
        time_zone=zone,
        today=today,
        today_at=today_at,
        next_at=next_standup(settings, zone, now=now, holidays=off),
        previous_at=previous_standup(settings, zone, now=now, holidays=off),
        in_progress=running,
    )


def parse_standup_settings(raw: object, where: str) -> StandupSettings:
    """``[teams.KEY.standup]`` as settings; ValueError names the key and the value it refuses."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be a table")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {unknown}; allowed: {sorted(_KEYS)}")
    defaults = StandupSettings()
    zone = raw.get("time_zone")
    if zone is not None:
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{where}.time_zone {zone!r} is not an IANA zone name such as 'Europe/Paris'") from None
    numbers: dict[str, int] = {}
    limits = {"timebox_minutes": 240, "stale_working_days": 60, "person_wip_limit": 100, "urgent_rank_top": 1000,
              "poker_spread_steps": 20}  # fmt: skip
    for key, top in limits.items():
        value = raw.get(key, getattr(defaults, key))
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise ValueError(f"{where}.{key} must be a whole number from 1 to {top}, not {value!r}")
        numbers[key] = value
    return StandupSettings(
        time_zone=None if zone is None else str(zone),
        days=_days(raw.get("days", [DAY_NAMES[d] for d in defaults.days]), where),
        time=_time(raw.get("time", defaults.time), where),
        **numbers,
    )


def _days(value: object, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}.days must be a non-empty list of day names such as ['mon', 'wed', 'fri']")
    days = []
    for name in value:
        short = str(name).strip().lower()[:3]
        if not isinstance(name, str) or short not in DAY_NAMES:
            raise ValueError(f"{where}.days: {name!r} is not a day; use {list(DAY_NAMES)}")
        days.append(DAY_NAMES.index(short))
    return tuple(sorted(set(days)))


def _time(value: object, where: str) -> dt.time:
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f'{where}.time must be a local time such as "09:30", not {value!r}')
