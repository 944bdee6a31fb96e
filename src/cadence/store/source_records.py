"""What a source has stored, by source id: for reconciliation (deleted issues) and out-of-order webhooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = ["delete_records", "stored_ids", "stored_updated_at"]

_MODELS = (S.WorkItem, S.SupportTicket)


def stored_ids(conn: Connection, source: str) -> set[str]:
    """Source ids of every work item and ticket stored from ``source``."""
    found: set[str] = set()
    for model in _MODELS:
        table = S.table(model)
        found.update(str(r) for r in conn.execute(select(table.c.source_id).where(table.c.source == source)).scalars())
    return found


def stored_updated_at(conn: Connection, source: str, source_id: str) -> dt.datetime | None:
    """When the stored copy of a record was last updated at the source (``None``: not stored, or unknown)."""
    for model in _MODELS:
        table = S.table(model)
        query = select(table.c.updated_at).where(table.c.source == source, table.c.source_id == source_id)
        value: dt.datetime | None = conn.execute(query).scalar()
        if value is not None:
            return value
    return None


def delete_records(conn: Connection, source: str, source_ids: Iterable[str]) -> int:
    """Delete items and tickets (their history goes with them) and bump their teams' data versions."""
    ids = sorted(set(source_ids))
    if not ids:
        return 0
    deleted = 0
    teams: set[int] = set()
    for model in _MODELS:
        table = S.table(model)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            where = (table.c.source == source) & table.c.source_id.in_(chunk)
            teams.update(int(t) for t in conn.execute(select(table.c.team_id).where(where)).scalars())
            deleted += conn.execute(table.delete().where(where)).rowcount or 0
    if teams:
        team_table = S.table(S.Team)
        conn.execute(
            team_table.update()
            .where(team_table.c.id.in_(sorted(teams)))
            .values(data_version=team_table.c.data_version + 1)
        )
    return deleted
