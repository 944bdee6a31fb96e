"""The daily stand-up: async check-ins, and the facilitator view built from data rather than recollection.

**Check-ins** (members and above): yesterday / today / blockers, optionally linked to items of the team (an unknown
key is refused, naming it). One per person per team-local day: submitting again edits it (``updated_at`` set);
every create and edit is audited with before and after. A manager may check in on behalf of a member (``person``).

**Facilitator view** (members and above), everything "since the last stand-up" (the stand-up of the latest
scheduled day before today, ``services.standup_schedule``):

* the walk of the board right to left with each item's changes (``analytics.standup_board.walk_the_board``);
* **blocked**: items in progress that are flagged now or that an unresolved item (of any team) blocks;
* **ageing**: items in progress older than the team's cycle-time P85, and **stale** ones with no change for
  ``stale_working_days`` working days (the ``age`` and ``stale`` signals of ``analytics.impediment_signals``);
* support tickets whose SLA clock is at risk or breached (support role and above, as ``services.sla`` decides);
* escalations to the developers since the last stand-up; open impediments with their age; today's check-ins and
  who has not checked in (active people with a role of member or above); open action items overdue or due within
  :data:`DUE_SOON_DAYS` days; the conflict signals of ``services.conflicts``.

**Blocker -> impediment**: one click turns a check-in's blocker into a tracked impediment (``services.impediments``),
owned by the person who checked in; asking again for the same check-in returns the impediment already raised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cadence.analytics.capacity import public_holidays
from cadence.analytics.impediment_signals import detect_impediments
from cadence.analytics.standup_board import walk_the_board
from cadence.domain.errors import Conflict, InputError, NotFound
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.action_items import open_actions
from cadence.services.audit_log import record_change
from cadence.services.caches import Cache
from cadence.services.conflicts import conflicts_of_team
from cadence.services.impediments import list_impediments, open_impediment, open_impediments
from cadence.services.sprint_forecast import team_history
from cadence.services.standup_schedule import DAY_NAMES, standup_times
from cadence.services.support_views import team_sla_clocks
from cadence.services.team_metrics import team_frames
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import read_models as R
from cadence.store import standup as store
from cadence.store.backlog import read_open_blockers
from cadence.store.database import Database

__all__ = [
    "DUE_SOON_DAYS",
    "EXPECTED_ROLES",
    "raise_impediment_from_check_in",
    "standup_view",
    "standup_zone",
    "submit_check_in",
    "team_check_ins",
]

DUE_SOON_DAYS = 3
"""An open action item due within this many days (or overdue) is shown at the stand-up."""
EXPECTED_ROLES = ("member", "support", "manager", "admin")
"""Who is expected to check in: viewers (stakeholders) are not."""
_TEXT_LIMIT = 4000
_MAX_ITEMS = 20
_ASSIGNEES = Cache("standup_assignees", 64)
_HOLIDAYS = Cache("holidays", 64)


def standup_zone(config: WorkspaceConfig, team: Team) -> str:
    """The stand-up's zone: ``[teams.KEY.standup] time_zone``, else the team's."""
    settings = config.for_team(team.key)
    return settings.standup.time_zone or settings.time_zone or team.timezone or "UTC"


def _holidays(team: Team, today: dt.date) -> tuple[dt.date, ...]:
    """The team's public holidays around ``today`` (none when its country is unknown to the calendar)."""
    if not team.country:
        return ()
    country = team.country

    def compute() -> tuple[dt.date, ...]:
        try:
            return public_holidays(country, today - dt.timedelta(days=400), today + dt.timedelta(days=400))
        except ValueError:
            return ()

    result: tuple[dt.date, ...] = _HOLIDAYS.get_or_compute((country, today), compute)
    return result


def _today(config: WorkspaceConfig, team: Team, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(standup_zone(config, team))).date()


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > _TEXT_LIMIT:
        raise InputError(f"{field}: {len(value)} characters; at most {_TEXT_LIMIT} are allowed", field=field)
    return value or None


