"""Sign-in accounts as stored rows."""

from __future__ import annotations

from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = ["find_person_id", "insert_user", "user_exists"]


def find_person_id(conn: Connection, source: str, source_id: str) -> int | None:
    people = S.table(S.Person)
    query = select(people.c.id).where(people.c.source == source, people.c.source_id == source_id)
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def user_exists(conn: Connection, username: str) -> bool:
    users = S.table(S.User)
    return conn.execute(select(users.c.id).where(users.c.username == username)).first() is not None


def insert_user(conn: Connection, *, username: str, password_hash: str, person_id: int | None) -> int:
    users = S.table(S.User)
    query = users.insert().values(username=username, password_hash=password_hash, person_id=person_id)
    return int(conn.execute(query.returning(users.c.id)).scalar_one())
