"""Server-side sessions and API tokens, stored by the SHA-256 of their secret (a leaked table opens nothing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = [
    "SessionRow",
    "delete_session",
    "delete_sessions_of_user",
    "find_api_token",
    "find_session",
    "insert_api_token",
    "insert_session",
    "revoke_api_token",
    "touch_api_token",
    "touch_session",
]


@dataclass(frozen=True)
class SessionRow:
    id: int
    user_id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    csrf_token: str


def insert_session(conn: Connection, token_hash: str, user_id: int, csrf_token: str, at: dt.datetime) -> None:
    sessions = S.table(S.UserSession)
    conn.execute(
        sessions.insert().values(
            token_hash=token_hash, user_id=user_id, csrf_token=csrf_token, created_at=at, last_seen_at=at
        )
    )


def find_session(conn: Connection, token_hash: str) -> SessionRow | None:
    sessions = S.table(S.UserSession)
    query = select(
        sessions.c.id, sessions.c.user_id, sessions.c.created_at, sessions.c.last_seen_at, sessions.c.csrf_token
    ).where(sessions.c.token_hash == token_hash)
    row = conn.execute(query).first()
    return None if row is None else SessionRow(*row)


def touch_session(conn: Connection, session_id: int, at: dt.datetime) -> None:
    sessions = S.table(S.UserSession)
    conn.execute(sessions.update().where(sessions.c.id == session_id).values(last_seen_at=at))


def delete_session(conn: Connection, token_hash: str) -> None:
    sessions = S.table(S.UserSession)
    conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash))


def delete_sessions_of_user(conn: Connection, user_id: int) -> None:
    sessions = S.table(S.UserSession)
    conn.execute(sessions.delete().where(sessions.c.user_id == user_id))


def insert_api_token(conn: Connection, user_id: int, name: str, token_hash: str, at: dt.datetime) -> int:
    tokens = S.table(S.ApiToken)
    query = tokens.insert().values(user_id=user_id, name=name, token_hash=token_hash, created_at=at)
    return int(conn.execute(query.returning(tokens.c.id)).scalar_one())


def find_api_token(conn: Connection, token_hash: str) -> tuple[int, int] | None:
    """``(token id, user id)`` of a live (not revoked) token."""
    tokens = S.table(S.ApiToken)
    query = select(tokens.c.id, tokens.c.user_id).where(
        tokens.c.token_hash == token_hash, tokens.c.revoked_at.is_(None)
    )
    row = conn.execute(query).first()
    return None if row is None else (int(row[0]), int(row[1]))


def touch_api_token(conn: Connection, token_id: int, at: dt.datetime) -> None:
    tokens = S.table(S.ApiToken)
    conn.execute(tokens.update().where(tokens.c.id == token_id).values(last_used_at=at))


def revoke_api_token(conn: Connection, token_id: int, at: dt.datetime) -> None:
    tokens = S.table(S.ApiToken)
    conn.execute(tokens.update().where(tokens.c.id == token_id).values(revoked_at=at))
