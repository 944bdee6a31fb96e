"""The workspace row every team hangs from."""

from __future__ import annotations

from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = ["ensure_workspace"]


def ensure_workspace(conn: Connection, key: str = "default", name: str = "Cadence") -> int:
    """The id of workspace ``key``, created on first use."""
    table = S.table(S.Workspace)
    found = conn.execute(select(table.c.id).where(table.c.key == key)).scalar()
    if found is not None:
        return int(found)
    return int(conn.execute(table.insert().values(key=key, name=name).returning(table.c.id)).scalar_one())
