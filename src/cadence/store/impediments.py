"""Impediments (raised by people or confirmed from a detector's candidate), dismissed candidates, and the blocking
links the detector reads.

A dismissed candidate is an ``impediments`` row with status ``dismissed`` and its ``signal_key``: the same store
answers "was this candidate decided already?" for confirmed and dismissed ones alike. Read and written by
``services.impediments`` only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from cadence.domain.errors import Conflict
from cadence.store import schema as S
from cadence.store.read_models import typed_frame

__all__ = [
    "BLOCKING_LINK_COLUMNS",
    "ImpedimentRow",
    "TeamPerson",
    "decided_signal_keys",
    "find_impediment",
    "find_item_key",
    "insert_impediment",
    "item_keys_by_id",
    "list_impediments",
    "read_blocking_links",
    "read_impediment_spans",
    "team_people",
    "update_impediment",
]

_UTC = pl.Datetime("us", "UTC")

BLOCKING_LINK_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "item_id": pl.Int64,
    "blocker_key": pl.String,
    "blocker_team_id": pl.Int64,
    "blocker_team": pl.String,
    "blocker_resolved_at": _UTC,
    "linked_at": _UTC,
}
"""The columns of ``analytics.impediment_signals.BLOCKING_LINKS`` (repeated here: the store imports no analytics)."""


@dataclass(frozen=True)
class ImpedimentRow:
    id: int
    team_id: int
    title: str
    description: str | None
    item_id: int | None
    item_key: str | None
    owner_id: int | None
    owner: str | None
    """The owner's display name."""
    status: str
    escalation_level: int
    detected_by: str | None
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution_note: str | None
    signal_key: str | None
    evidence: dict[str, Any] | None
    check_in_id: int | None


@dataclass(frozen=True)
class TeamPerson:
    id: int
    name: str


def read_blocking_links(conn: Connection, team_id: int) -> pl.DataFrame:
    """``blocks`` links into the team's unresolved items whose blocking item (of any team) is unresolved, with the
    blocker's key and team — the detector's ``BLOCKING_LINKS`` frame."""
    links = S.table(S.ItemLink)
    blocked = S.table(S.WorkItem)
    blocker = aliased(S.table(S.WorkItem))
    teams = S.table(S.Team)
    rows = conn.execute(
        select(
            links.c.to_item_id,
            blocker.c.key,
            blocker.c.team_id,
            teams.c.key,
            blocker.c.resolved_at,
            links.c.created_at,
        )
        .join(blocked, blocked.c.id == links.c.to_item_id)
        .join(blocker, blocker.c.id == links.c.from_item_id)
        .join(teams, teams.c.id == blocker.c.team_id)
        .where(
            links.c.link_type == "blocks",
            blocked.c.team_id == team_id,
            blocked.c.resolved_at.is_(None),
            blocker.c.resolved_at.is_(None),
        )
        .order_by(links.c.to_item_id, blocker.c.key)
    ).all()
    return typed_frame(rows, BLOCKING_LINK_COLUMNS)


def _select() -> Any:
    imp = S.table(S.Impediment)
    items = S.table(S.WorkItem)
    people = S.table(S.Person)
    return (
        select(
            imp.c.id,
            imp.c.team_id,
            imp.c.title,
            imp.c.description,
            imp.c.item_id,
            items.c.key.label("item_key"),
            imp.c.owner_id,
            people.c.display_name.label("owner"),
            imp.c.status,
            imp.c.escalation_level,
            imp.c.detected_by,
            imp.c.opened_at,
            imp.c.resolved_at,
            imp.c.resolution_note,
            imp.c.signal_key,
            imp.c.evidence,
            imp.c.check_in_id,
        )
        .select_from(imp)
        .outerjoin(items, items.c.id == imp.c.item_id)
        .outerjoin(people, people.c.id == imp.c.owner_id)
    )


def _row(row: Any) -> ImpedimentRow:
    r = row._mapping
    return ImpedimentRow(**{name: r[name] for name in ImpedimentRow.__dataclass_fields__})


