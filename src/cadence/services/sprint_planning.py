"""Sprint planning: how much the team can take on (capacity net of its measured interrupts), what is at the top of
its backlog and how ready it is, how much of it fits, the sprint goal, and the commitment frozen as a snapshot.

**Capacity** (``analytics/capacity.py``): the members whose role is in ``[teams.KEY.planning] capacity_roles``
(default: ``member``; a part-time share of 0 leaves a person out), each with the sprint's working days (weekdays
minus the public holidays of the team's country) less their time off, times their part-time share and focus factor
(their own, else the team's ``focus_factor``). **Interrupt load**: the unplanned share of the last
``interrupt_sprints`` closed sprints (``analytics/unplanned.py``), as a P50/P85 band; capacity net of it is what is
left for planned work. **Points per person-day**: the completed points of those sprints over the capacity they had,
computed with today's roster and time off (membership history is not kept).

**How much fits**, at P50 (typical) and P85 (commit to it): by points, the capacity net of interrupts in points
(else, without a points rate, the velocity outlook's at-least level); by items, the Monte Carlo "how many items" over
as many calendar days as the sprint has (``services/forecasts.py``) less the interrupt share by count. Walking the
backlog in rank order, an item is above a line while both its cumulative points (no estimate counts 0) and its
position fit; the P50 and P85 lines are where they stop.

**A plan** starts as a draft selected from the top of the backlog up to the P85 line; the manager adjusts the
selection, the goal and the dates. **Commit** freezes it: state ``committed``, who and when, the capacity and
forecast as JSON, and each selected item's estimate and readiness as they were. A committed plan is read-only
(:class:`Conflict`, 409). Members and above see plans; managers create, change and commit them. Audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cadence.analytics.capacity import (
    InterruptLoad,
    interrupt_load,
    member_capacity,
    points_per_person_day,
    public_holidays,
    sprint_capacity,
    sprint_dates,
)
from cadence.analytics.serialize import json_rows, json_value
from cadence.analytics.sprint_outlook import velocity_outlook
from cadence.analytics.sprint_scope import sprint_items, sprint_windows
from cadence.analytics.unplanned import unplanned_share
from cadence.domain.errors import Conflict, InputError, NotFound
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.backlog import backlog_health
from cadence.services.caches import Cache
from cadence.services.forecasts import team_forecast
from cadence.services.sprint_forecast import sprint_forecast, team_history
from cadence.services.team_metrics import team_frames
from cadence.services.workspace_config import PlanningSettings, WorkspaceConfig
from cadence.store import sprint_plans as store
from cadence.store import time_off as roster_store
from cadence.store.database import Database

__all__ = [
    "BACKLOG_TOP",
    "LEVELS",
    "MAX_SPRINT_DAYS",
    "commit_plan",
    "create_plan",
    "list_plans",
    "planning_preview",
    "sprint_plan",
    "update_plan",
]

LEVELS = (50, 85)
BACKLOG_TOP = 30
"""Backlog items shown in rank order (selected items further down are shown too)."""
MAX_SPRINT_DAYS = 42
_VIEW = Role.MEMBER
_EDIT = Role.MANAGER
_HISTORY = Cache("planning_history", 64)


# --- the window ------------------------------------------------------------------------------------------------


def _window(
    db: Database, config: WorkspaceConfig, team: Team, *, now: dt.datetime, start: dt.date | None,
    end: dt.date | None,
) -> tuple[dt.date, dt.date, int | None, str | None, dict[str, Any]]:  # fmt: skip
    """The sprint to plan: the given dates, else the next sprint (the team's next future one, else the one after its
    active sprint, of the same length, else a usual-length sprint from today). Also the sprint forecast read."""
    outlook = sprint_forecast(db, config, team.key, now=now)
    target = outlook["sprint"]
    first, last = dt.date.fromisoformat(target["start"]), dt.date.fromisoformat(target["end"])
    length = (last - first).days + 1
    sprint_id, name = None, None
    if target["kind"] == "future":
        sprint_id, name = target["sprint_id"], target["name"]
    elif target["kind"] == "active":
        first = last + dt.timedelta(days=1)
        last = first + dt.timedelta(days=length - 1)
    if start is not None and (start, end or last) != (first, last):
        sprint_id, name = None, None
        first, last = start, end if end is not None else start + dt.timedelta(days=length - 1)
    elif start is None and end is not None:
        if end != last:
            sprint_id, name = None, None
        last = end
    if last < first:
        raise InputError(f"the sprint ends ({last}) before it starts ({first})")
    if (last - first).days + 1 > MAX_SPRINT_DAYS:
        raise InputError(f"a sprint of {(last - first).days + 1} days is longer than {MAX_SPRINT_DAYS}; plan less")
    return first, last, sprint_id, name, outlook


# --- capacity --------------------------------------------------------------------------------------------------


def _sprint_history(db: Database, config: WorkspaceConfig, team: Team, now: dt.datetime, sprints: int) -> pl.DataFrame:
    """The last closed sprints with their unplanned share (``unplanned_share``) and dates, cached per data version."""
    settings = config.for_team(team.key)
    tz = settings.time_zone or team.timezone or "UTC"

    def compute() -> pl.DataFrame:
        frames = team_frames(db, team)
        history = team_history(db, config, team)
        windows = sprint_windows(frames.sprints, now=now)
        closed = windows.filter("closed").sort("close_at", "sprint_id").tail(sprints).sort("start_at", "sprint_id")
        rows = sprint_items(
            frames.sprints.filter(pl.col("sprint_id").is_in(closed["sprint_id"].implode())),
            frames.sprint_changes,
            frames.estimate_changes,
            history.history.intervals,
            frames.items,
            history.workflow,
            now=now,
            unplanned_types=settings.metrics.unplanned_types,
        )
        return unplanned_share(rows, closed).join(
            closed.select("sprint_id", "start_at", "close_at"), on="sprint_id", how="left", maintain_order="left"
        )

    today = now.astimezone(ZoneInfo(tz)).date()
    key = (db.label, team.id, team.data_version, sprints, today, id(config))
    return _HISTORY.get_or_compute(key, compute)


def _holidays(team: Team, planning: PlanningSettings, start: dt.date, end: dt.date, notes: list[str]) -> tuple[
    dt.date, ...]:  # fmt: skip
    if not team.country:
        notes.append("The team has no country: no public holidays are taken off.")
        return ()
    try:
        return public_holidays(team.country, start, end, subdivision=planning.holiday_subdivision)
    except ValueError as error:
        notes.append(f"{error}; no public holidays are taken off.")
        return ()


def _capacity(
    db: Database, config: WorkspaceConfig, team: Team, *, start: dt.date, end: dt.date, now: dt.datetime
) -> dict[str, Any]:
    """The JSON-ready capacity of [start, end] (see the module docstring)."""
    settings = config.for_team(team.key)
    planning = settings.planning
    tz = settings.time_zone or team.timezone or "UTC"
    notes: list[str] = []
    history = _sprint_history(db, config, team, now, planning.interrupt_sprints)
    past = [sprint_dates(s, c, tz) for s, c in zip(history["start_at"], history["close_at"], strict=True)]
    first = min([start, *(d[0] for d in past)])
    with db.connect() as conn:
        roster = [m for m in roster_store.team_roster(conn, team.id, planning.capacity_roles) if m.capacity > 0]
        leave = roster_store.team_time_off(conn, team.id, start=first, end=end)
    members = pl.DataFrame(
        {
            "person_id": [m.person_id for m in roster],
            "name": [m.name for m in roster],
            "part_time": [m.capacity for m in roster],
            "focus_factor": [m.focus_factor for m in roster],
        },
        schema={"person_id": pl.Int64, "name": pl.String, "part_time": pl.Float64, "focus_factor": pl.Float64},
    )
    time_off = pl.DataFrame(
        {
            "person_id": [e.person_id for e in leave],
            "start_on": [e.start_on for e in leave],
            "end_on": [e.end_on for e in leave],
            "day_fraction": [e.day_fraction for e in leave],
        },
        schema={"person_id": pl.Int64, "start_on": pl.Date, "end_on": pl.Date, "day_fraction": pl.Float64},
    )
    if not roster:
        notes.append(f"No member with a role in {list(planning.capacity_roles)} and a part-time share above 0.")
    past_days = [
        float(
            member_capacity(
                members, time_off, start=a, end=b, holidays=_holidays(team, planning, a, b, []),
                focus_factor=planning.focus_factor,
            )["capacity_days"].sum()
        )
        for a, b in past
    ]  # fmt: skip
    rated = history.select("sprint_id", "name", "closed", "completed_points").with_columns(
        pl.Series("capacity_days", past_days, dtype=pl.Float64)
    )
    rate = points_per_person_day(rated, sprints=planning.interrupt_sprints)
    by_points = interrupt_load(history, sprints=planning.interrupt_sprints, basis="points")
    by_count = interrupt_load(history, sprints=planning.interrupt_sprints, basis="count")
    if by_points.p85 is None:
        notes.append("No closed sprint with completed points: the interrupt load is unknown.")
    plan = sprint_capacity(
        members, time_off, start=start, end=end, holidays=_holidays(team, planning, start, end, notes),
        focus_factor=planning.focus_factor, points_per_day=rate, interrupt=by_points,
    )  # fmt: skip
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "country": team.country,
        "subdivision": planning.holiday_subdivision,
        "working_days": plan.working_days,
        "holidays": [d.isoformat() for d in plan.holidays],
        "focus_factor": planning.focus_factor,
        "roles": list(planning.capacity_roles),
        "members": json_rows(plan.members),
        "time_off": [
            {
                "person_id": e.person_id,
                "name": e.name,
                "start_on": e.start_on.isoformat(),
                "end_on": e.end_on.isoformat(),
                "day_fraction": e.day_fraction,
                "note": e.note,
            }
            for e in leave
            if e.end_on >= start
        ],
        "person_days": plan.person_days,
        "points_per_person_day": rate,
        "rate_sprints": json_rows(
            rated.filter(pl.col("capacity_days") > 0).select("name", "completed_points", "capacity_days")
        ),
        "points": plan.points,
        "interrupt": {
            "sprints": planning.interrupt_sprints,
            "measured": json_rows(
                history.select("sprint_id", "name", "share_points", "share_count", "completed_points")
            ),
            "points": _band(by_points),
            "count": _band(by_count),
        },
        "net_person_days": {"50": plan.net_person_days_p50, "85": plan.net_person_days_p85},
        "net_points": {"50": plan.net_points_p50, "85": plan.net_points_p85},
        "notes": notes,
    }


def _band(load: InterruptLoad) -> dict[str, Any]:
    return {"sprints": load.sprints.height, "p50": load.p50, "p85": load.p85}


# --- backlog and forecast --------------------------------------------------------------------------------------


def _backlog(db: Database, config: WorkspaceConfig, actor: Actor, key: str, now: dt.datetime) -> dict[str, Any]:
    """The backlog in rank order with readiness and the oversized / stale / duplicate flags."""
    health = backlog_health(db, config, actor, key, now=now)
    oversized = {r["key"] for r in health["oversized"]}
    stale = {r["key"] for r in health["stale"]}
    items = [
        {
            "key": r["key"], "title": r["title"], "type": r["type"], "status": r["status"],
            "estimate": r["estimate"], "rank": r["rank"], "ready": bool(r["ready"]), "score": r["score"],
            "lacks": list(r["lacks"] or []), "blocked_by": r["blocked_by"], "oversized": r["key"] in oversized,
            "stale": r["key"] in stale, "duplicate_of": list(r["likely_duplicates"]),
        }
        for r in health["items"]
    ]  # fmt: skip
    return {
        "summary": health["summary"],
        "ready_work": health["ready_work"],
        "size_limit": health["parameters"]["size_limit"],
        "items": items,
    }


def _fit(value: float, budget: dict[str, float | int | None]) -> str:
    """``fits`` within the P85 level, ``stretch`` within the P50 level, else ``too_big``; ``unknown`` without one."""
    p50, p85 = budget.get("50"), budget.get("85")
    if p85 is None or p50 is None:
        return "unknown"
    return "fits" if value <= p85 else "stretch" if value <= p50 else "too_big"


def _forecast(
    db: Database, config: WorkspaceConfig, team: Team, *, start: dt.date, end: dt.date, now: dt.datetime,
    outlook: dict[str, Any], capacity: dict[str, Any], backlog: list[dict[str, Any]], selected: list[str],
    estimates: dict[str, float | None],
) -> dict[str, Any]:  # fmt: skip
    """How much fits (points and items at P50/P85), the cut lines on the backlog and the selection's fit.

    ``estimates`` gives the estimate of selected items that are not in the backlog (already started ones)."""
    settings = config.for_team(team.key)
    tz = settings.time_zone or team.timezone or "UTC"
    today = now.astimezone(ZoneInfo(tz)).date()
    until = today + dt.timedelta(days=(end - start).days)
    how_many = team_forecast(db, config, team.key, now=now, until=until)["how_many"]
    velocities = [float(r["completed_points"] or 0.0) for r in outlook["history"]]
    ranked = {r["key"]: r["estimate"] for r in backlog}
    sizes = [ranked[k] if k in ranked else estimates.get(k) for k in selected]
    selected_points = float(sum(size or 0.0 for size in sizes))
    speed = velocity_outlook(velocities, selected_points)
    count_band = capacity["interrupt"]["count"]
    items_budget: dict[str, float | int | None] = {}
    points_budget: dict[str, float | int | None] = {}
    basis = None
    for level in LEVELS:
        n = int(how_many["items"][str(level)])
        share = count_band[f"p{level}"]
        items_budget[str(level)] = int(n * (1 - share)) if share is not None else n
        net = capacity["net_points"][str(level)]
        by_velocity = speed.p50 if level == 50 else speed.p85
        points_budget[str(level)] = net if net is not None else by_velocity
        if level == 85:
            basis = "capacity" if net is not None else ("velocity" if by_velocity is not None else None)
    cut = _cut(backlog, points_budget, items_budget)
    return {
        "velocity": {
            "sprints": speed.sprints,
            "p50": speed.p50,
            "p85": speed.p85,
            "min": speed.low,
            "max": speed.high,
            "fit": speed.fit,
        },
        "items": {
            "days": (end - start).days + 1,
            "p50": int(how_many["items"]["50"]),
            "p85": int(how_many["items"]["85"]),
            "calibrated": how_many["calibrated"],
        },
        "budget": {"points": points_budget, "points_basis": basis, "items": items_budget},
        "cut": cut,
        "selection": {
            "count": len(selected),
            "points": selected_points,
            "unestimated": sum(1 for size in sizes if size is None),
            "fit_points": _fit(selected_points, points_budget),
            "fit_items": _fit(len(selected), items_budget),
        },
    }


def _cut(
    backlog: list[dict[str, Any]], points: dict[str, float | int | None], items: dict[str, float | int | None]
) -> dict[str, int | None]:
    """Per level, how many items from the top of the backlog fit both the points and the items budget."""
    ranked = pl.DataFrame({"estimate": [r["estimate"] for r in backlog]}, schema={"estimate": pl.Float64}).with_columns(
        pl.col("estimate").fill_null(0.0).cum_sum().alias("cumulative"), pl.int_range(1, pl.len() + 1).alias("n")
    )
    out: dict[str, int | None] = {}
    for level in LEVELS:
        budget_points, budget_items = points[str(level)], items[str(level)]
        if budget_points is None and budget_items is None:
            out[str(level)] = None
            continue
        fits = pl.lit(True)
        if budget_points is not None:
            fits = fits & (pl.col("cumulative") <= budget_points + 1e-9)
        if budget_items is not None:
            fits = fits & (pl.col("n") <= budget_items)
        out[str(level)] = int(ranked.select(fits.cast(pl.Int64).cum_min().sum()).item()) if ranked.height else 0
    return out


# --- plans -----------------------------------------------------------------------------------------------------


def _plan_head(team: Team, plan: store.PlanRow) -> dict[str, Any]:
    return {
        "id": plan.id,
        "team": team.key,
        "name": plan.name,
        "goal": plan.goal,
        "state": plan.state,
        "start": plan.start_on.isoformat(),
        "end": plan.end_on.isoformat(),
        "sprint_id": plan.sprint_id,
        "created_at": json_value(plan.created_at),
        "committed_at": json_value(plan.committed_at),
        "committed_by": plan.committed_by,
    }


def _board(
    db: Database, config: WorkspaceConfig, actor: Actor, team: Team, *, start: dt.date, end: dt.date,
    now: dt.datetime, outlook: dict[str, Any], selected: list[str] | None,
    estimates: dict[str, float | None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Capacity, backlog and forecast of a sprint from [start, end]; ``selected`` None = up to the P85 line."""
    capacity = _capacity(db, config, team, start=start, end=end, now=now)
    backlog = _backlog(db, config, actor, team.key, now)
    forecast = _forecast(db, config, team, start=start, end=end, now=now, outlook=outlook, capacity=capacity,
                         backlog=backlog["items"], selected=selected or [], estimates=estimates or {})  # fmt: skip
    if selected is None:
        selected = [r["key"] for r in backlog["items"][: forecast["cut"]["85"] or 0]]
        forecast = _forecast(db, config, team, start=start, end=end, now=now, outlook=outlook, capacity=capacity,
                             backlog=backlog["items"], selected=selected, estimates={})  # fmt: skip
    chosen = set(selected)
    cumulative = 0.0
    top = []
    for n, row in enumerate(backlog["items"], start=1):
        cumulative += row["estimate"] or 0.0
        if n <= BACKLOG_TOP or row["key"] in chosen:
            top.append({**row, "position": n, "cumulative_points": cumulative, "selected": row["key"] in chosen})
    forecast["backlog"] = {k: v for k, v in backlog.items() if k != "items"} | {
        "items": top, "total": len(backlog["items"])
    }  # fmt: skip
    return {"capacity": capacity, "forecast": forecast, "selected": selected}


