"""The support desk's rows: tickets, their events and plain-language updates, their links to dev items, and the
work items Cadence itself creates when a ticket is escalated.

Read and written by ``services.support_desk``, ``services.escalation``, ``services.relay`` and
``services.support_digest``; they decide who may act and what each change means.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from cadence.store import schema as S

__all__ = [
    "DevItem",
    "LinkRow",
    "TicketRow",
    "UpdateRow",
    "bump_data_version",
    "find_item",
    "find_ticket",
    "insert_event",
    "insert_link",
    "insert_ticket",
    "insert_update",
    "insert_work_item",
    "jira_source_of_team",
    "last_audit_at",
    "last_relayed",
    "links_of_team",
    "links_of_ticket",
    "list_events",
    "list_tickets",
    "list_updates",
    "stamp_ticket_write",
    "ticket_by_id",
    "ticket_mark",
    "update_ticket",
]

_TICKET_COLUMNS = (
    "id", "team_id", "source", "source_id", "key", "title", "description", "requester", "customer", "channel",
    "product_area", "impact", "urgency", "priority", "status", "level", "created_at", "updated_at", "resolved_at",
    "triage_state", "decline_reason", "duplicate_of_id", "snoozed_until", "requesters",
)  # fmt: skip


@dataclass(frozen=True)
class TicketRow:
    id: int
    team_id: int
    source: str
    source_id: str
    key: str
    title: str
    description: str | None
    requester: str | None
    customer: str | None
    channel: str | None
    product_area: str | None
    impact: str | None
    urgency: str | None
    priority: str | None
    status: str
    level: str | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    resolved_at: dt.datetime | None
    triage_state: str | None
    decline_reason: str | None
    duplicate_of_id: int | None
    snoozed_until: dt.datetime | None
    requesters: list[str] | None


@dataclass(frozen=True)
class DevItem:
    id: int
    team_id: int
    key: str
    title: str
    type: str
    status: str
    source: str


@dataclass(frozen=True)
class LinkRow:
    ticket_id: int
    ticket_key: str
    item_id: int
    item_team_id: int
    item_key: str
    item_title: str
    item_status: str
    kind: str
    created_at: dt.datetime | None
    ticket_state: str | None
    """The ticket's triage state (closed tickets are not relayed to)."""


@dataclass(frozen=True)
class UpdateRow:
    id: int
    ticket_id: int
    item_id: int | None
    kind: str
    stage: str | None
    text: str
    dedupe_key: str
    created_at: dt.datetime


def _ticket(row: Any) -> TicketRow:
    r = row._mapping
    return TicketRow(**{name: r[name] for name in _TICKET_COLUMNS})


def _tickets() -> Any:
    return S.table(S.SupportTicket)


def list_tickets(conn: Connection, team_id: int, *, states: list[str] | None = None) -> list[TicketRow]:
    """The team's tickets, newest first; ``states`` filters on the triage state (``none`` for untriaged imports)."""
    t = _tickets()
    query = select(*(t.c[n] for n in _TICKET_COLUMNS)).where(t.c.team_id == team_id)
    if states is not None:
        wanted = [s for s in states if s != "none"]
        condition = t.c.triage_state.in_(wanted)
        query = query.where(condition | t.c.triage_state.is_(None) if "none" in states else condition)
    return [_ticket(r) for r in conn.execute(query.order_by(t.c.created_at.desc(), t.c.id.desc()))]


def find_ticket(conn: Connection, team_id: int, key: str) -> TicketRow | None:
    t = _tickets()
    query = select(*(t.c[n] for n in _TICKET_COLUMNS)).where(t.c.team_id == team_id, t.c.key == key)
    row = conn.execute(query.order_by(t.c.id)).first()
    return None if row is None else _ticket(row)


def ticket_by_id(conn: Connection, ticket_id: int) -> TicketRow | None:
    t = _tickets()
    row = conn.execute(select(*(t.c[n] for n in _TICKET_COLUMNS)).where(t.c.id == ticket_id)).first()
    return None if row is None else _ticket(row)


def _insert(table: Any, conn: Connection) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _next_number(conn: Connection, column: Any, where: Any, prefix: str) -> int:
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbers = [int(m.group(1)) for (k,) in conn.execute(select(column).where(where)) if (m := pattern.match(k or ""))]
    return max(numbers, default=0) + 1


