"""A team's ceremonies as an iCalendar (ICS) feed, for the calendar clients people already use.

The feed holds, in the team's time zone:

* **the stand-up** — one recurring event (``RRULE:FREQ=WEEKLY;BYDAY=...``) from ``[teams.KEY.standup]`` (days,
  local time, time-box; its own ``time_zone`` when set), starting on the first scheduled day of the window, with
  the public holidays of the team's country for the next year as ``EXDATE``. Without a configured schedule (the
  section absent, or equal to the defaults) Cadence falls back to the sprints: one weekday series per sprint that
  has not ended before the window, at the default 09:30 for 15 minutes, ``UNTIL`` the sprint's last day;
* **sprint planning, review and retrospective** at each sprint's boundaries (``read_sprints``): planning for
  :data:`PLANNING` from the sprint's start, the review and then the retrospective in the last
  :data:`REVIEW` + :data:`RETRO` before its end — unless a meeting of that kind is stored on that date, which wins;
* **meetings stored in Cadence** (retros, plannings run here, imported records) with their real start and end
  (a default length by kind when they have no end); a stored stand-up on a day the series already covers is left
  out, so it does not show twice.

The window starts :data:`PAST_DAYS` before ``now`` and has no end. UIDs are stable (``<kind>-<id>@<team>.cadence``)
so a client that re-reads the feed updates events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from cadence.analytics.capacity import public_holidays
from cadence.domain.model import Team
from cadence.services.access import Actor, access_team
from cadence.services.standup_schedule import StandupSettings, standup_at
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import action_items as meetings_store
from cadence.store.database import Database
from cadence.store.read_models import read_sprints

__all__ = ["PAST_DAYS", "PLANNING", "RETRO", "REVIEW", "CalendarEvent", "calendar_events", "team_calendar_ics"]

PAST_DAYS = 90
"""How far back the feed reaches: enough for last quarter's ceremonies, small enough for a client to poll."""
PLANNING = dt.timedelta(hours=2)
REVIEW = dt.timedelta(hours=1)
RETRO = dt.timedelta(hours=1)
_STORED_LENGTH = {"planning": PLANNING, "review": REVIEW, "retro": RETRO}
_KIND_TITLE = {
    "standup": "Stand-up",
    "planning": "Sprint planning",
    "review": "Sprint review",
    "retro": "Retrospective",
}
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    kind: str
    """standup | planning | review | retro (or a stored meeting's own kind)."""
    title: str
    start: dt.datetime
    """Aware, in the event's zone."""
    end: dt.datetime
    description: str = ""
    weekdays: tuple[int, ...] = ()
    """For a recurring stand-up: its weekdays (0 = Monday); empty for a single event."""
    until: dt.datetime | None = None
    """The last possible start of a recurring event (UTC), None when it runs on."""
    skip: tuple[dt.datetime, ...] = field(default=())
    """Starts left out of the series (public holidays)."""


def _zone(team: Team, config: WorkspaceConfig) -> str:
    return config.for_team(team.key).time_zone or team.timezone or "UTC"


def _series_start(settings: StandupSettings, first: dt.date) -> dt.date:
    day = first
    while day.weekday() not in settings.days:
        day += dt.timedelta(days=1)
    return day


def _standup_series(
    team: Team, settings: StandupSettings, zone: str, *, since: dt.date, configured: bool, sprints: list[dict[str, Any]]
) -> list[CalendarEvent]:
    length = dt.timedelta(minutes=settings.timebox_minutes)
    tz = ZoneInfo(zone)
    description = f"Daily stand-up of {team.name}, time-boxed to {settings.timebox_minutes} minutes."
    if configured:
        day = _series_start(settings, since)
        skip: tuple[dt.datetime, ...] = ()
        if team.country:
            try:
                off = public_holidays(team.country, day, day + dt.timedelta(days=366))
            except ValueError:
                off = ()
            skip = tuple(standup_at(settings, d, zone).astimezone(tz) for d in off if d.weekday() in settings.days)
        start = standup_at(settings, day, zone).astimezone(tz)
        return [
            CalendarEvent(
                f"standup@{team.key}.cadence",
                "standup",
                f"{team.name} — Stand-up",
                start,
                start + length,
                description,
                settings.days,
                None,
                skip,
            )
        ]
    out = []
    for sprint in sprints:
        first_day = sprint["start_at"].astimezone(tz).date()
        last_day = sprint["end_at"].astimezone(tz).date()
        if last_day < since:
            continue
        day = _series_start(settings, max(first_day, since))
        if day > last_day:
            continue
        start = standup_at(settings, day, zone).astimezone(tz)
        until = standup_at(settings, last_day, zone)
        out.append(
            CalendarEvent(
                f"standup-sprint-{sprint['sprint_id']}@{team.key}.cadence",
                "standup",
                f"{team.name} — Stand-up ({sprint['name']})",
                start,
                start + length,
                description,
                settings.days,
                until,
            )
        )
    return out


