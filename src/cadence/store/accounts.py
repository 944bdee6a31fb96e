"""Sign-in accounts and the memberships that give them rights, as stored rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, select

from cadence.store import schema as S

__all__ = [
    "UserRow",
    "count_role",
    "delete_membership",
    "find_person_id",
    "find_user",
    "get_user",
    "insert_user",
    "list_users",
    "roles_of_person",
    "set_last_login",
    "set_password_hash",
    "upsert_membership",
    "user_exists",
]


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    password_hash: str | None
    person_id: int | None
    is_active: bool
    is_superuser: bool
    display_name: str | None


def _user_query() -> Select[Any]:
    users, people = S.table(S.User), S.table(S.Person)
    return select(
        users.c.id,
        users.c.username,
        users.c.password_hash,
        users.c.person_id,
        users.c.is_active,
        users.c.is_superuser,
        people.c.display_name,
    ).join_from(users, people, users.c.person_id == people.c.id, isouter=True)


def find_user(conn: Connection, username: str) -> UserRow | None:
    row = conn.execute(_user_query().where(S.table(S.User).c.username == username)).first()
    return None if row is None else UserRow(*row)


def get_user(conn: Connection, user_id: int) -> UserRow | None:
    row = conn.execute(_user_query().where(S.table(S.User).c.id == user_id)).first()
    return None if row is None else UserRow(*row)


def list_users(conn: Connection) -> list[UserRow]:
    return [UserRow(*row) for row in conn.execute(_user_query().order_by(S.table(S.User).c.username))]


def find_person_id(conn: Connection, source: str, source_id: str) -> int | None:
    people = S.table(S.Person)
    query = select(people.c.id).where(people.c.source == source, people.c.source_id == source_id)
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def user_exists(conn: Connection, username: str) -> bool:
    users = S.table(S.User)
    return conn.execute(select(users.c.id).where(users.c.username == username)).first() is not None


def insert_user(
    conn: Connection, *, username: str, password_hash: str, person_id: int | None, is_superuser: bool = False
) -> int:
    users = S.table(S.User)
    query = users.insert().values(
        username=username, password_hash=password_hash, person_id=person_id, is_superuser=is_superuser
    )
    return int(conn.execute(query.returning(users.c.id)).scalar_one())


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    users = S.table(S.User)
    conn.execute(users.update().where(users.c.id == user_id).values(password_hash=password_hash))


def set_last_login(conn: Connection, user_id: int, at: dt.datetime) -> None:
    users = S.table(S.User)
    conn.execute(users.update().where(users.c.id == user_id).values(last_login_at=at))


def roles_of_person(conn: Connection, person_id: int) -> dict[int, str]:
    """``team_id -> role`` for every team the person belongs to."""
    memberships = S.table(S.Membership)
    query = select(memberships.c.team_id, memberships.c.role).where(memberships.c.person_id == person_id)
    return {int(team): str(role) for team, role in conn.execute(query)}


def count_role(conn: Connection, team_id: int, role: str) -> int:
    memberships = S.table(S.Membership)
    query = select(func.count()).where(memberships.c.team_id == team_id, memberships.c.role == role)
    return int(conn.execute(query).scalar_one())


def upsert_membership(conn: Connection, team_id: int, person_id: int, role: str) -> str | None:
    """Set the person's role in the team; returns the previous role (``None`` when newly added)."""
    memberships = S.table(S.Membership)
    where = (memberships.c.team_id == team_id) & (memberships.c.person_id == person_id)
    previous = conn.execute(select(memberships.c.role).where(where)).scalar()
    if previous is None:
        conn.execute(memberships.insert().values(team_id=team_id, person_id=person_id, role=role, capacity=1.0))
    else:
        conn.execute(memberships.update().where(where).values(role=role))
    return None if previous is None else str(previous)


def delete_membership(conn: Connection, team_id: int, person_id: int) -> None:
    memberships = S.table(S.Membership)
    conn.execute(memberships.delete().where(memberships.c.team_id == team_id, memberships.c.person_id == person_id))
