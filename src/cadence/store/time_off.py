"""Who is available for a team's sprints: its roster (memberships with part-time share and focus factor) and the
time off of its people.

Read and written by ``services.time_off`` and ``services.sprint_planning`` only; the services decide who may see or
change an entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, select

from cadence.store import schema as S

__all__ = [
    "RosterRow",
    "TimeOffRow",
    "delete_time_off",
    "find_time_off",
    "insert_time_off",
    "person_of_user",
    "set_availability",
    "team_roster",
    "team_time_off",
]


@dataclass(frozen=True)
class RosterRow:
    person_id: int
    name: str
    role: str
    capacity: float
    """Share of a full-time week given to the team."""
    focus_factor: float | None


@dataclass(frozen=True)
class TimeOffRow:
    id: int
    person_id: int
    name: str
    start_on: dt.date
    end_on: dt.date
    day_fraction: float
    note: str | None
    created_at: dt.datetime


def team_roster(conn: Connection, team_id: int, roles: Sequence[str] | None = None) -> list[RosterRow]:
    """The team's memberships (optionally only ``roles``), by name."""
    memberships, people = S.table(S.Membership), S.table(S.Person)
    query = (
        select(
            memberships.c.person_id,
            people.c.display_name,
            memberships.c.role,
            memberships.c.capacity,
            memberships.c.focus_factor,
        )
        .join_from(memberships, people, memberships.c.person_id == people.c.id)
        .where(memberships.c.team_id == team_id)
        .order_by(people.c.display_name, memberships.c.person_id)
    )
    if roles is not None:
        query = query.where(memberships.c.role.in_(list(roles)))
    return [RosterRow(int(p), str(n), str(r), float(c), None if f is None else float(f)) for p, n, r, c, f in
            conn.execute(query)]  # fmt: skip


def set_availability(
    conn: Connection, team_id: int, person_id: int, *, capacity: float, focus_factor: float | None
) -> bool:
    """Set a member's part-time share and focus factor; False when the person is not in the team."""
    memberships = S.table(S.Membership)
    result = conn.execute(
        memberships.update()
        .where(memberships.c.team_id == team_id, memberships.c.person_id == person_id)
        .values(capacity=capacity, focus_factor=focus_factor)
    )
    return result.rowcount > 0


def person_of_user(conn: Connection, user_id: int) -> int | None:
    users = S.table(S.User)
    found = conn.execute(select(users.c.person_id).where(users.c.id == user_id)).scalar()
    return None if found is None else int(found)


def _time_off_query(team_id: int) -> Select[Any]:
    time_off, memberships, people = S.table(S.TimeOff), S.table(S.Membership), S.table(S.Person)
    return (
        select(
            time_off.c.id,
            time_off.c.person_id,
            people.c.display_name,
            time_off.c.start_on,
            time_off.c.end_on,
            time_off.c.day_fraction,
            time_off.c.note,
            time_off.c.created_at,
        )
        .join_from(time_off, people, time_off.c.person_id == people.c.id)
        .join(memberships, (memberships.c.person_id == time_off.c.person_id) & (memberships.c.team_id == team_id))
    )


def _row(row: object) -> TimeOffRow:
    r = row._mapping  # type: ignore[attr-defined]
    return TimeOffRow(
        int(r["id"]), int(r["person_id"]), str(r["display_name"]), r["start_on"], r["end_on"],
        float(r["day_fraction"]), r["note"], r["created_at"],
    )  # fmt: skip


def team_time_off(
    conn: Connection, team_id: int, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[TimeOffRow]:
    """Time off of the team's members that overlaps [start, end] (every entry without bounds), by start date."""
    time_off = S.table(S.TimeOff)
    query = _time_off_query(team_id)
    if start is not None:
        query = query.where(time_off.c.end_on >= start)
    if end is not None:
        query = query.where(time_off.c.start_on <= end)
    return [_row(row) for row in conn.execute(query.order_by(time_off.c.start_on, time_off.c.id))]


def find_time_off(conn: Connection, team_id: int, entry_id: int) -> TimeOffRow | None:
    """One entry of a member of the team (None for another team's people: keys and ids do not leak)."""
    row = conn.execute(_time_off_query(team_id).where(S.table(S.TimeOff).c.id == entry_id)).first()
    return None if row is None else _row(row)


def insert_time_off(
    conn: Connection, *, person_id: int, start_on: dt.date, end_on: dt.date, day_fraction: float, note: str | None,
    now: dt.datetime,
) -> int:  # fmt: skip
    time_off = S.table(S.TimeOff)
    query = time_off.insert().values(
        person_id=person_id, start_on=start_on, end_on=end_on, day_fraction=day_fraction, note=note, created_at=now
    )
    return int(conn.execute(query.returning(time_off.c.id)).scalar_one())


def delete_time_off(conn: Connection, entry_id: int) -> None:
    time_off = S.table(S.TimeOff)
    conn.execute(time_off.delete().where(time_off.c.id == entry_id))
