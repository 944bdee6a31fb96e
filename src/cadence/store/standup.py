"""Stand-up check-ins, and the small reads the facilitator view needs beyond the team's history frames: who is
expected to check in, escalations since the last stand-up, allocations across teams, urgent tickets' linked items
and revealed planning-poker rounds.

Read and written by ``services.standup`` and ``services.conflicts`` only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cadence.store import schema as S

__all__ = [
    "Allocation",
    "CheckInRow",
    "EscalationRow",
    "PersonRow",
    "PokerRound",
    "UrgentLink",
    "allocations",
    "expected_people",
    "find_check_in",
    "find_person",
    "get_check_in",
    "insert_check_in",
    "item_titles",
    "known_item_keys",
    "list_check_ins",
    "membership_role",
    "new_escalations",
    "people_names",
    "person_of_user",
    "poker_rounds",
    "update_check_in",
    "urgent_links",
]


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    email: str | None


@dataclass(frozen=True)
class CheckInRow:
    id: int
    team_id: int
    person_id: int
    person_name: str
    on_date: dt.date
    yesterday: str | None
    today: str | None
    blockers: str | None
    item_keys: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime | None
    impediment_id: int | None
    """The first impediment raised from this check-in's blocker, if any."""


@dataclass(frozen=True)
class EscalationRow:
    ticket_key: str
    ticket_title: str
    priority: str | None
    item_key: str
    at: dt.datetime


@dataclass(frozen=True)
class Allocation:
    person_id: int
    name: str
    team_key: str
    role: str
    capacity: float


@dataclass(frozen=True)
class UrgentLink:
    ticket_key: str
    ticket_title: str
    priority: str
    item_id: int
    item_key: str


@dataclass(frozen=True)
class PokerRound:
    session_id: int
    item_key: str
    state: str
    deck: list[str]
    votes: list[str]
    revealed_at: dt.datetime | None


def person_of_user(conn: Connection, user_id: int) -> PersonRow | None:
    users, people = S.table(S.User), S.table(S.Person)
    row = conn.execute(
        select(people.c.id, people.c.display_name, people.c.email)
        .join(users, users.c.person_id == people.c.id)
        .where(users.c.id == user_id)
    ).first()
    return None if row is None else PersonRow(row[0], row[1], row[2])


def find_person(conn: Connection, who: str) -> PersonRow | None:
    """The active person whose e-mail (any case) or sign-in username is ``who``."""
    users, people = S.table(S.User), S.table(S.Person)
    row = conn.execute(
        select(people.c.id, people.c.display_name, people.c.email)
        .outerjoin(users, users.c.person_id == people.c.id)
        .where(people.c.active.is_(True), or_(func.lower(people.c.email) == who.lower(), users.c.username == who))
        .order_by(people.c.id)
    ).first()
    return None if row is None else PersonRow(row[0], row[1], row[2])


def membership_role(conn: Connection, team_id: int, person_id: int) -> str | None:
    memberships = S.table(S.Membership)
    role = conn.execute(
        select(memberships.c.role).where(memberships.c.team_id == team_id, memberships.c.person_id == person_id)
    ).scalar()
    return None if role is None else str(role)


def known_item_keys(conn: Connection, team_id: int, keys: Collection[str]) -> set[str]:
    """Which of ``keys`` name items of the team."""
    if not keys:
        return set()
    items = S.table(S.WorkItem)
    found = conn.execute(select(items.c.key).where(items.c.team_id == team_id, items.c.key.in_(list(keys))))
    return {str(key) for (key,) in found}


def item_titles(conn: Connection, item_ids: Collection[int]) -> dict[int, str]:
    if not item_ids:
        return {}
    items = S.table(S.WorkItem)
    rows = conn.execute(select(items.c.id, items.c.title).where(items.c.id.in_(list(item_ids))))
    return {int(item_id): str(title) for item_id, title in rows}


def people_names(conn: Connection) -> list[tuple[int, str]]:
    """(person_id, display name) of everyone: the walk of the board names assignees, past ones included."""
    people = S.table(S.Person)
    return [(int(r[0]), str(r[1])) for r in conn.execute(select(people.c.id, people.c.display_name))]