def planning_preview(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime,
    start: dt.date | None = None, end: dt.date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Capacity, backlog and forecast of the next sprint (or [start, end]) before any plan exists (members)."""
    team = access_team(db, actor, key, need=_VIEW)
    first, last, sprint_id, name, outlook = _window(db, config, team, now=now, start=start, end=end)
    board = _board(db, config, actor, team, start=first, end=last, now=now, outlook=outlook, selected=None)
    return {
        "team": {"key": team.key, "name": team.name},
        "plan": {
            "id": None,
            "name": name or _default_name(team, first),
            "goal": None,
            "state": "preview",
            "start": first.isoformat(),
            "end": last.isoformat(),
            "sprint_id": sprint_id,
        },
        "capacity": board["capacity"],
        "forecast": board["forecast"],
        "items": _selection(board["forecast"]["backlog"]["items"], board["selected"]),
        "can_edit": _can_edit(actor, team),
    }


def _default_name(team: Team, start: dt.date) -> str:
    return f"{team.key} sprint from {start.isoformat()}"


def _can_edit(actor: Actor, team: Team) -> bool:
    role = actor.role_in(team.id)
    return role is not None and role.covers(_EDIT)


def _selection(top: list[dict[str, Any]], selected: list[str]) -> list[dict[str, Any]]:
    by_key = {r["key"]: r for r in top}
    out = []
    for position, item_key in enumerate(selected, start=1):
        row = by_key.get(item_key)
        out.append({
            "position": position, "key": item_key, "title": row["title"] if row else None,
            "estimate": row["estimate"] if row else None, "ready": row["ready"] if row else None,
            "score": row["score"] if row else None, "in_backlog": row is not None,
        })  # fmt: skip
    return out


def _resolve(db: Database, team: Team, keys: list[str]) -> list[tuple[str, int, float | None]]:
    """The team's items of ``keys`` (order kept, repeats dropped) with their current estimate; unknown keys refused."""
    wanted = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    with db.connect() as conn:
        ids = store.item_ids(conn, team.id, wanted)
    missing = [k for k in wanted if k not in ids]
    if missing:
        raise InputError(f"team {team.key} has no item {', '.join(missing)}", items=missing)
    items = team_frames(db, team).items.filter(pl.col("key").is_in(wanted)).select("key", "estimate")
    estimates = dict(zip(items["key"].to_list(), items["estimate"].to_list(), strict=True))
    return [(k, ids[k], estimates.get(k)) for k in wanted]


def _find(db: Database, team: Team, plan_id: int) -> store.PlanRow:
    with db.connect() as conn:
        plan = store.find_plan(conn, team.id, plan_id)
    if plan is None:
        raise NotFound(f"team {team.key} has no sprint plan {plan_id}", plan=plan_id)
    return plan


def _committed(plan: store.PlanRow) -> Conflict:
    return Conflict(
        f"sprint plan {plan.id} was committed on {plan.committed_at:%Y-%m-%d %H:%M} UTC"
        f"{' by ' + plan.committed_by if plan.committed_by else ''}; a committed plan is read-only",
        plan=plan.id,
    )


def create_plan(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime,
    start: dt.date | None = None, end: dt.date | None = None, name: str | None = None, goal: str | None = None,
    items: list[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A draft plan of the next sprint (or [start, end]); ``items`` None selects the backlog top up to the P85 line."""
    team = access_team(db, actor, key, need=_EDIT)
    first, last, sprint_id, sprint_name, outlook = _window(db, config, team, now=now, start=start, end=end)
    title = _text(name, 200) or sprint_name or _default_name(team, first)
    if items is None:
        board = _board(db, config, actor, team, start=first, end=last, now=now, outlook=outlook, selected=None)
        items = board["selected"]
    chosen = _resolve(db, team, items)
    with db.begin() as conn:
        plan_id = store.insert_plan(conn, team_id=team.id, sprint_id=sprint_id, name=title, goal=_text(goal, 2000),
                                    start_on=first, end_on=last, now=now)  # fmt: skip
        store.replace_items(conn, plan_id, [(item_id, estimate, None) for _, item_id, estimate in chosen])
        record_change(
            conn, actor, "create", "sprint_plan", entity_id=str(plan_id), team_id=team.id,
            after={"name": title, "goal": goal, "start": first.isoformat(), "end": last.isoformat(),
                   "items": [k for k, _, _ in chosen]}, at=now,
        )  # fmt: skip
    return sprint_plan(db, config, actor, key, plan_id, now=now)


def _text(value: str | None, limit: int) -> str | None:
    text = (value or "").strip() or None
    if text is not None and len(text) > limit:
        raise InputError(f"at most {limit} characters, not {len(text)}")
    return text


_UNSET: Any = object()


def update_plan(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, plan_id: int, *, now: dt.datetime,
    name: str | None = None, goal: str | None = _UNSET, start: dt.date | None = None, end: dt.date | None = None,
    items: list[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Change a draft plan's name, goal (None clears it), dates or selection (managers); 409 once committed."""
    team = access_team(db, actor, key, need=_EDIT)
    plan = _find(db, team, plan_id)
    if plan.state != "draft":
        raise _committed(plan)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = _text(name, 200) or plan.name
    if goal is not _UNSET:
        values["goal"] = _text(goal, 2000)
    first, last = start or plan.start_on, end or plan.end_on
    if (first, last) != (plan.start_on, plan.end_on):
        if last < first or (last - first).days + 1 > MAX_SPRINT_DAYS:
            raise InputError(f"a sprint from {first} to {last} is not 1 to {MAX_SPRINT_DAYS} days long")
        values |= {"start_on": first, "end_on": last}
    chosen = _resolve(db, team, items) if items is not None else None
    with db.begin() as conn:
        before_items = [r.key for r in store.plan_items(conn, plan.id)]
        if values and not store.update_plan(conn, plan.id, values):
            raise _committed(_find(db, team, plan_id))
        if chosen is not None:
            if not values and not store.update_plan(conn, plan.id, {"name": plan.name}):
                raise _committed(_find(db, team, plan_id))
            store.replace_items(conn, plan.id, [(item_id, estimate, None) for _, item_id, estimate in chosen])
        before = {"name": plan.name, "goal": plan.goal, "start": plan.start_on.isoformat(),
                  "end": plan.end_on.isoformat(), "items": before_items}  # fmt: skip
        after = {k: json_value(v) for k, v in values.items()}
        if chosen is not None:
            after["items"] = [k for k, _, _ in chosen]
        record_change(conn, actor, "update", "sprint_plan", entity_id=str(plan.id), team_id=team.id,
                      before={k: before[k.replace("_on", "")] for k in after}, after=after, at=now)  # fmt: skip
    return sprint_plan(db, config, actor, key, plan_id, now=now)


def commit_plan(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, plan_id: int, *, now: dt.datetime
) -> dict[str, Any]:
    """Freeze the plan (managers): capacity and forecast as they are now, each item's estimate and readiness."""
    team = access_team(db, actor, key, need=_EDIT)
    plan = _find(db, team, plan_id)
    if plan.state != "draft":
        raise _committed(plan)
    live = sprint_plan(db, config, actor, key, plan_id, now=now)
    selection = live["items"]
    with db.begin() as conn:
        ids = store.item_ids(conn, team.id, [r["key"] for r in selection])
        frozen: dict[str, Any] = {**live["forecast"], "commitment": selection}
        capacity: dict[str, Any] = live["capacity"]
        if not store.commit_plan(conn, plan.id, capacity=capacity, forecast=frozen, at=now,
                                 by_user_id=actor.user_id or None):  # fmt: skip
            raise _committed(_find(db, team, plan_id))
        store.replace_items(conn, plan.id, [(ids[r["key"]], r["estimate"], r["ready"]) for r in selection
                                            if r["key"] in ids])  # fmt: skip
        record_change(
            conn, actor, "commit", "sprint_plan", entity_id=str(plan.id), team_id=team.id,
            before={"state": "draft"},
            after={"state": "committed", "goal": plan.goal, "items": [r["key"] for r in selection],
                   "points": live["forecast"]["selection"]["points"],
                   "net_points_p85": live["capacity"]["net_points"]["85"]},
            at=now,
        )  # fmt: skip
    return sprint_plan(db, config, actor, key, plan_id, now=now)


def sprint_plan(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, plan_id: int, *, now: dt.datetime
) -> dict[str, Any]:
    """A plan (members and above): a draft computed live; a committed one exactly as it was frozen."""
    team = access_team(db, actor, key, need=_VIEW)
    plan = _find(db, team, plan_id)
    with db.connect() as conn:
        rows = store.plan_items(conn, plan.id)
    head = _plan_head(team, plan)
    if plan.state == "committed" and plan.capacity is not None and plan.forecast is not None:
        frozen = dict(plan.forecast)
        commitment = {r["key"]: r for r in frozen.pop("commitment", [])}
        items = [
            {**commitment.get(r.key, {}), "position": r.position, "key": r.key,
             "title": commitment.get(r.key, {}).get("title") or r.title, "estimate": r.estimate, "ready": r.ready}
            for r in rows
        ]  # fmt: skip
        return {"team": {"key": team.key, "name": team.name}, "plan": head, "capacity": plan.capacity,
                "forecast": frozen, "items": items, "can_edit": False}  # fmt: skip
    _, _, _, _, outlook = _window(db, config, team, now=now, start=plan.start_on, end=plan.end_on)
    selected = [r.key for r in rows]
    board = _board(db, config, actor, team, start=plan.start_on, end=plan.end_on, now=now, outlook=outlook,
                   selected=selected, estimates={r.key: r.estimate for r in rows})  # fmt: skip
    items = _selection(board["forecast"]["backlog"]["items"], selected)
    titles = {r.key: (r.title, r.estimate) for r in rows}
    for row in items:
        if not row["in_backlog"]:
            row["title"], row["estimate"] = titles[row["key"]]
    return {"team": {"key": team.key, "name": team.name}, "plan": head, "capacity": board["capacity"],
            "forecast": board["forecast"], "items": items, "can_edit": _can_edit(actor, team)}  # fmt: skip


def list_plans(db: Database, actor: Actor, key: str) -> list[dict[str, Any]]:
    """The team's plans, latest sprint first (members and above)."""
    team = access_team(db, actor, key, need=_VIEW)
    with db.connect() as conn:
        plans = store.list_plans(conn, team.id)
        counts = {p.id: len(store.plan_items(conn, p.id)) for p in plans}
    return [_plan_head(team, p) | {"items": counts[p.id]} for p in plans]