def insert_ticket(conn: Connection, *, team_id: int, team_key: str, values: dict[str, Any]) -> TicketRow:
    """A new Cadence ticket keyed ``SUP-<n>`` (n one more than the team's highest); a racing insert retries."""
    t = _tickets()
    for _ in range(20):
        number = _next_number(conn, t.c.key, (t.c.team_id == team_id) & (t.c.source == "cadence"), "SUP-")
        key = f"SUP-{number}"
        row = {**values, "team_id": team_id, "source": "cadence", "source_id": f"{team_key}:{key}", "key": key}
        result = conn.execute(_insert(t, conn).values(**row).on_conflict_do_nothing().returning(t.c.id))
        new_id = result.scalar_one_or_none()
        if new_id is not None:
            found = ticket_by_id(conn, int(new_id))
            assert found is not None
            return found
    raise RuntimeError("could not find a free ticket number after 20 attempts")


def update_ticket(conn: Connection, ticket_id: int, **values: Any) -> None:
    t = _tickets()
    conn.execute(t.update().where(t.c.id == ticket_id).values(**values))


def insert_event(
    conn: Connection, *, ticket_id: int, kind: str, from_value: str | None, to_value: str | None, at: dt.datetime,
    data: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    conn.execute(
        S.table(S.TicketEvent)
        .insert()
        .values(
            ticket_id=ticket_id,
            event_key=f"cadence-{uuid.uuid4().hex[:16]}",
            kind=kind,
            from_value=from_value,
            to_value=to_value,
            at=at,
            by_id=None,
            data=data,
        )
    )


def list_events(conn: Connection, ticket_id: int) -> list[dict[str, Any]]:
    e = S.table(S.TicketEvent)
    query = (
        select(e.c.kind, e.c.from_value, e.c.to_value, e.c.at, e.c.data)
        .where(e.c.ticket_id == ticket_id)
        .order_by(e.c.at, e.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def insert_update(
    conn: Connection, *, ticket_id: int, kind: str, text: str, dedupe_key: str, at: dt.datetime,
    item_id: int | None = None, stage: str | None = None, by_user_id: int | None = None,
) -> int | None:  # fmt: skip
    """Add an update unless ``(ticket, dedupe_key)`` exists; its id, or None when it did."""
    u = S.table(S.TicketUpdate)
    values = {"ticket_id": ticket_id, "item_id": item_id, "kind": kind, "stage": stage, "text": text,
              "dedupe_key": dedupe_key, "by_user_id": by_user_id or None, "created_at": at}  # fmt: skip
    result = conn.execute(
        _insert(u, conn).values(**values).on_conflict_do_nothing(index_elements=["ticket_id", "dedupe_key"])
        .returning(u.c.id)
    )  # fmt: skip
    new_id = result.scalar_one_or_none()
    return None if new_id is None else int(new_id)


def _update(row: Any) -> UpdateRow:
    r = row._mapping
    return UpdateRow(r["id"], r["ticket_id"], r["item_id"], r["kind"], r["stage"], r["text"], r["dedupe_key"],
                     r["created_at"])  # fmt: skip


def list_updates(conn: Connection, ticket_ids: list[int], *, since: dt.datetime | None = None) -> list[UpdateRow]:
    u = S.table(S.TicketUpdate)
    query = select(u).where(u.c.ticket_id.in_(ticket_ids))
    if since is not None:
        query = query.where(u.c.created_at > since)
    return [_update(r) for r in conn.execute(query.order_by(u.c.created_at, u.c.id))]


def last_relayed(conn: Connection, ticket_id: int, item_id: int) -> UpdateRow | None:
    u = S.table(S.TicketUpdate)
    query = (
        select(u)
        .where(u.c.ticket_id == ticket_id, u.c.item_id == item_id, u.c.kind == "relay")
        .order_by(u.c.created_at.desc(), u.c.id.desc())
    )
    row = conn.execute(query).first()
    return None if row is None else _update(row)


def _item(row: Any) -> DevItem:
    r = row._mapping
    return DevItem(r["id"], r["team_id"], r["key"], r["title"], r["type"], r["status"], r["source"])


def find_item(conn: Connection, team_id: int, key: str) -> DevItem | None:
    i = S.table(S.WorkItem)
    query = select(i.c.id, i.c.team_id, i.c.key, i.c.title, i.c.type, i.c.status, i.c.source)
    row = conn.execute(query.where(i.c.team_id == team_id, i.c.key == key).order_by(i.c.id)).first()
    return None if row is None else _item(row)


def insert_work_item(
    conn: Connection, *, team_id: int, team_key: str, source: str, source_id: str | None, key: str | None,
    values: dict[str, Any],
) -> DevItem:  # fmt: skip
    """A work item created by Cadence (``source`` cadence, keyed ``<TEAM>-<n>``) or just created in Jira (its key
    and id as Jira answered: the next sync updates the row in place)."""
    i = S.table(S.WorkItem)
    for _ in range(20):
        item_key = key
        if item_key is None:
            prefix = f"{team_key}-"
            item_key = f"{prefix}{_next_number(conn, i.c.key, i.c.team_id == team_id, prefix)}"
        row = {**values, "team_id": team_id, "source": source, "source_id": source_id or item_key, "key": item_key}
        result = conn.execute(_insert(i, conn).values(**row).on_conflict_do_nothing().returning(i.c.id))
        if result.scalar_one_or_none() is not None:
            found = find_item(conn, team_id, item_key)
            assert found is not None
            return found
        if key is not None:
            break
    raise RuntimeError(f"could not store the work item {key or team_key} (it exists already)")


def insert_link(conn: Connection, *, ticket_id: int, item_id: int, kind: str, at: dt.datetime) -> bool:
    """Link a ticket to an item; False when they were linked already."""
    links = S.table(S.TicketLink)
    values = {"ticket_id": ticket_id, "item_id": item_id, "kind": kind, "created_at": at}
    result = conn.execute(
        _insert(links, conn)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["ticket_id", "item_id"])
        .returning(links.c.id)
    )
    return result.scalar_one_or_none() is not None


def _links_query() -> Any:
    links, items, t = S.table(S.TicketLink), S.table(S.WorkItem), _tickets()
    return (
        select(
            links.c.ticket_id,
            t.c.key.label("ticket_key"),
            links.c.item_id,
            items.c.team_id.label("item_team_id"),
            items.c.key.label("item_key"),
            items.c.title.label("item_title"),
            items.c.status.label("item_status"),
            links.c.kind,
            links.c.created_at,
            t.c.triage_state.label("ticket_state"),
        )
        .join(items, items.c.id == links.c.item_id)
        .join(t, t.c.id == links.c.ticket_id)
    )


def _link(row: Any) -> LinkRow:
    return LinkRow(**dict(row._mapping))


def links_of_ticket(conn: Connection, ticket_id: int) -> list[LinkRow]:
    links = S.table(S.TicketLink)
    query = _links_query().where(links.c.ticket_id == ticket_id).order_by(links.c.created_at, links.c.id)
    return [_link(r) for r in conn.execute(query)]


def links_of_team(conn: Connection, team_id: int) -> list[LinkRow]:
    """Every link of the team's tickets (the items may belong to another team's board)."""
    links, t = S.table(S.TicketLink), _tickets()
    query = _links_query().where(t.c.team_id == team_id).order_by(links.c.ticket_id, links.c.id)
    return [_link(r) for r in conn.execute(query)]


def bump_data_version(conn: Connection, team_id: int) -> None:
    """Cached frames and results of the team refresh on their next read."""
    teams = S.table(S.Team)
    conn.execute(teams.update().where(teams.c.id == team_id).values(data_version=teams.c.data_version + 1))


def ticket_mark(conn: Connection, team_id: int) -> tuple[int, dt.datetime | None]:
    """The team's ticket count and latest ``updated_at``. With :func:`stamp_ticket_write` it changes with every
    ticket Cadence creates or updates, so ticket caches key on it besides the data version (which ticket writes
    leave alone: they change no item history)."""
    t = _tickets()
    count, latest = conn.execute(select(func.count(), func.max(t.c.updated_at)).where(t.c.team_id == team_id)).one()
    return int(count), latest


def stamp_ticket_write(conn: Connection, team_id: int, now: dt.datetime) -> dt.datetime:
    """The ``updated_at`` a ticket write of the team stamps: ``now``, or just after the team's latest stamp when
    ``now`` is not later. Takes the team row's lock first (a no-op update; PostgreSQL row lock, SQLite write lock)
    so the team's ticket writes commit one at a time in stamp order and :func:`ticket_mark` moves with each."""
    teams, t = S.table(S.Team), _tickets()
    conn.execute(teams.update().where(teams.c.id == team_id).values(data_version=teams.c.data_version))
    latest = conn.execute(select(func.max(t.c.updated_at)).where(t.c.team_id == team_id)).scalar()
    return now if latest is None or now > latest else latest + dt.timedelta(microseconds=1)


def last_audit_at(conn: Connection, *, team_id: int, entity: str, action: str) -> dt.datetime | None:
    """When the team's last audit entry of ``action`` on ``entity`` was written (the last digest sent)."""
    audit = S.table(S.AuditEntry)
    query = select(func.max(audit.c.at)).where(
        audit.c.team_id == team_id, audit.c.entity == entity, audit.c.action == action
    )
    found: dt.datetime | None = conn.execute(query).scalar_one_or_none()
    return found


def jira_source_of_team(conn: Connection, team_id: int) -> str | None:
    """The name of the team's first Jira source with a project to create issues in, or None."""
    sources = S.table(S.Source)
    query = select(sources.c.name, sources.c.config).where(sources.c.team_id == team_id, sources.c.kind == "jira")
    for name, config in conn.execute(query.order_by(sources.c.id)):
        if (config or {}).get("projects"):
            return str(name)
    return None
