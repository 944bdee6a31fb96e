"""The weekly health report of a team or of the department: each figure of one ISO week beside the week before.

Every figure comes from the service behind its own page or API, called over the week's dates, so the report and
``/api/v1/teams/{team}/metrics?from=MON&to=SUN`` agree: delivery and flow from ``team_metrics`` (with the real
``now``, as the API does), support from ``team_support_metrics``, impediments, actions and the "how many in the next
two weeks" forecast from their services asked *as of the end of the week* (Monday 00:00 in the team's zone, or now
if earlier). Risks are read from the register: open at the end of the week and their current scores. The default
week is the last complete ISO week in the team's zone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from cadence.domain.errors import InputError
from cadence.domain.model import Role
from cadence.services.access import Actor, access_team
from cadence.services.action_items import action_summary
from cadence.services.forecasts import team_forecast
from cadence.services.impediments import impediment_metrics
from cadence.services.support_metrics import team_support_metrics
from cadence.services.team_metrics import team_metrics
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database
from cadence.store.report_risks import ReportRisk, report_risks
from cadence.store.teams import list_teams

__all__ = ["TREND_WEEKS", "IsoWeek", "department_report", "parse_week", "team_report"]

TREND_WEEKS = 8
"""Weeks drawn in the trend charts, the report's week last."""
FORECAST_DAYS = 14
"""The "how many" forecast's horizon: the two weeks after the report's week."""
TOP_RISKS = 3

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def shifted(self, weeks: int) -> IsoWeek:
        year, week, _ = (self.monday + dt.timedelta(weeks=weeks)).isocalendar()
        return IsoWeek(year, week)

    @classmethod
    def of(cls, day: dt.date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)


def parse_week(text: str) -> IsoWeek:
    """``YYYY-Www`` (ISO 8601 week, e.g. ``2026-W47``), or :class:`InputError` saying what is expected."""
    match = _WEEK.match(text.strip())
    if match is None:
        raise InputError(f"'{text}' is not an ISO week; use YYYY-Www, e.g. 2026-W47", week=text)
    year, week = int(match[1]), int(match[2])
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InputError(f"{year} has no ISO week {week}; weeks run from W01 to W52 or W53", week=text) from None
    return IsoWeek(year, week)


_FIGURES: dict[str, tuple[str, str, str, str]] = {
    # key: (label, unit, why it matters, which direction is better)
    "throughput": ("Items delivered", "items",
                   "What reached users; a drop while WIP holds means work is stuck, not finished.", "up"),
    "velocity": ("Velocity of the last closed sprint", "points",
                 "The pace to plan the next sprint with; compared with the sprint before.", "up"),
    "say_do": ("Say/do of the last closed sprint", "share",
               "How far commitments can be trusted; below 80 % means plans promise more than the team delivers.", "up"),
    "cycle_time_p50": ("Cycle time P50", "days", "The typical time from commitment to delivery.", "down"),
    "cycle_time_p85": ("Cycle time P85", "days", "The promise to make: 85 % of items finish within it.", "down"),
    "wip": ("Average WIP", "items",
            "More work in progress at the same throughput means longer waits (Little's law).", "down"),
    "ageing": ("Open items older than cycle-time P85", "items",
               "Items already late by the team's own standard; counted now, so there is no previous week.", "down"),
    "escaped_defects": ("Escaped defects", "bugs",
                        "Bugs users found (linked to a ticket or labelled production): what testing missed.", "down"),
    "reopen_rate": ("Reopen rate", "share", "Delivered items sent back: rework that throughput counted twice.", "down"),
    "sla_{goal}": ("SLA attainment, {name}", "share",
                   "Promises kept to customers; each breach is a customer who waited too long.", "up"),
    "sla_{goal}_breached": ("SLA breaches, {name}", "tickets",
                            "Breaches rising means the queue outgrows the people on duty.", "down"),
    "risks_open": ("Open risks", "risks", "Known threats to delivery that nobody has resolved yet.", "down"),
    "risks_high": ("Open risks scoring 15 or more", "risks",
                   "High exposure (probability x impact of 15-25) needs an owner and a mitigation now.", "down"),
    "impediments_open": ("Open impediments", "impediments",
                         "Each one is work that cannot move until someone outside the team acts.", "down"),
    "impediments_age": ("Median age of open impediments", "days",
                        "Old impediments mean escalation is not working.", "down"),
    "actions_open": ("Open actions", "actions",
                     "Improvements agreed and not yet done; counted now, so there is no previous week.", "down"),
    "actions_overdue": ("Overdue actions", "actions",
                        "Agreed improvements that slipped: the retro loses credibility with each one.", "down"),
    "actions_completion": ("Action completion rate (12 weeks)", "share",
                           "Of the actions due, the share done on time: whether the team follows through.", "up"),
    "forecast_p85": ("Items in the next 2 weeks (85 % likely at least)", "items",
                     "The safe number to promise stakeholders for the next two weeks.", "up"),
    "forecast_p50": ("Items in the next 2 weeks (50 % likely at least)", "items",
                     "A coin-flip outcome: do not promise it.", "up"),
}  # fmt: skip
"""What each figure of the report is called, in what unit, why it matters and which way is better."""


