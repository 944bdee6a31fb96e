"""Counts and date ranges of what the store holds, for the home page and ``cadence status``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, select

from cadence.store import schema as S

__all__ = ["TeamRow", "history_range", "table_counts", "team_rows"]

_COUNTED = {
    "teams": S.Team,
    "people": S.Person,
    "items": S.WorkItem,
    "transitions": S.Transition,
    "sprints": S.Sprint,
    "tickets": S.SupportTicket,
    "ticket_events": S.TicketEvent,
}

TeamRow = dict[str, Any]


def table_counts(conn: Connection) -> dict[str, int]:
    return {
        name: int(conn.execute(select(func.count()).select_from(model)).scalar_one())
        for name, model in _COUNTED.items()
    }


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):  # SQLite aggregates lose the column type
        return dt.date.fromisoformat(value[:10])
    assert isinstance(value, dt.date)
    return value


def history_range(conn: Connection, team_id: int | None = None) -> tuple[dt.date | None, dt.date | None]:
    """First and last day with any recorded activity (item created, status change, ticket created or event)."""
    items, transitions = S.table(S.WorkItem), S.table(S.Transition)
    tickets, events = S.table(S.SupportTicket), S.table(S.TicketEvent)
    queries = [
        select(func.min(items.c.created_at), func.max(items.c.created_at)),
        select(func.min(transitions.c.at), func.max(transitions.c.at)).join_from(transitions, items),
        select(func.min(tickets.c.created_at), func.max(tickets.c.created_at)),
        select(func.min(events.c.at), func.max(events.c.at)).join_from(events, tickets),
    ]
    team_columns = [items.c.team_id, items.c.team_id, tickets.c.team_id, tickets.c.team_id]
    lows: list[dt.date] = []
    highs: list[dt.date] = []
    for query, team_column in zip(queries, team_columns, strict=True):
        if team_id is not None:
            query = query.where(team_column == team_id)
        low, high = conn.execute(query).one()
        if (d := _as_date(low)) is not None:
            lows.append(d)
        if (d := _as_date(high)) is not None:
            highs.append(d)
    return (min(lows) if lows else None, max(highs) if highs else None)


def team_rows(conn: Connection) -> list[TeamRow]:
    """Each team with its counts of items, tickets and members, ordered by key."""
    teams = S.table(S.Team)
    item_count = select(func.count()).select_from(S.WorkItem).where(S.WorkItem.team_id == teams.c.id).scalar_subquery()
    ticket_count = (
        select(func.count()).select_from(S.SupportTicket).where(S.SupportTicket.team_id == teams.c.id).scalar_subquery()
    )
    member_count = (
        select(func.count()).select_from(S.Membership).where(S.Membership.team_id == teams.c.id).scalar_subquery()
    )
    query = select(
        teams.c.id,
        teams.c.key,
        teams.c.name,
        teams.c.timezone,
        teams.c.country,
        teams.c.data_version,
        item_count.label("items"),
        ticket_count.label("tickets"),
        member_count.label("people"),
    ).order_by(teams.c.key)
    return [dict(row._mapping) for row in conn.execute(query)]
