"""Sign-in attempts, for throttling shared by every app instance."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select

from cadence.store import schema as S

__all__ = ["count_failures", "record_attempt"]


def record_attempt(conn: Connection, keys: list[str], success: bool, at: dt.datetime) -> None:
    attempts = S.table(S.LoginAttempt)
    conn.execute(attempts.insert(), [{"key": key, "success": success, "at": at} for key in keys])


def count_failures(conn: Connection, key: str, since: dt.datetime, *, reset_by_success: bool) -> int:
    """Failures for ``key`` since ``since`` (and, with ``reset_by_success``, since its last success).

    An account's count restarts when its owner signs in; an address's does not, or one known password would
    let a guesser reset the counter for every other account tried from that address.
    """
    attempts = S.table(S.LoginAttempt)
    floor = since
    if reset_by_success:
        last_success = select(func.max(attempts.c.at)).where(attempts.c.key == key, attempts.c.success.is_(True))
        last = conn.execute(last_success).scalar()
        floor = max(since, last) if last is not None else since
    query = select(func.count()).where(attempts.c.key == key, attempts.c.success.is_(False), attempts.c.at > floor)
    return int(conn.execute(query).scalar_one())