def _check_in_query() -> Select[Any]:
    check_ins, people, impediments = S.table(S.CheckIn), S.table(S.Person), S.table(S.Impediment)
    first_impediment = (
        select(func.min(impediments.c.id)).where(impediments.c.check_in_id == check_ins.c.id).scalar_subquery()
    )
    return select(
        check_ins.c.id, check_ins.c.team_id, check_ins.c.person_id, people.c.display_name, check_ins.c.on_date,
        check_ins.c.yesterday, check_ins.c.today, check_ins.c.blockers, check_ins.c.item_keys, check_ins.c.created_at,
        check_ins.c.updated_at, first_impediment.label("impediment_id"),
    ).join(people, people.c.id == check_ins.c.person_id)  # fmt: skip


def _check_in(row: Any) -> CheckInRow:
    keys = row[8]
    return CheckInRow(
        int(row[0]),
        int(row[1]),
        int(row[2]),
        str(row[3]),
        row[4],
        row[5],
        row[6],
        row[7],
        [str(k) for k in keys] if isinstance(keys, list) else [],
        row[9],
        row[10],
        None if row[11] is None else int(row[11]),
    )


def find_check_in(conn: Connection, team_id: int, person_id: int, on_date: dt.date) -> CheckInRow | None:
    check_ins = S.table(S.CheckIn)
    row = conn.execute(
        _check_in_query().where(
            check_ins.c.team_id == team_id, check_ins.c.person_id == person_id, check_ins.c.on_date == on_date
        )
    ).first()
    return None if row is None else _check_in(row)


def get_check_in(conn: Connection, team_id: int, check_in_id: int) -> CheckInRow | None:
    check_ins = S.table(S.CheckIn)
    row = conn.execute(_check_in_query().where(check_ins.c.team_id == team_id, check_ins.c.id == check_in_id)).first()
    return None if row is None else _check_in(row)


def list_check_ins(conn: Connection, team_id: int, on_date: dt.date) -> list[CheckInRow]:
    """The team's check-ins of one day, by person name."""
    check_ins, people = S.table(S.CheckIn), S.table(S.Person)
    query = (
        _check_in_query()
        .where(check_ins.c.team_id == team_id, check_ins.c.on_date == on_date)
        .order_by(people.c.display_name, check_ins.c.id)
    )
    return [_check_in(row) for row in conn.execute(query)]


def insert_check_in(
    conn: Connection, *, team_id: int, person_id: int, on_date: dt.date, yesterday: str | None, today: str | None,
    blockers: str | None, item_keys: list[str], now: dt.datetime,
) -> int | None:  # fmt: skip
    """A new check-in; None when the person's check-in of the day appeared meanwhile (a double submit)."""
    table = S.table(S.CheckIn)
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    result = conn.execute(
        insert.values(team_id=team_id, person_id=person_id, on_date=on_date, yesterday=yesterday, today=today,
                      blockers=blockers, item_keys=item_keys, created_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "person_id", "on_date"])
        .returning(table.c.id)
    )  # fmt: skip
    found = result.scalar_one_or_none()
    return None if found is None else int(found)


def update_check_in(
    conn: Connection, check_in_id: int, *, yesterday: str | None, today: str | None, blockers: str | None,
    item_keys: list[str], now: dt.datetime,
) -> None:  # fmt: skip
    table = S.table(S.CheckIn)
    conn.execute(
        update(table)
        .where(table.c.id == check_in_id)
        .values(yesterday=yesterday, today=today, blockers=blockers, item_keys=item_keys, updated_at=now,
                content_hash=None)
    )  # fmt: skip


def expected_people(conn: Connection, team_id: int, roles: Collection[str]) -> list[PersonRow]:
    """Active people holding one of ``roles`` in the team, by name: who is expected to check in."""
    memberships, people = S.table(S.Membership), S.table(S.Person)
    rows = conn.execute(
        select(people.c.id, people.c.display_name, people.c.email)
        .join(memberships, memberships.c.person_id == people.c.id)
        .where(memberships.c.team_id == team_id, memberships.c.role.in_(list(roles)), people.c.active.is_(True))
        .order_by(people.c.display_name, people.c.id)
    )
    return [PersonRow(r[0], r[1], r[2]) for r in rows]