def list_impediments(conn: Connection, team_id: int, statuses: Sequence[str]) -> list[ImpedimentRow]:
    """The team's impediments of the given statuses, oldest first."""
    imp = S.table(S.Impediment)
    query = _select().where(imp.c.team_id == team_id, imp.c.status.in_(list(statuses)))
    return [_row(r) for r in conn.execute(query.order_by(imp.c.opened_at, imp.c.id))]


def find_impediment(conn: Connection, team_id: int, impediment_id: int) -> ImpedimentRow | None:
    imp = S.table(S.Impediment)
    row = conn.execute(_select().where(imp.c.team_id == team_id, imp.c.id == impediment_id)).first()
    return None if row is None else _row(row)


def insert_impediment(conn: Connection, *, team_id: int, title: str, opened_at: dt.datetime, **values: Any) -> int:
    """Add one impediment; ``values`` are further columns (description, item_id, owner_id, status, ...).

    A detected candidate is decided once per team: a second decision on the same ``signal_key`` (two managers at
    the same instant) is refused by the unique index and reported as a :class:`Conflict`.
    """
    statement = S.table(S.Impediment).insert().values(team_id=team_id, title=title, opened_at=opened_at, **values)
    try:
        with conn.begin_nested():
            result = conn.execute(statement)
    except IntegrityError as error:
        if values.get("signal_key") is None:
            raise
        raise Conflict(f"candidate {values['signal_key']} was decided meanwhile by someone else") from error
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def update_impediment(conn: Connection, impediment_id: int, *, expect_status: str, **values: Any) -> bool:
    """Change columns of an impediment still in ``expect_status``; False when someone changed its status first."""
    imp = S.table(S.Impediment)
    result = conn.execute(update(imp).where(imp.c.id == impediment_id, imp.c.status == expect_status).values(**values))
    return bool(result.rowcount)


def decided_signal_keys(conn: Connection, team_id: int) -> set[str]:
    """Signal keys of the team's candidates already confirmed or dismissed (any status)."""
    imp = S.table(S.Impediment)
    query = select(imp.c.signal_key).where(imp.c.team_id == team_id, imp.c.signal_key.is_not(None))
    return {str(key) for key in conn.execute(query).scalars()}


def find_item_key(conn: Connection, team_id: int, key: str) -> int | None:
    """The id of the team's item ``key``."""
    items = S.table(S.WorkItem)
    query = select(items.c.id).where(items.c.team_id == team_id, items.c.key == key).order_by(items.c.id)
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def item_keys_by_id(conn: Connection, item_ids: Sequence[int]) -> dict[int, str]:
    items = S.table(S.WorkItem)
    if not item_ids:
        return {}
    rows = conn.execute(select(items.c.id, items.c.key).where(items.c.id.in_(list(item_ids))))
    return {int(i): str(k) for i, k in rows}


def team_people(conn: Connection, team_id: int) -> list[TeamPerson]:
    """The team's members (possible owners), by name."""
    people = S.table(S.Person)
    members = S.table(S.Membership)
    rows = conn.execute(
        select(people.c.id, people.c.display_name)
        .join(members, members.c.person_id == people.c.id)
        .where(members.c.team_id == team_id)
        .order_by(people.c.display_name, people.c.id)
    )
    return [TeamPerson(int(i), str(n)) for i, n in rows]


IMPEDIMENT_SPANS: dict[str, pl.DataType | type[pl.DataType]] = {
    "impediment_id": pl.Int64,
    "opened_at": _UTC,
    "resolved_at": _UTC,
}


def read_impediment_spans(conn: Connection, team_id: int) -> pl.DataFrame:
    """When each of the team's impediments (dismissed candidates excluded) opened and, if so, was resolved."""
    imp = S.table(S.Impediment)
    rows = conn.execute(
        select(imp.c.id, imp.c.opened_at, imp.c.resolved_at)
        .where(imp.c.team_id == team_id, imp.c.status != "dismissed")
        .order_by(imp.c.id)
    ).all()
    return typed_frame(rows, IMPEDIMENT_SPANS)
