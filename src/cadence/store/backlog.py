"""The open items of a team with the text and links a Definition-of-Ready review needs.

The analytics read models carry no titles or descriptions (a whole team's history does not need them); a backlog
review does, but only for items not yet resolved, so it gets this small query of its own.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, select

from cadence.store import schema as S
from cadence.store.impediments import read_blocking_links
from cadence.store.read_models import typed_frame

__all__ = ["OPEN_BLOCKERS", "OPEN_ITEMS", "read_open_blockers", "read_open_items"]

_TS = pl.Datetime("us", "UTC")

OPEN_ITEMS: dict[str, pl.DataType | type[pl.DataType]] = {
    "item_id": pl.Int64,
    "key": pl.String,
    "title": pl.String,
    "description": pl.String,
    "type": pl.String,
    "status": pl.String,
    "estimate": pl.Float64,
    "rank": pl.Int64,
    "created_at": _TS,
    "updated_at": _TS,
    "labels": pl.List(pl.String),
}
"""Columns of :func:`read_open_items`."""

OPEN_BLOCKERS: dict[str, pl.DataType | type[pl.DataType]] = {"item_id": pl.Int64, "blocker_key": pl.String}
"""Columns of :func:`read_open_blockers`: the blocked item and the key of an unresolved item blocking it."""


def read_open_items(conn: Connection, team_id: int) -> pl.DataFrame:
    """Items of the team with no resolution date (whatever their status), with title, description and labels."""
    items = S.table(S.WorkItem)
    rows = conn.execute(
        select(
            items.c.id,
            items.c.key,
            items.c.title,
            items.c.description,
            items.c.type,
            items.c.status,
            items.c.estimate,
            items.c.rank,
            items.c.created_at,
            items.c.updated_at,
            items.c.labels,
        )
        .where(items.c.team_id == team_id, items.c.resolved_at.is_(None))
        .order_by(items.c.id)
    ).all()
    return typed_frame(rows, OPEN_ITEMS)


def read_open_blockers(conn: Connection, team_id: int) -> pl.DataFrame:
    """``blocks`` links into the team's open items whose blocking item (of any team) is not resolved: the blocked
    item and the blocker's key, from the one query of blocking links (``store/impediments.read_blocking_links``)."""
    return read_blocking_links(conn, team_id).select(list(OPEN_BLOCKERS))
