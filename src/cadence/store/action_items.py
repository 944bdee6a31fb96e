"""Action items, the meetings they come from, and the team people who may own them.

Read and written by ``services.action_items`` (and the meetings list by ``services.team_calendar``); the services
decide who may see or change what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, func, select

from cadence.store import schema as S

__all__ = [
    "ActionFigures",
    "ActionRow",
    "MeetingRow",
    "OwnerRow",
    "action_figures",
    "find_action",
    "find_meeting",
    "find_member",
    "find_member_by_email",
    "insert_action",
    "list_actions",
    "mark_nudged",
    "overdue_actions",
    "team_meetings",
    "team_members",
    "update_action",
]


@dataclass(frozen=True)
class ActionRow:
    id: int
    team_id: int
    title: str
    description: str | None
    owner_id: int | None
    owner_name: str | None
    owner_email: str | None
    due_on: dt.date | None
    status: str
    origin: str | None
    meeting_id: int | None
    meeting_kind: str | None
    meeting_title: str | None
    meeting_held_at: dt.datetime | None
    created_at: dt.datetime
    done_at: dt.datetime | None
    metric: str | None
    metric_baseline: float | None
    check_on: dt.date | None
    last_nudged_at: dt.datetime | None


@dataclass(frozen=True)
class MeetingRow:
    id: int
    team_id: int
    kind: str
    title: str
    held_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class OwnerRow:
    person_id: int
    display_name: str
    email: str | None


def _actions_query() -> Any:
    actions, people, meetings = S.table(S.ActionItem), S.table(S.Person), S.table(S.Meeting)
    return (
        select(
            actions.c.id,
            actions.c.team_id,
            actions.c.title,
            actions.c.description,
            actions.c.owner_id,
            people.c.display_name.label("owner_name"),
            people.c.email.label("owner_email"),
            actions.c.due_on,
            actions.c.status,
            actions.c.origin,
            actions.c.meeting_id,
            meetings.c.kind.label("meeting_kind"),
            meetings.c.title.label("meeting_title"),
            meetings.c.held_at.label("meeting_held_at"),
            actions.c.created_at,
            actions.c.done_at,
            actions.c.metric,
            actions.c.metric_baseline,
            actions.c.check_on,
            actions.c.last_nudged_at,
        )
        .join(people, people.c.id == actions.c.owner_id, isouter=True)
        .join(meetings, meetings.c.id == actions.c.meeting_id, isouter=True)
    )


def _action(row: Any) -> ActionRow:
    return ActionRow(**dict(row._mapping))


def insert_action(conn: Connection, *, team_id: int, now: dt.datetime, **values: Any) -> int:
    actions = S.table(S.ActionItem)
    query = actions.insert().values(team_id=team_id, created_at=now, status="open", **values)
    return int(conn.execute(query.returning(actions.c.id)).scalar_one())


def find_action(conn: Connection, team_id: int, action_id: int) -> ActionRow | None:
    actions = S.table(S.ActionItem)
    row = conn.execute(_actions_query().where(actions.c.id == action_id, actions.c.team_id == team_id)).first()
    return None if row is None else _action(row)


def list_actions(conn: Connection, team_id: int, *, statuses: tuple[str, ...] | None = None) -> list[ActionRow]:
    """The team's action items, oldest first (``statuses`` narrows them, e.g. ``("open",)``)."""
    actions = S.table(S.ActionItem)
    query = _actions_query().where(actions.c.team_id == team_id)
    if statuses is not None:
        query = query.where(actions.c.status.in_(statuses))
    return [_action(row) for row in conn.execute(query.order_by(actions.c.created_at, actions.c.id))]


@dataclass(frozen=True)
class ActionFigures:
    open: int
    overdue: int
    due_in_window: list[tuple[dt.date, str, dt.datetime | None]]
    """``(due_on, status, done_at)`` of the actions due in the window."""