def _check_in_dict(row: store.CheckInRow) -> dict[str, Any]:
    return {
        "id": row.id, "person": {"id": row.person_id, "name": row.person_name}, "on_date": row.on_date.isoformat(),
        "yesterday": row.yesterday, "today": row.today, "blockers": row.blockers, "items": list(row.item_keys),
        "created_at": row.created_at, "updated_at": row.updated_at, "impediment_id": row.impediment_id,
    }  # fmt: skip


def _item_keys(db: Database, team: Team, keys: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(k.strip() for k in keys if k and k.strip()))
    if len(cleaned) > _MAX_ITEMS:
        raise InputError(f"items: {len(cleaned)} keys; at most {_MAX_ITEMS} may be linked", field="items")
    with db.connect() as conn:
        known = store.known_item_keys(conn, team.id, cleaned)
    unknown = [k for k in cleaned if k not in known]
    if unknown:
        names = ", ".join(unknown)
        raise InputError(f"items: team {team.key} has no item {names}", field="items", unknown=unknown)
    return cleaned


def _person(db: Database, actor: Actor, team: Team, person: str | None) -> store.PersonRow:
    """Whose check-in: the actor's own person, or ``person`` (an e-mail or username) for a manager."""
    with db.connect() as conn:
        own = store.person_of_user(conn, actor.user_id) if actor.user_id else None
    wanted = (person or "").strip()
    if not wanted or (own is not None and wanted.lower() in {(own.email or "").lower(), actor.username.lower()}):
        if own is None:
            raise InputError("your account is not linked to a person; check in with --as EMAIL", field="as")
        return own
    access_team(db, actor, team.key, need=Role.MANAGER)  # checking in for someone else is a facilitator's job
    with db.connect() as conn:
        other = store.find_person(conn, wanted)
        if other is None:
            raise NotFound(f"nobody has the e-mail or username '{wanted}'", person=wanted)
        if store.membership_role(conn, team.id, other.id) is None:
            raise InputError(f"{other.name} is not a member of team {team.key}", field="as")
    return other