def new_escalations(conn: Connection, team_id: int, *, since: dt.datetime, until: dt.datetime) -> list[EscalationRow]:
    """Tickets escalated to the developers in (since, until]: ``escalated`` ticket links whose ticket or item is the
    team's, oldest first."""
    links, tickets, items = S.table(S.TicketLink), S.table(S.SupportTicket), S.table(S.WorkItem)
    rows = conn.execute(
        select(tickets.c.key, tickets.c.title, tickets.c.priority, items.c.key, links.c.created_at)
        .select_from(links)
        .join(tickets, tickets.c.id == links.c.ticket_id)
        .join(items, items.c.id == links.c.item_id)
        .where(
            links.c.kind == "escalated",
            or_(tickets.c.team_id == team_id, items.c.team_id == team_id),
            links.c.created_at > since,
            links.c.created_at <= until,
        )
        .order_by(links.c.created_at, tickets.c.key)
    )
    return [EscalationRow(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def allocations(conn: Connection, team_id: int) -> list[Allocation]:
    """Every membership (in any team) of the active people who are members of ``team_id``."""
    memberships, people, teams = S.table(S.Membership), S.table(S.Person), S.table(S.Team)
    ours = select(memberships.c.person_id).where(memberships.c.team_id == team_id)
    rows = conn.execute(
        select(people.c.id, people.c.display_name, teams.c.key, memberships.c.role, memberships.c.capacity)
        .join(memberships, memberships.c.person_id == people.c.id)
        .join(teams, teams.c.id == memberships.c.team_id)
        .where(people.c.id.in_(ours), people.c.active.is_(True))
        .order_by(people.c.display_name, people.c.id, teams.c.key)
    )
    return [Allocation(r[0], r[1], r[2], r[3], float(r[4] if r[4] is not None else 1.0)) for r in rows]


def urgent_links(conn: Connection, team_id: int, priorities: Collection[str]) -> list[UrgentLink]:
    """Open tickets (any team) of one of ``priorities`` linked to an unresolved item of the team."""
    links, tickets, items = S.table(S.TicketLink), S.table(S.SupportTicket), S.table(S.WorkItem)
    rows = conn.execute(
        select(tickets.c.key, tickets.c.title, tickets.c.priority, items.c.id, items.c.key)
        .select_from(links)
        .join(tickets, tickets.c.id == links.c.ticket_id)
        .join(items, items.c.id == links.c.item_id)
        .where(
            items.c.team_id == team_id,
            items.c.resolved_at.is_(None),
            tickets.c.resolved_at.is_(None),
            tickets.c.priority.in_(list(priorities)),
        )
        .order_by(tickets.c.priority, tickets.c.key, items.c.key)
    )
    return [UrgentLink(r[0], r[1], r[2], int(r[3]), r[4]) for r in rows]


def poker_rounds(conn: Connection, team_id: int, *, revealed_since: dt.datetime) -> list[PokerRound]:
    """Planning-poker sessions of the team revealed and not yet saved, or revealed after ``revealed_since``, with
    their cards."""
    sessions, votes, items = S.table(S.PokerSession), S.table(S.PokerVote), S.table(S.WorkItem)
    found = conn.execute(
        select(sessions.c.id, items.c.key, sessions.c.state, sessions.c.deck, sessions.c.revealed_at)
        .select_from(sessions)
        .join(items, items.c.id == sessions.c.item_id)
        .where(
            sessions.c.team_id == team_id,
            sessions.c.revealed_at.is_not(None),
            or_(sessions.c.state == "revealed", sessions.c.revealed_at > revealed_since),
        )
        .order_by(sessions.c.id)
    ).all()
    if not found:
        return []
    cards: dict[int, list[str]] = {}
    for session_id, value in conn.execute(
        select(votes.c.session_id, votes.c.value)
        .where(votes.c.session_id.in_([r[0] for r in found]))
        .order_by(votes.c.session_id, votes.c.id)
    ):
        cards.setdefault(int(session_id), []).append(str(value))
    return [PokerRound(int(r[0]), r[1], r[2], list(r[3]), cards.get(int(r[0]), []), r[4]) for r in found]
