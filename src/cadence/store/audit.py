"""The audit log: every change a person or a process made, with the values before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = ["insert_audit", "read_audit"]


def insert_audit(
    conn: Connection,
    *,
    actor_user_id: int | None,
    actor_label: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    team_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    values: dict[str, Any] = {
        "actor_user_id": actor_user_id,
        "actor_label": actor_label,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "team_id": team_id,
        "before": before,
        "after": after,
    }
    if at is not None:
        values["at"] = at
    conn.execute(S.table(S.AuditEntry).insert().values(**values))


def read_audit(conn: Connection, *, team_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    audit = S.table(S.AuditEntry)
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if team_id is not None:
        query = query.where(audit.c.team_id == team_id)
    return [dict(row._mapping) for row in conn.execute(query)]