def submit_check_in(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime,
    yesterday: str | None = None, today: str | None = None, blockers: str | None = None,
    item_keys: Sequence[str] = (), person: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Create or edit today's check-in of the actor (or of ``person``, an e-mail or username: managers only)."""
    team = access_team(db, actor, key, need=Role.MEMBER)
    texts = {"yesterday": _text(yesterday, "yesterday"), "today": _text(today, "today"),
             "blockers": _text(blockers, "blockers")}  # fmt: skip
    if not any(texts.values()):
        raise InputError("a check-in needs at least one of yesterday, today or blockers", field="today")
    keys = _item_keys(db, team, item_keys)
    who = _person(db, actor, team, person)
    on_date = _today(config, team, now)
    with db.begin() as conn:
        before = store.find_check_in(conn, team.id, who.id, on_date)
        inserted = None
        if before is None:
            inserted = store.insert_check_in(
                conn, team_id=team.id, person_id=who.id, on_date=on_date, item_keys=keys, now=now, **texts
            )
            if inserted is None:  # a double submit lost the race: it edits the winner's check-in
                before = store.find_check_in(conn, team.id, who.id, on_date)
        if before is not None:
            store.update_check_in(conn, before.id, item_keys=keys, now=now, **texts)
            check_in_id = before.id
        else:
            assert inserted is not None
            check_in_id = inserted
        after = store.get_check_in(conn, team.id, check_in_id)
        assert after is not None
        record_change(
            conn, actor, "create" if before is None else "update", "check_in", entity_id=str(check_in_id),
            team_id=team.id, before=None if before is None else _audited(before), after=_audited(after), at=now,
        )  # fmt: skip
    return {**_check_in_dict(after), "team": team.key, "created": before is None}


def _audited(row: store.CheckInRow) -> dict[str, Any]:
    return {"person": row.person_name, "on_date": row.on_date.isoformat(), "yesterday": row.yesterday,
            "today": row.today, "blockers": row.blockers, "items": list(row.item_keys)}  # fmt: skip


def team_check_ins(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime, on_date: dt.date | None = None
) -> list[dict[str, Any]]:
    """The team's check-ins of ``on_date`` (default: today in the stand-up's zone), by name (members)."""
    team = access_team(db, actor, key, need=Role.MEMBER)
    with db.connect() as conn:
        rows = store.list_check_ins(conn, team.id, on_date or _today(config, team, now))
    return [_check_in_dict(row) for row in rows]


def raise_impediment_from_check_in(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, check_in_id: int, *, now: dt.datetime
) -> dict[str, Any]:
    """Turn the check-in's blocker into an impediment (members); ``created`` is False when it already was one."""
    team = access_team(db, actor, key, need=Role.MEMBER)
    with db.connect() as conn:
        row = store.get_check_in(conn, team.id, check_in_id)
        owner_role = None if row is None else store.membership_role(conn, team.id, row.person_id)
    if row is None:
        raise NotFound(f"team {team.key} has no check-in {check_in_id}", check_in=check_in_id)
    if not row.blockers:
        raise InputError(f"check-in {check_in_id} of {row.person_name} names no blocker", check_in=check_in_id)
    if row.impediment_id is not None:
        known = list_impediments(db, actor, key, now=now, status="all")
        existing = [i for i in known if i["id"] == row.impediment_id]
        return {"impediment": existing[0] if existing else {"id": row.impediment_id}, "created": False}
    first_line = row.blockers.strip().splitlines()[0]
    title = first_line if len(first_line) <= 200 else first_line[:199] + "…"
    try:
        impediment = open_impediment(
            db, actor, key, title=title, now=now, check_in_id=row.id,
            description=f"{row.blockers}\n\nRaised from the stand-up check-in of {row.person_name} on {row.on_date}.",
            item_key=row.item_keys[0] if row.item_keys else None,
            owner_person_id=row.person_id if owner_role is not None else None,
        )  # fmt: skip
    except Conflict:  # another click made it a moment ago: answer with that one
        with db.connect() as conn:
            again = store.get_check_in(conn, team.id, check_in_id)
        if again is None or again.impediment_id is None:
            raise
        known = list_impediments(db, actor, key, now=now, status="all")
        return {"impediment": next(i for i in known if i["id"] == again.impediment_id), "created": False}
    return {"impediment": impediment, "created": True}


def _assignee_changes(db: Database, team: Team) -> pl.DataFrame:
    def read() -> pl.DataFrame:
        with db.connect() as conn:
            return R.read_assignee_changes(conn, [team.id])

    frame: pl.DataFrame = _ASSIGNEES.get_or_compute((db.label, team.id, team.data_version), read)
    return frame


def _board(db: Database, config: WorkspaceConfig, team: Team, *, since: dt.datetime, now: dt.datetime,
           holidays: Sequence[dt.date]) -> dict[str, Any]:  # fmt: skip
    """The walk of the board and the item lists derived from the team's history."""
    settings = config.for_team(team.key)
    history = team_history(db, config, team)
    frames = team_frames(db, team)
    assignees = _assignee_changes(db, team)
    with db.connect() as conn:
        names = pl.DataFrame(store.people_names(conn), schema={"person_id": pl.Int64, "name": pl.String}, orient="row")
        blockers = read_open_blockers(conn, team.id)
    flags, estimates = frames.flag_changes, frames.estimate_changes
    walk = walk_the_board(
        history.history, frames.items, since=since, now=now, milestones=history.milestones, people=names,
        assignee_changes=assignees, flag_changes=flags, estimate_changes=estimates,
    )  # fmt: skip
    rules = dataclasses.replace(settings.impediments, stale_working_days=settings.standup.stale_working_days)
    signals = detect_impediments(
        history.history, frames.items, now=now, tz=standup_zone(config, team), milestones=history.milestones,
        holidays=holidays, rules=rules, assignee_changes=assignees, flag_changes=flags, estimate_changes=estimates,
    )  # fmt: skip
    with db.connect() as conn:
        titles = store.item_titles(conn, walk["item_id"].to_list())
    blocked_by: dict[int, list[str]] = {}
    for item_id, blocker in blockers.iter_rows():
        blocked_by.setdefault(int(item_id), []).append(str(blocker))
    by_signal: dict[str, dict[int, dict[str, Any]]] = {"age": {}, "stale": {}}
    for s in signals.filter(pl.col("signal").cast(pl.String).is_in(["age", "stale"])).iter_rows(named=True):
        by_signal[str(s["signal"])][int(s["item_id"])] = s
    name_of = dict(names.iter_rows())
    board = []
    for r in walk.iter_rows(named=True):
        item_id = int(r["item_id"])
        board.append({
            "position": r["position"], "key": r["key"], "title": titles.get(item_id, ""), "type": r["type"],
            "stage": r["stage"], "assignee": name_of.get(r["assignee_id"]), "flagged": bool(r["flagged"]),
            "blocked_by": blocked_by.get(item_id, []), "age_days": r["age_days"], "days_in_stage": r["days_in_stage"],
            "changes": list(r["changes"]), "over_p85": item_id in by_signal["age"],
            "stale": item_id in by_signal["stale"],
        })  # fmt: skip

    def listed(signal: str) -> list[dict[str, Any]]:
        rows = sorted(by_signal[signal].values(), key=lambda s: -(s["value"] or 0.0))
        return [{"key": s["key"], "stage": s["stage"], "value": s["value"], "threshold": s["threshold"],
                 "unit": s["unit"], "reason": s["reason"]} for s in rows]  # fmt: skip

    return {
        "board": board,
        "blocked": [b for b in board if b["flagged"] or b["blocked_by"]],
        "ageing": listed("age"),
        "stale": listed("stale"),
    }


def _schedule(config: WorkspaceConfig, team: Team, now: dt.datetime) -> tuple[dict[str, Any], Sequence[dt.date]]:
    settings = config.for_team(team.key).standup
    zone = standup_zone(config, team)
    today = now.astimezone(ZoneInfo(zone)).date()
    holidays = _holidays(team, today)
    times = standup_times(settings, zone, now=now, holidays=holidays)
    return {
        "time_zone": zone, "days": [DAY_NAMES[d] for d in settings.days], "time": settings.time.strftime("%H:%M"),
        "timebox_minutes": settings.timebox_minutes, "today": today.isoformat(), "today_at": times.today_at,
        "next_at": times.next_at, "previous_at": times.previous_at, "in_progress": times.in_progress,
        "holiday": today in holidays, "stale_working_days": settings.stale_working_days,
    }, holidays  # fmt: skip


def standup_view(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime, since: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the facilitator walks through (members); see the module docstring. ``since`` overrides the last
    stand-up."""
    team = access_team(db, actor, key, need=Role.MEMBER)
    schedule, holidays = _schedule(config, team, now)
    start = since or schedule["previous_at"] or now - dt.timedelta(days=1)
    today = dt.date.fromisoformat(schedule["today"])
    with db.connect() as conn:
        check_ins = store.list_check_ins(conn, team.id, today)
        expected = store.expected_people(conn, team.id, EXPECTED_ROLES)
        escalations = store.new_escalations(conn, team.id, since=start, until=now)
        you = store.person_of_user(conn, actor.user_id) if actor.user_id else None
    role = actor.role_in(team.id)
    sla = team_sla_clocks(db, config, team, now=now) if role is not None and role.covers(Role.SUPPORT) else None
    checked = {c.person_id for c in check_ins}
    soon = (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    actions = [
        a for a in open_actions(db, actor, key, now=now) if a["overdue"] or (a["due_on"] and a["due_on"] <= soon)
    ]
    return {
        "team": {"key": team.key, "name": team.name},
        "now": now,
        "since": start,
        "schedule": schedule,
        **_board(db, config, team, since=start, now=now, holidays=holidays),
        "sla_at_risk": sla,
        "escalations": [
            {"ticket": e.ticket_key, "title": e.ticket_title, "priority": e.priority, "item": e.item_key, "at": e.at}
            for e in escalations
        ],
        "impediments": open_impediments(db, actor, key, now=now),
        "check_ins": [_check_in_dict(c) for c in check_ins],
        "your_check_in": next((_check_in_dict(c) for c in check_ins if you and c.person_id == you.id), None),
        "not_checked_in": [{"id": p.id, "name": p.name} for p in expected if p.id not in checked],
        "actions": actions,
        "conflicts": conflicts_of_team(db, config, team, since=start, now=now),
    }
