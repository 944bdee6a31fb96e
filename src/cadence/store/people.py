"""People rows created by Cadence itself (accounts), as opposed to those a source describes."""

from __future__ import annotations

from sqlalchemy import Connection

from cadence.store import schema as S

__all__ = ["insert_person"]


def insert_person(conn: Connection, *, source: str, source_id: str, display_name: str, email: str | None) -> int:
    people = S.table(S.Person)
    query = people.insert().values(source=source, source_id=source_id, display_name=display_name, email=email)
    return int(conn.execute(query.returning(people.c.id)).scalar_one())
