"""Who is available: a team's time off (PTO, training, half days) and each member's part-time share and focus factor.

**Who may do what.** Members and above see the team's time off (viewers, the stakeholders, do not: leave is
personal). A member enters and removes their *own* time off; a manager (and above) anyone's in the team. Part-time
share and focus factor are set by managers. Every change is audited with before and after.

These are the inputs of sprint capacity (``services/sprint_planning.py``, docs/planning.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cadence.domain.errors import InputError, NotFound, PermissionDenied
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.store import time_off as store
from cadence.store.database import Database

__all__ = ["MAX_DAYS", "add_time_off", "delete_time_off", "list_time_off", "set_member_availability"]

MAX_DAYS = 366
"""The longest entry accepted: a year. Longer absences are a membership change, not time off."""
_MANAGER = Role.MANAGER


def _entry(row: store.TimeOffRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "person_id": row.person_id,
        "name": row.name,
        "start_on": row.start_on.isoformat(),
        "end_on": row.end_on.isoformat(),
        "day_fraction": row.day_fraction,
        "note": row.note,
    }


def _own_person(db: Database, actor: Actor) -> int | None:
    if not actor.user_id:
        return None
    with db.connect() as conn:
        return store.person_of_user(conn, actor.user_id)


def _may_edit(db: Database, actor: Actor, team: Team, person_id: int) -> None:
    role = actor.role_in(team.id)
    if role is not None and role.covers(_MANAGER):
        return
    if _own_person(db, actor) != person_id:
        raise PermissionDenied(
            f"members enter their own time off; someone else's needs the manager role in team {team.key}",
            team=team.key,
        )


def list_time_off(
    db: Database, actor: Actor, key: str, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """The team's time off overlapping [start, end] (members and above)."""
    team = access_team(db, actor, key, need=Role.MEMBER)
    with db.connect() as conn:
        return [_entry(row) for row in store.team_time_off(conn, team.id, start=start, end=end)]


def add_time_off(
    db: Database, actor: Actor, key: str, *, start_on: dt.date, end_on: dt.date, now: dt.datetime,
    person_id: int | None = None, day_fraction: float = 1.0, note: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Enter time off for ``person_id`` (default: the actor's own person); both dates included."""
    team = access_team(db, actor, key, need=Role.MEMBER)
    person = person_id if person_id is not None else _own_person(db, actor)
    if person is None:
        raise InputError("this account has no person record; name the person the time off is for", team=team.key)
    if end_on < start_on:
        raise InputError(f"time off ends ({end_on}) before it starts ({start_on})", start_on=str(start_on))
    if (end_on - start_on).days + 1 > MAX_DAYS:
        raise InputError(f"time off of more than {MAX_DAYS} days is a membership change, not leave")
    if not 0 < day_fraction <= 1:
        raise InputError(f"day_fraction {day_fraction} must be in (0, 1]: 1 for whole days, 0.5 for half days")
    text = (note or "").strip() or None
    if text is not None and len(text) > 200:
        raise InputError("a time-off note holds at most 200 characters")
    _may_edit(db, actor, team, person)
    with db.begin() as conn:
        if person not in {m.person_id for m in store.team_roster(conn, team.id)}:
            raise NotFound(f"person {person} is not a member of team {team.key}", person=person)
        entry_id = store.insert_time_off(
            conn, person_id=person, start_on=start_on, end_on=end_on, day_fraction=day_fraction, note=text, now=now
        )
        row = store.find_time_off(conn, team.id, entry_id)
        assert row is not None
        record_change(conn, actor, "create", "time_off", entity_id=str(entry_id), team_id=team.id,
                      after=_entry(row), at=now)  # fmt: skip
    return _entry(row)


def delete_time_off(db: Database, actor: Actor, key: str, entry_id: int, *, now: dt.datetime) -> None:
    """Remove an entry: one's own (members), anyone's in the team (managers)."""
    team = access_team(db, actor, key, need=Role.MEMBER)
    with db.connect() as conn:
        row = store.find_time_off(conn, team.id, entry_id)
    if row is None:
        raise NotFound(f"team {team.key} has no time-off entry {entry_id}", time_off=entry_id)
    _may_edit(db, actor, team, row.person_id)
    with db.begin() as conn:
        store.delete_time_off(conn, entry_id)
        record_change(conn, actor, "delete", "time_off", entity_id=str(entry_id), team_id=team.id,
                      before=_entry(row), at=now)  # fmt: skip


def set_member_availability(
    db: Database, actor: Actor, key: str, *, person_id: int, part_time: float, focus_factor: float | None,
    now: dt.datetime,
) -> dict[str, Any]:  # fmt: skip
    """Set a member's part-time share of a full-time week and own focus factor (None: the team's); managers."""
    team = access_team(db, actor, key, need=_MANAGER)
    if not 0 <= part_time <= 1:
        raise InputError(f"part-time share {part_time} must be in [0, 1]; 0 leaves the person out of capacity")
    if focus_factor is not None and not 0 < focus_factor <= 1:
        raise InputError(f"focus factor {focus_factor} must be in (0, 1], or empty for the team's")
    with db.begin() as conn:
        before = next((m for m in store.team_roster(conn, team.id) if m.person_id == person_id), None)
        if before is None or not store.set_availability(
            conn, team.id, person_id, capacity=part_time, focus_factor=focus_factor
        ):
            raise NotFound(f"person {person_id} is not a member of team {team.key}", person=person_id)
        after = {"part_time": part_time, "focus_factor": focus_factor}
        record_change(
            conn, actor, "update", "membership_availability", entity_id=f"{team.key}:{person_id}", team_id=team.id,
            before={"part_time": before.capacity, "focus_factor": before.focus_factor}, after=after, at=now,
        )  # fmt: skip
    return {"person_id": person_id, "name": before.name, **after}