def _figure(key: str, value: Any, previous: Any, **names: str) -> dict[str, Any]:
    """One line of the report from its definition in ``_FIGURES``; ``names`` fill a templated key and label
    (``sla_{goal}``)."""
    label, unit, why, better = _FIGURES[key]
    change = value - previous if isinstance(value, int | float) and isinstance(previous, int | float) else None
    return {
        "key": key.format(**names),
        "label": label.format(**names),
        "value": value,
        "previous": previous,
        "change": change,
        "unit": unit,
        "better": better,
        "why": why,
    }


def _section(key: str, title: str, figures: list[dict[str, Any]], note: str | None = None) -> dict[str, Any]:
    section: dict[str, Any] = {"key": key, "title": title, "figures": figures}
    if note is not None or key == "support":
        section["note"] = note
    return section


def _week_end(week: IsoWeek, zone: str, now: dt.datetime) -> dt.datetime:
    end = dt.datetime.combine(week.sunday + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(zone))
    return min(end.astimezone(dt.UTC), now)


def _throughput(metrics: dict[str, Any]) -> int:
    return sum(int(row["count"]) for row in metrics["throughput"])


def _ageing(metrics: dict[str, Any]) -> int:
    return sum(1 for row in metrics["age"] if row.get("exceeds") in ("P85", "P95"))


def _sprints(metrics: dict[str, Any], before: dt.datetime) -> list[dict[str, Any]]:
    """Closed sprints that closed before ``before``, latest first, each with its say/do."""
    say_do = {row["sprint_id"]: row for row in metrics["say_do"]["sprints"]}
    closed = [s for s in metrics["velocity"] if s.get("closed") and s["close_at"] and _instant(s["close_at"]) < before]
    closed.sort(key=lambda s: s["close_at"], reverse=True)
    return [{**s, "say_do_points": say_do.get(s["sprint_id"], {}).get("say_do_points")} for s in closed]


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _open_risks(risks: list[ReportRisk], at: dt.datetime) -> list[ReportRisk]:
    def is_open(r: ReportRisk) -> bool:
        created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=dt.UTC)
        if created > at:
            return False
        if r.closed_at is None:
            return r.status != "resolved"
        closed = r.closed_at if r.closed_at.tzinfo else r.closed_at.replace(tzinfo=dt.UTC)
        return closed > at

    return [r for r in risks if is_open(r)]


def _support(db: Database, config: WorkspaceConfig, actor: Actor, key: str, week: IsoWeek, now: dt.datetime) -> Any:
    return team_support_metrics(db, config, actor, key, now=now, start=week.monday, end=week.sunday)["sla_attainment"]


