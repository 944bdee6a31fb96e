"""One work item and every recorded change to it (status, sprint, estimate, assignee, flag), merged in time order.

The analytics read whole teams as frames; the item page needs the opposite shape — one item, every kind of
event, with people and sprints named — so it gets its own small query rather than filtering team frames.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import aliased

from cadence.store import schema as S

__all__ = ["ItemEvent", "ItemRecord", "read_item", "read_item_events"]


@dataclass(frozen=True)
class ItemRecord:
    id: int
    team_id: int
    key: str
    type: str
    title: str
    status: str
    estimate: float | None
    assignee: str | None
    priority: str | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    flagged: bool


@dataclass(frozen=True)
class ItemEvent:
    """One change: ``kind`` is status | sprint | estimate | assignee | flag; ``before``/``after`` are display text."""

    at: dt.datetime
    kind: str
    before: str | None
    after: str | None
    by: str | None


def read_item(conn: Connection, team_id: int, key: str) -> ItemRecord | None:
    items = S.table(S.WorkItem)
    people = S.table(S.Person)
    row = conn.execute(
        select(items, people.c.display_name.label("assignee_name"))
        .join(people, people.c.id == items.c.assignee_id, isouter=True)
        .where(items.c.team_id == team_id, items.c.key == key)
    ).first()
    if row is None:
        return None
    r = row._mapping
    return ItemRecord(
        r["id"], r["team_id"], r["key"], r["type"], r["title"], r["status"], r["estimate"], r["assignee_name"],
        r["priority"], r["created_at"], r["resolved_at"], bool(r["flagged"]),
    )  # fmt: skip


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_item_events(conn: Connection, item_id: int) -> list[ItemEvent]:
    """Every change of item ``item_id``, oldest first (ties keep the order status, sprint, estimate, assignee, flag)."""
    people = S.table(S.Person)
    by = aliased(people, name="by_person")
    events: list[ItemEvent] = []

    t = S.table(S.Transition)
    for r in conn.execute(
        select(t.c.at, t.c.from_status, t.c.to_status, by.c.display_name)
        .join(by, by.c.id == t.c.by_id, isouter=True)
        .where(t.c.item_id == item_id)
    ):
        events.append(ItemEvent(r[0], "status", r[1], r[2], r[3]))

    sc = S.table(S.SprintChange)
    sprints = S.table(S.Sprint)
    for r in conn.execute(
        select(sc.c.at, sc.c.change, sprints.c.name, by.c.display_name)
        .join(sprints, sprints.c.id == sc.c.sprint_id)
        .join(by, by.c.id == sc.c.by_id, isouter=True)
        .where(sc.c.item_id == item_id)
    ):
        removed = r[1] == "removed"
        events.append(ItemEvent(r[0], "sprint", r[2] if removed else None, None if removed else r[2], r[3]))

    ec = S.table(S.EstimateChange)
    for r in conn.execute(
        select(ec.c.at, ec.c.from_value, ec.c.to_value, by.c.display_name)
        .join(by, by.c.id == ec.c.by_id, isouter=True)
        .where(ec.c.item_id == item_id)
    ):
        events.append(ItemEvent(r[0], "estimate", _text(r[1]), _text(r[2]), r[3]))

    ac = S.table(S.AssigneeChange)
    before, after = aliased(people, name="before_person"), aliased(people, name="after_person")
    for r in conn.execute(
        select(ac.c.at, before.c.display_name, after.c.display_name, by.c.display_name)
        .join(before, before.c.id == ac.c.from_id, isouter=True)
        .join(after, after.c.id == ac.c.to_id, isouter=True)
        .join(by, by.c.id == ac.c.by_id, isouter=True)
        .where(ac.c.item_id == item_id)
    ):
        events.append(ItemEvent(r[0], "assignee", r[1], r[2], r[3]))

    fc = S.table(S.FlagChange)
    for f in conn.execute(
        select(fc.c.at, fc.c.flagged, by.c.display_name)
        .join(by, by.c.id == fc.c.by_id, isouter=True)
        .where(fc.c.item_id == item_id)
    ):
        events.append(ItemEvent(f[0], "flag", None, "flagged" if f[1] else "cleared", f[2]))

    order = {"status": 0, "sprint": 1, "estimate": 2, "assignee": 3, "flag": 4}
    return sorted(events, key=lambda e: (e.at, order[e.kind]))
