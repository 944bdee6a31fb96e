"""An SLA policy: goals per priority, its working calendar, and the statuses that pause and stop the clocks.

Policies arrive as JSON (API) or TOML (CLI) dictionaries and are stored as JSON; :func:`parse_policy` is the one
place that reads and validates them, raising :class:`InputError` naming the bad field. The shape::

    name = "default"
    at_risk = "20%"                      # or a duration: "2h", "30m"
    [calendar]
    hours = "mon-fri 09:00-17:00"        # or "24x7", or "mon-fri 09:00-12:30 13:30-17:30, sat 10:00-14:00"
    holidays = true                      # the public holidays of the team's country
    country = "FR"                       # optional: another country's holidays
    timezone = "Europe/Paris"            # optional: instead of the team's time zone
    extra_holidays = ["2026-12-24"]
    [goals.first_response]               # business time; a number is hours
    P1 = "1h"
    "*" = "8h"                           # any other priority (and tickets without one)
    [goals.resolution]
    P1 = "4h"
    [statuses]
    pause = ["Waiting for customer"]     # statuses compared case-insensitively
    stop = ["Resolved", "Closed"]
    [triage]
    pause = ["waiting"]                  # Cadence triage states (events of kind "triage") that pause too
    respond = ["accepted", "declined", "duplicate", "waiting"]

:data:`DEFAULT_POLICY` applies to a team without a policy (and to tickets naming a policy the team lacks when the
team has no policy called ``default``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import holidays

from cadence.analytics.working_calendar import ALWAYS, DAY_NAMES, OFFICE, Hours, WorkingCalendar
from cadence.domain.errors import InputError

__all__ = ["DEFAULT_POLICY", "GOALS", "CalendarSpec", "SlaPolicy", "format_duration", "parse_policy"]

GOALS = ("first_response", "resolution")
ANY_PRIORITY = "*"


@dataclass(frozen=True)
class CalendarSpec:
    """The calendar part of a policy; the team supplies the time zone and country unless the policy overrides."""

    hours: Hours = OFFICE
    hours_text: str = "mon-fri 09:00-17:00"
    holidays: bool = True
    country: str | None = None
    timezone: str | None = None
    extra_holidays: tuple[dt.date, ...] = ()

    def calendar(self, team_timezone: str | None, team_country: str | None) -> WorkingCalendar:
        country = (self.country or team_country) if self.holidays else None
        return WorkingCalendar(self.timezone or team_timezone or "UTC", self.hours, country, None, self.extra_holidays)


@dataclass(frozen=True)
class SlaPolicy:
    name: str = "default"
    goals: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """goal -> priority (``*`` for any other) -> business seconds."""
    calendar: CalendarSpec = CalendarSpec()
    pause_statuses: frozenset[str] = frozenset()
    stop_statuses: frozenset[str] = frozenset()
    pause_triage: frozenset[str] = frozenset({"waiting"})
    respond_triage: frozenset[str] = frozenset({"accepted", "declined", "duplicate", "waiting"})
    at_risk_fraction: float | None = 0.2
    at_risk_seconds: float | None = None

    def goal_table(self) -> list[tuple[str, str, float]]:
        return [(goal, prio, secs) for goal, table in self.goals.items() for prio, secs in table.items()]

    def to_dict(self) -> dict[str, Any]:
        """The canonical dictionary: what is stored, audited and shown (parses back to an equal policy)."""
        cal = self.calendar
        calendar: dict[str, Any] = {"hours": cal.hours_text, "holidays": cal.holidays}
        if cal.country:
            calendar["country"] = cal.country
        if cal.timezone:
            calendar["timezone"] = cal.timezone
        if cal.extra_holidays:
            calendar["extra_holidays"] = [d.isoformat() for d in cal.extra_holidays]
        at_risk = (
            f"{round(self.at_risk_fraction * 100, 6):g}%"
            if self.at_risk_fraction is not None
            else format_duration(self.at_risk_seconds or 0)
        )
        return {
            "name": self.name,
            "at_risk": at_risk,
            "calendar": calendar,
            "goals": {g: {p: format_duration(s) for p, s in t.items()} for g, t in self.goals.items()},
            "statuses": {"pause": sorted(self.pause_statuses), "stop": sorted(self.stop_statuses)},
            "triage": {"pause": sorted(self.pause_triage), "respond": sorted(self.respond_triage)},
        }


def format_duration(seconds: float) -> str:
    """``5400`` -> ``"1h30m"``; the inverse of the duration parser for whole seconds."""
    total = round(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s else "")
    return text or "0s"


_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s)?\s*$")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _bad(path: str, problem: str) -> InputError:
    return InputError(f"SLA policy field '{path}' {problem}", field=path)


def _duration(value: object, path: str, *, positive: bool = True) -> float:
    if isinstance(value, bool):
        raise _bad(path, f"is {value!r}; give a duration like '4h', '30m' or a number of hours")
    if isinstance(value, int | float):
        seconds = float(value) * 3600
    elif isinstance(value, str) and value.strip() and (match := _DURATION.match(value)) and any(match.groups()):
        h, m, s = (float(g) if g else 0.0 for g in match.groups())
        seconds = h * 3600 + m * 60 + s
    else:
        raise _bad(path, f"is {value!r}; give a duration like '4h', '30m', '1h30m' or a number of hours")
    if positive and not seconds > 0:
        raise _bad(path, f"is {value!r}; a goal must be longer than zero")
    return seconds


def _strings(value: object, path: str) -> frozenset[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _bad(path, f"is {value!r}; give a list of names")
    return frozenset(v.strip().lower() for v in value)


def _table(value: object, path: str, known: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(path, f"is {value!r}; give a table")
    unknown = sorted(set(value) - known)
    if unknown:
        raise _bad(f"{path}.{unknown[0]}" if path else unknown[0], f"is not known; use {', '.join(sorted(known))}")
    return value


def _days(text: str, path: str) -> list[int]:
    days: list[int] = []
    for part in text.split("+"):
        ends = part.split("-")
        if len(ends) > 2 or not all(e in DAY_NAMES for e in ends):
            raise _bad(path, f"has '{text}'; name days as mon..sun, e.g. 'mon-fri' or 'sat+sun'")
        a, b = DAY_NAMES.index(ends[0]), DAY_NAMES.index(ends[-1])
        days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return days


def _hours(value: object, path: str) -> Hours:
    """``"24x7"`` or comma-separated ``<days> <HH:MM-HH:MM> [...]`` clauses."""
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, f"is {value!r}; give e.g. 'mon-fri 09:00-17:00' or '24x7'")
    text = value.strip().lower()
    if text == "24x7":
        return ALWAYS
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for clause in text.split(","):
        words = clause.split()
        if len(words) < 2:
            raise _bad(path, f"has '{clause.strip()}'; each clause is '<days> HH:MM-HH:MM', e.g. 'mon-fri 09:00-17:00'")
        for span in words[1:]:
            match = _SPAN.match(span)
            if not match:
                raise _bad(path, f"has '{span}'; write working hours as HH:MM-HH:MM")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if m1 > 59 or m2 > 59 or not 0 <= start < end <= 1440:
                raise _bad(path, f"has '{span}'; hours must run forward within one day (00:00-24:00)")
            for day in _days(words[0], path):
                week[day].append((start, end))
    for spans in week:
        spans.sort()
        if any(b[0] < a[1] for a, b in itertools.pairwise(spans)):
            raise _bad(path, f"has overlapping working hours in '{value}'")
    if not any(week):
        raise _bad(path, "has no working time at all")
    return tuple(tuple(spans) for spans in week)


def _calendar(value: object) -> CalendarSpec:
    raw = _table(value, "calendar", {"hours", "holidays", "country", "timezone", "extra_holidays"})
    hours_text = str(raw.get("hours", "mon-fri 09:00-17:00"))
    hours = _hours(raw.get("hours", "mon-fri 09:00-17:00"), "calendar.hours")
    use_holidays = raw.get("holidays", True)
    if not isinstance(use_holidays, bool):
        raise _bad("calendar.holidays", f"is {use_holidays!r}; give true or false")
    country = raw.get("country")
    if country is not None:
        if not isinstance(country, str) or country.upper() not in holidays.list_supported_countries():
            raise _bad("calendar.country", f"is {country!r}; give an ISO 3166 code the holidays package knows")
        country = country.upper()
    zone = raw.get("timezone")
    if zone is not None:
        try:
            zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _bad("calendar.timezone", f"is {zone!r}; give an IANA time zone like 'Europe/Paris'") from None
    extra = raw.get("extra_holidays", [])
    if not isinstance(extra, list | tuple):
        raise _bad("calendar.extra_holidays", f"is {extra!r}; give a list of YYYY-MM-DD dates")
    dates = []
    for index, day in enumerate(extra):
        try:
            dates.append(day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)))
        except ValueError:
            raise _bad(f"calendar.extra_holidays[{index}]", f"is {day!r}; give a YYYY-MM-DD date") from None
    hours_text = " ".join(hours_text.lower().split())
    return CalendarSpec(hours, hours_text, use_holidays, country, zone, tuple(sorted(set(dates))))


def _at_risk(value: object) -> tuple[float | None, float | None]:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            fraction = float(value.strip()[:-1]) / 100
        except ValueError:
            raise _bad("at_risk", f"is {value!r}; give a share like '20%' or a duration like '2h'") from None
        if not 0 < fraction < 1:
            raise _bad("at_risk", f"is {value!r}; a share must be between 0% and 100%")
        return fraction, None
    return None, _duration(value, "at_risk")


def parse_policy(raw: Mapping[str, Any], *, name: str | None = None) -> SlaPolicy:
    """Validate a policy dictionary (JSON or TOML) into a :class:`SlaPolicy`; absent parts take the defaults of
    :data:`DEFAULT_POLICY`. ``name`` (from the URL or command line) wins over the dictionary's own."""
    body = _table(raw, "", {"name", "at_risk", "calendar", "goals", "statuses", "triage"})
    policy_name = name or body.get("name") or "default"
    if not isinstance(policy_name, str) or not re.fullmatch(r"[\w .-]{1,100}", policy_name):
        raise _bad("name", f"is {policy_name!r}; use up to 100 letters, digits, spaces, dots, dashes or underscores")
    base = DEFAULT_POLICY
    goals: dict[str, dict[str, float]] = {g: dict(t) for g, t in base.goals.items()}
    if "goals" in body:
        given = _table(body["goals"], "goals", set(GOALS))
        for goal, table in given.items():
            if not isinstance(table, Mapping) or not table:
                raise _bad(f"goals.{goal}", f"is {table!r}; give a table of priority = duration")
            goals[goal] = {str(p): _duration(v, f"goals.{goal}.{p}") for p, v in table.items()}
    statuses = _table(body.get("statuses", {}), "statuses", {"pause", "stop"})
    triage = _table(body.get("triage", {}), "triage", {"pause", "respond"})
    pause = _strings(statuses["pause"], "statuses.pause") if "pause" in statuses else base.pause_statuses
    stop = _strings(statuses["stop"], "statuses.stop") if "stop" in statuses else base.stop_statuses
    if not stop:
        raise _bad("statuses.stop", "is empty; name at least one status that ends a resolution cycle")
    both = sorted(pause & stop)
    if both:
        raise _bad("statuses.pause", f"names '{both[0]}', which also stops the clock")
    fraction, seconds = _at_risk(body["at_risk"]) if "at_risk" in body else (0.2, None)
    return SlaPolicy(
        name=policy_name,
        goals=goals,
        calendar=_calendar(body.get("calendar", {})),
        pause_statuses=pause,
        stop_statuses=stop,
        pause_triage=_strings(triage["pause"], "triage.pause") if "pause" in triage else base.pause_triage,
        respond_triage=_strings(triage["respond"], "triage.respond") if "respond" in triage else base.respond_triage,
        at_risk_fraction=fraction,
        at_risk_seconds=seconds,
    )


DEFAULT_POLICY = SlaPolicy(
    name="default",
    goals={
        "first_response": {
            "P1": 3600.0,
            "P2": 4 * 3600.0,
            "P3": 8 * 3600.0,
            "P4": 16 * 3600.0,
            ANY_PRIORITY: 8 * 3600.0,
        },
        "resolution": {
            "P1": 8 * 3600.0,
            "P2": 24 * 3600.0,
            "P3": 40 * 3600.0,
            "P4": 80 * 3600.0,
            ANY_PRIORITY: 40 * 3600.0,
        },
    },
    pause_statuses=frozenset({"waiting for customer", "awaiting info", "pending"}),
    stop_statuses=frozenset({"resolved", "closed", "done", "cancelled", "canceled"}),
)
"""Mon-Fri 09:00-17:00 in the team's zone, its country's holidays; first response P1 1h, P2 4h, P3 8h, P4 16h
(others 8h); resolution P1 8h, P2 24h, P3 40h, P4 80h (others 40h), all business hours; paused while "Waiting for
customer", "Awaiting info" or "Pending"; stopped by Resolved, Closed, Done, Cancelled; at risk under 20 % left."""
