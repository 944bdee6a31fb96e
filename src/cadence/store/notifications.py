"""A team's notification channels and the outbox of messages to send through them.

The outbox is shared by every sender (several app instances, a cron ``cadence notify send``): a sender *claims*
due messages with one atomic ``UPDATE`` that moves them from ``pending`` to ``sending`` under its own claim token
(on PostgreSQL the candidate rows are picked ``FOR UPDATE SKIP LOCKED``, so concurrent senders take disjoint sets
without waiting; SQLite serialises writers, so the guarded ``UPDATE`` alone is enough). It then sends outside any
transaction and settles each message only if it still holds the claim. A claim older than the stale timeout
belongs to a sender that died mid-send and may be taken over.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from cadence.store import schema as S

__all__ = [
    "ChannelRow",
    "ClaimedMessage",
    "MessageRow",
    "claim_messages",
    "count_messages",
    "delete_channel",
    "find_channel",
    "insert_channel",
    "insert_message",
    "list_channels",
    "list_messages",
    "release_message",
    "settle_message",
]


@dataclass(frozen=True)
class ChannelRow:
    id: int
    team_id: int
    name: str
    kind: str
    target_encrypted: str
    topics: tuple[str, ...]
    enabled: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class ClaimedMessage:
    """A message a sender now holds, with what it needs to send it."""

    id: int
    team_id: int
    channel_id: int
    channel_name: str
    kind: str
    target_encrypted: str
    topic: str
    subject: str
    body: str
    attempts: int
    """Attempts made so far, this one included."""


@dataclass(frozen=True)
class MessageRow:
    id: int
    channel_name: str
    topic: str
    subject: str
    state: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None


def _channel(row: Any) -> ChannelRow:
    r = row._mapping
    return ChannelRow(
        r["id"], r["team_id"], r["name"], r["kind"], r["target_encrypted"], tuple(r["topics"] or ()),
        bool(r["enabled"]), r["created_at"],
    )  # fmt: skip


def list_channels(conn: Connection, team_id: int, *, enabled_only: bool = False) -> list[ChannelRow]:
    channels = S.table(S.NotificationChannel)
    query = select(channels).where(channels.c.team_id == team_id).order_by(channels.c.name)
    if enabled_only:
        query = query.where(channels.c.enabled.is_(True))
    return [_channel(row) for row in conn.execute(query)]


def find_channel(conn: Connection, team_id: int, name: str) -> ChannelRow | None:
    channels = S.table(S.NotificationChannel)
    row = conn.execute(select(channels).where(channels.c.team_id == team_id, channels.c.name == name)).first()
    return None if row is None else _channel(row)


def insert_channel(
    conn: Connection, *, team_id: int, name: str, kind: str, target_encrypted: str, topics: list[str], now: dt.datetime
) -> int:
    result = conn.execute(
        S.table(S.NotificationChannel)
        .insert()
        .values(
            team_id=team_id,
            name=name,
            kind=kind,
            target_encrypted=target_encrypted,
            topics=topics,
            enabled=True,
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def delete_channel(conn: Connection, channel_id: int) -> None:
    """Remove the channel; its queued messages go with it (``ON DELETE CASCADE``, deleted explicitly for SQLite
    connections opened without foreign keys)."""
    messages, channels = S.table(S.NotificationMessage), S.table(S.NotificationChannel)
    conn.execute(messages.delete().where(messages.c.channel_id == channel_id))
    conn.execute(channels.delete().where(channels.c.id == channel_id))


def insert_message(
    conn: Connection, *, team_id: int, channel_id: int, dedupe_key: str, topic: str, subject: str, body: str,
    now: dt.datetime,
) -> bool:  # fmt: skip
    """Queue one message; False when the channel already has one with this dedupe key (nothing is written)."""
    messages = S.table(S.NotificationMessage)
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(messages)
    values = {
        "team_id": team_id, "channel_id": channel_id, "dedupe_key": dedupe_key, "topic": topic, "subject": subject,
        "body": body, "state": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now,
    }  # fmt: skip
    statement = insert.values(**values).on_conflict_do_nothing(index_elements=["channel_id", "dedupe_key"])
    return conn.execute(statement.returning(messages.c.id)).first() is not None


def claim_messages(
    conn: Connection, *, token: str, now: dt.datetime, stale_before: dt.datetime, limit: int
) -> list[ClaimedMessage]:
    """Take up to ``limit`` due messages of enabled channels for the sender ``token`` (one statement; see the
    module docstring) and count the attempt. Call in its own short transaction, committed before sending."""
    messages, channels = S.table(S.NotificationMessage), S.table(S.NotificationChannel)
    enabled = select(channels.c.id).where(channels.c.enabled.is_(True))
    due = and_(
        or_(
            and_(messages.c.state == "pending", messages.c.next_attempt_at <= now),
            and_(messages.c.state == "sending", messages.c.claimed_at < stale_before),
        ),
        messages.c.channel_id.in_(enabled),
    )
    pick = select(messages.c.id).where(due).order_by(messages.c.next_attempt_at, messages.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True, of=messages)
    # A CTE runs once; a plain ``IN (subquery)`` may be re-run by the planner and pick more than ``limit`` rows.
    picked = pick.cte("picked")
    conn.execute(
        messages.update()
        .where(messages.c.id.in_(select(picked.c.id)), due)  # ``due`` again: a row settled since the pick stays
        .values(state="sending", claim_token=token, claimed_at=now, attempts=messages.c.attempts + 1)
    )
    query = (
        select(messages, channels.c.name.label("channel_name"), channels.c.kind, channels.c.target_encrypted)
        .join(channels, channels.c.id == messages.c.channel_id)
        .where(messages.c.claim_token == token, messages.c.state == "sending")
        .order_by(messages.c.id)
    )
    return [
        ClaimedMessage(
            r.id,
            r.team_id,
            r.channel_id,
            r.channel_name,
            r.kind,
            r.target_encrypted,
            r.topic,
            r.subject,
            r.body,
            r.attempts,
        )
        for r in conn.execute(query)
    ]


def settle_message(
    conn: Connection, message_id: int, *, token: str, state: str, now: dt.datetime, error: str | None = None,
    next_attempt_at: dt.datetime | None = None,
) -> bool:  # fmt: skip
    """End the sender's claim: ``sent``, ``failed``, or ``pending`` again at ``next_attempt_at``.

    False when the claim was lost (taken over as stale): the message is then the other sender's to settle.
    """
    messages = S.table(S.NotificationMessage)
    values: dict[str, Any] = {"state": state, "claim_token": None, "claimed_at": None, "last_error": error}
    if state == "sent":
        values["sent_at"] = now
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    result = conn.execute(
        messages.update()
        .where(messages.c.id == message_id, messages.c.claim_token == token, messages.c.state == "sending")
        .values(**values)
    )
    return bool(result.rowcount == 1)


def release_message(conn: Connection, message_id: int, *, token: str) -> None:
    """Give a claimed message back untouched (a sender stopping early), not counting the attempt."""
    messages = S.table(S.NotificationMessage)
    conn.execute(
        messages.update()
        .where(messages.c.id == message_id, messages.c.claim_token == token, messages.c.state == "sending")
        .values(state="pending", claim_token=None, claimed_at=None, attempts=messages.c.attempts - 1)
    )


def count_messages(conn: Connection, team_id: int | None = None) -> dict[str, int]:
    """Messages per state, for one team or all."""
    messages = S.table(S.NotificationMessage)
    query = select(messages.c.state, func.count()).group_by(messages.c.state)
    if team_id is not None:
        query = query.where(messages.c.team_id == team_id)
    return {str(state): int(n) for state, n in conn.execute(query)}


def list_messages(conn: Connection, team_id: int, *, limit: int = 20) -> list[MessageRow]:
    """The team's latest messages, newest first (what the channels page shows)."""
    messages, channels = S.table(S.NotificationMessage), S.table(S.NotificationChannel)
    query = (
        select(messages, channels.c.name.label("channel_name"))
        .join(channels, channels.c.id == messages.c.channel_id)
        .where(messages.c.team_id == team_id)
        .order_by(messages.c.created_at.desc(), messages.c.id.desc())
        .limit(limit)
    )
    return [
        MessageRow(
            r.id,
            r.channel_name,
            r.topic,
            r.subject,
            r.state,
            r.attempts,
            r.last_error,
            r.created_at,
            r.next_attempt_at,
            r.sent_at,
        )
        for r in conn.execute(query)
    ]