def team_report(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime, week: IsoWeek | None = None
) -> dict[str, Any]:
    """The weekly report of team ``key`` (viewers; the support section needs the support role and is left out
    otherwise), JSON-ready: ``sections`` of figures (value, previous week's value, change, why it matters),
    ``top_risks`` and the 8-week ``trend``."""
    team = access_team(db, actor, key)
    zone = config.for_team(team.key).time_zone or team.timezone or "UTC"
    if week is None:
        today = now.astimezone(ZoneInfo(zone)).date()
        week = IsoWeek.of(today).shifted(-1)
    previous = week.shifted(-1)
    end, prev_end = _week_end(week, zone, now), _week_end(previous, zone, now)
    if week.monday > now.astimezone(ZoneInfo(zone)).date():
        raise InputError(f"the week {week.label} has not started yet in {team.key}'s zone ({zone})", week=week.label)

    weeks = [week.shifted(-i) for i in reversed(range(TREND_WEEKS))]
    by_week = {w: team_metrics(db, config, key, now=now, start=w.monday, end=w.sunday) for w in weeks}
    cur, prev = by_week[week], by_week[previous]
    span = team_metrics(db, config, key, now=now, start=weeks[0].monday, end=week.sunday)
    sprints = _sprints(span, end)
    last_sprint, prior_sprint = [*sprints, {}, {}][:2]

    last_note = f"Last closed sprint: {last_sprint['name']}." if last_sprint else "No sprint closed in 8 weeks."
    sections = [
        _section("delivery", "Delivery", [
            _figure("throughput", _throughput(cur), _throughput(prev)),
            _figure("velocity", last_sprint.get("completed_points"), prior_sprint.get("completed_points")),
            _figure("say_do", last_sprint.get("say_do_points"), prior_sprint.get("say_do_points")),
        ], last_note),
        _section("flow", "Flow", [
            _figure("cycle_time_p50", cur["cycle_time"]["p50"], prev["cycle_time"]["p50"]),
            _figure("cycle_time_p85", cur["cycle_time"]["p85"], prev["cycle_time"]["p85"]),
            _figure("wip", cur["little_law"]["average_wip"], prev["little_law"]["average_wip"]),
            _figure("ageing", _ageing(cur), None),
        ]),
        _section("quality", "Quality", [
            _figure("escaped_defects", cur["escaped_defects"]["escaped"], prev["escaped_defects"]["escaped"]),
            _figure("reopen_rate", cur["reopen_rate"]["rate"], prev["reopen_rate"]["rate"]),
        ]),
    ]  # fmt: skip
    role = actor.role_in(team.id)
    if role is not None and role.covers(Role.SUPPORT):
        sla, sla_prev = _support(db, config, actor, key, week, now), _support(db, config, actor, key, previous, now)
        figures = []
        for goal in sorted(set(sla) | set(sla_prev)):
            this, before = sla.get(goal, {}), sla_prev.get(goal, {})
            names = {"goal": goal, "name": goal.replace("_", " ")}
            figures.append(_figure("sla_{goal}", this.get("attainment"), before.get("attainment"), **names))
            figures.append(_figure("sla_{goal}_breached", this.get("breached", 0), before.get("breached", 0), **names))
        note = None if figures else "No SLA goal was met or breached in these two weeks."
        sections.append(_section("support", "Support SLAs", figures, note))
    with db.connect() as conn:
        risks = report_risks(conn, team.id)
    open_now, open_before = _open_risks(risks, end), _open_risks(risks, prev_end)
    top = sorted(open_now, key=lambda r: (-r.probability * r.impact, r.id))[:TOP_RISKS]
    high, high_before = ([r for r in group if r.probability * r.impact >= 15] for group in (open_now, open_before))
    imp, imp_prev = (impediment_metrics(db, actor, key, now=at) for at in (end, prev_end))
    act, act_prev = (action_summary(db, actor, key, now=at) for at in (end, prev_end))
    fc, fc_prev = (
        team_forecast(
            db, config, key, now=at, until=at.astimezone(ZoneInfo(zone)).date() + dt.timedelta(days=FORECAST_DAYS)
        )["how_many"]["items"]
        for at in (end, prev_end)
    )
    sections += [
        _section("risks", "Risks", [
            _figure("risks_open", len(open_now), len(open_before)),
            _figure("risks_high", len(high), len(high_before)),
        ]),
        _section("impediments", "Impediments", [
            _figure("impediments_open", imp["open"], imp_prev["open"]),
            _figure("impediments_age", imp["age_median_days"], imp_prev["age_median_days"]),
        ]),
        _section("actions", "Actions", [
            _figure("actions_open", act["open"], None),
            _figure("actions_overdue", act["overdue"], act_prev["overdue"]),
            _figure("actions_completion", act["completion"]["rate"], act_prev["completion"]["rate"]),
        ]),
        _section("forecast", "Forecast", [
            _figure("forecast_p85", fc["85"], fc_prev["85"]),
            _figure("forecast_p50", fc["50"], fc_prev["50"]),
        ]),
    ]  # fmt: skip
    return {
        "team": {"key": team.key, "name": team.name},
        "week": week.label,
        "start": week.monday.isoformat(),
        "end": week.sunday.isoformat(),
        "previous_week": previous.label,
        "time_zone": zone,
        "generated_at": now.isoformat(),
        "sections": sections,
        "top_risks": [
            {
                "title": r.title,
                "probability": r.probability,
                "impact": r.impact,
                "score": r.probability * r.impact,
                "roam": r.roam or r.status,
            }
            for r in top
        ],
        "trend": {
            "weeks": [w.label for w in weeks],
            "throughput": [_throughput(by_week[w]) for w in weeks],
            "cycle_time_p85": [by_week[w]["cycle_time"]["p85"] for w in weeks],
        },
    }


_TOTALS = ("throughput", "escaped_defects", "risks_open", "risks_high", "impediments_open", "actions_overdue")
"""Figures that add up across teams (counts); percentiles and rates do not, so the summary shows them per team."""


def department_report(
    db: Database, config: WorkspaceConfig, actor: Actor, *, now: dt.datetime, week: IsoWeek | None = None
) -> dict[str, Any]:
    """Every team the actor may see, each with its weekly report, and the department's totals of the counts."""
    with db.connect() as conn:
        keys = [t.key for t in list_teams(conn) if actor.role_in(t.id) is not None]
    if not keys:
        raise InputError("no team is visible to you, so there is nothing to report")
    teams = [team_report(db, config, actor, key, now=now, week=week) for key in keys]
    totals = []
    for name in _TOTALS:
        found = [f for t in teams for s in t["sections"] for f in s["figures"] if f["key"] == name]
        if found:
            value = sum(f["value"] or 0 for f in found)
            before = sum(f["previous"] or 0 for f in found)
            totals.append(_figure(name, value, before))
    weeks = sorted({t["week"] for t in teams})
    return {"weeks": weeks, "generated_at": now.isoformat(), "totals": totals, "teams": teams}