def _covered(series: list[CalendarEvent], day: dt.date) -> bool:
    for event in series:
        if day < event.start.date() or day.weekday() not in event.weekdays:
            continue
        if event.until is None or day <= event.until.astimezone(event.start.tzinfo).date():
            return True
    return False


def calendar_events(
    db: Database, actor: Actor, key: str, *, now: dt.datetime, config: WorkspaceConfig | None = None
) -> tuple[Team, str, list[CalendarEvent]]:
    """The team, its zone and the feed's events (viewers); the rules are in the module docstring."""
    config = config or WorkspaceConfig()
    team = access_team(db, actor, key)
    zone = _zone(team, config)
    tz = ZoneInfo(zone)
    window = now - dt.timedelta(days=PAST_DAYS)
    since = window.astimezone(tz).date()
    with db.connect() as conn:
        sprint_rows = read_sprints(conn, [team.id]).to_dicts()
        stored = meetings_store.team_meetings(conn, team.id, start=window)
    sprints = [s for s in sprint_rows if s["start_at"] is not None and s["end_at"] is not None]
    settings = config.for_team(team.key).standup
    standup_zone = settings.time_zone or zone
    configured = settings != StandupSettings()
    series = _standup_series(
        team, settings, standup_zone, since=since, configured=configured, sprints=sprints
    )  # fmt: skip
    events: list[CalendarEvent] = list(series)
    stored_days = {(m.kind, m.held_at.astimezone(tz).date()) for m in stored}
    for meeting in stored:
        start = meeting.held_at.astimezone(tz)
        if meeting.kind == "standup" and _covered(series, meeting.held_at.astimezone(ZoneInfo(standup_zone)).date()):
            continue
        default = _STORED_LENGTH.get(meeting.kind, dt.timedelta(minutes=settings.timebox_minutes))
        end = meeting.ended_at.astimezone(tz) if meeting.ended_at and meeting.ended_at > meeting.held_at else None
        events.append(
            CalendarEvent(
                f"meeting-{meeting.id}@{team.key}.cadence",
                meeting.kind,
                f"{team.name} — {meeting.title}",
                start,
                end or start + default,
                f"{_KIND_TITLE.get(meeting.kind, meeting.kind.title())} recorded in Cadence.",
            )
        )
    for sprint in sprints:
        start_at, end_at = sprint["start_at"].astimezone(tz), sprint["end_at"].astimezone(tz)
        if end_at < window:
            continue
        boundaries = {
            "planning": (start_at, start_at + PLANNING),
            "review": (end_at - REVIEW - RETRO, end_at - RETRO),
            "retro": (end_at - RETRO, end_at),
        }
        for kind, (begin, finish) in boundaries.items():
            if (kind, begin.date()) in stored_days or finish < window:
                continue
            events.append(
                CalendarEvent(
                    f"{kind}-sprint-{sprint['sprint_id']}@{team.key}.cadence",
                    kind,
                    f"{team.name} — {_KIND_TITLE[kind]}: {sprint['name']}",
                    begin,
                    finish,
                    f"{_KIND_TITLE[kind]} of {sprint['name']} ({start_at:%d %b} to {end_at:%d %b %Y}).",
                )
            )
    events.sort(key=lambda e: (e.start, e.uid))
    return team, zone, events


def team_calendar_ics(
    db: Database, actor: Actor, key: str, *, now: dt.datetime, config: WorkspaceConfig | None = None
) -> bytes:
    """The feed as ``text/calendar`` bytes (RFC 5545), with a VTIMEZONE for every zone it uses."""
    team, zone, events = calendar_events(db, actor, key, now=now, config=config)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Cadence//Team ceremonies//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{team.name} ceremonies")
    cal.add("x-wr-timezone", zone)
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    for item in events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.title)
        event.add("categories", [item.kind])
        if item.description:
            event.add("description", item.description)
        if item.weekdays:
            rule: dict[str, Any] = {"freq": "weekly", "byday": [_ICAL_DAYS[d] for d in item.weekdays]}
            if item.until is not None:
                rule["until"] = item.until.astimezone(dt.UTC)
            event.add("rrule", rule)
            if item.skip:
                event.add("exdate", list(item.skip))
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