def action_figures(conn: Connection, team_id: int, *, today: dt.date, start: dt.date) -> ActionFigures:
    """The dashboard card's inputs in two indexed queries: open and overdue counts, and the actions due in
    ``[start, today]`` (the completion rate's window) — not every action the team ever had."""
    actions = S.table(S.ActionItem)
    is_open = actions.c.status == "open"
    counts = conn.execute(
        select(
            func.coalesce(func.sum(case((is_open, 1), else_=0)), 0),
            func.coalesce(func.sum(case((is_open & (actions.c.due_on < today), 1), else_=0)), 0),
        ).where(actions.c.team_id == team_id)
    ).one()
    due = conn.execute(
        select(actions.c.due_on, actions.c.status, actions.c.done_at).where(
            actions.c.team_id == team_id, actions.c.due_on >= start, actions.c.due_on <= today
        )
    )
    return ActionFigures(int(counts[0]), int(counts[1]), [(r.due_on, r.status, r.done_at) for r in due])


def overdue_actions(conn: Connection, *, today: dt.date) -> list[ActionRow]:
    """Open actions of every team whose due date has passed (the nudge job's work list)."""
    actions = S.table(S.ActionItem)
    query = _actions_query().where(actions.c.status == "open", actions.c.due_on < today)
    return [_action(row) for row in conn.execute(query.order_by(actions.c.team_id, actions.c.due_on, actions.c.id))]


def update_action(conn: Connection, action_id: int, **values: Any) -> None:
    actions = S.table(S.ActionItem)
    conn.execute(actions.update().where(actions.c.id == action_id).values(**values))


def mark_nudged(conn: Connection, action_id: int, *, at: dt.datetime) -> None:
    update_action(conn, action_id, last_nudged_at=at)


def find_member(conn: Connection, team_id: int, person_id: int) -> OwnerRow | None:
    """The person if they belong to the team (an action's owner must)."""
    people, memberships = S.table(S.Person), S.table(S.Membership)
    row = conn.execute(
        select(people.c.id, people.c.display_name, people.c.email)
        .join(memberships, memberships.c.person_id == people.c.id)
        .where(memberships.c.team_id == team_id, people.c.id == person_id)
    ).first()
    return None if row is None else OwnerRow(row.id, row.display_name, row.email)


def find_member_by_email(conn: Connection, team_id: int, email: str) -> OwnerRow | None:
    people, memberships = S.table(S.Person), S.table(S.Membership)
    row = conn.execute(
        select(people.c.id, people.c.display_name, people.c.email)
        .join(memberships, memberships.c.person_id == people.c.id)
        .where(memberships.c.team_id == team_id, func.lower(people.c.email) == email.strip().lower())
        .order_by(people.c.id)
    ).first()
    return None if row is None else OwnerRow(row.id, row.display_name, row.email)


def team_members(conn: Connection, team_id: int) -> list[OwnerRow]:
    people, memberships = S.table(S.Person), S.table(S.Membership)
    rows = conn.execute(
        select(people.c.id, people.c.display_name, people.c.email)
        .join(memberships, memberships.c.person_id == people.c.id)
        .where(memberships.c.team_id == team_id)
        .order_by(people.c.display_name, people.c.id)
    )
    return [OwnerRow(r.id, r.display_name, r.email) for r in rows]


def _meeting(row: Any) -> MeetingRow:
    r = row._mapping
    return MeetingRow(r["id"], r["team_id"], r["kind"], r["title"], r["held_at"], r["ended_at"])


_MEETING_COLUMNS = ("id", "team_id", "kind", "title", "held_at", "ended_at")


def find_meeting(conn: Connection, team_id: int, meeting_id: int) -> MeetingRow | None:
    meetings = S.table(S.Meeting)
    row = conn.execute(
        select(*(meetings.c[n] for n in _MEETING_COLUMNS)).where(
            meetings.c.id == meeting_id, meetings.c.team_id == team_id
        )
    ).first()
    return None if row is None else _meeting(row)


def team_meetings(
    conn: Connection, team_id: int, *, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> list[MeetingRow]:
    """The team's meetings held in ``[start, end)`` (either bound optional), in time order."""
    meetings = S.table(S.Meeting)
    query = select(*(meetings.c[n] for n in _MEETING_COLUMNS)).where(meetings.c.team_id == team_id)
    if start is not None:
        query = query.where(meetings.c.held_at >= start)
    if end is not None:
        query = query.where(meetings.c.held_at < end)
    return [_meeting(row) for row in conn.execute(query.order_by(meetings.c.held_at, meetings.c.id))]
