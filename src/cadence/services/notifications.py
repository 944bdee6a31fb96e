"""Notifications: a team's channels (e-mail, Slack, Teams, webhooks) and the outbox that delivers to them.

Other use cases report an event with :func:`enqueue` inside their own transaction: one outbox row per enabled
channel of the team that takes the topic, keyed ``(channel, dedupe_key)`` so a retried request or a second app
instance reporting the same event queues nothing new. :func:`deliver_pending` (``cadence notify send``, or a
scheduler) claims due messages, sends each outside any transaction and settles it: ``sent``, or back to
``pending`` after an exponential backoff, or ``failed`` with its last error once the attempts run out.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from cadence.connectors.notify import check_target, describe_target, send_message
from cadence.domain.errors import ConfigurationError, Conflict, InputError, NotFound
from cadence.domain.model import Role
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.credentials import decrypt_secret, encrypt_secret
from cadence.store import notifications as store
from cadence.store.database import Connection, Database

__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_AFTER",
    "STALE_AFTER",
    "ChannelView",
    "DeliveryReport",
    "add_channel",
    "backoff",
    "deliver_pending",
    "enqueue",
    "list_channels",
    "recent_messages",
    "remove_channel",
    "test_channel",
]

MAX_ATTEMPTS = 5
"""Attempts per message before it is ``failed`` for good (``CADENCE_NOTIFY_MAX_ATTEMPTS``)."""
RETRY_AFTER = dt.timedelta(minutes=1)
"""Wait after the first failed attempt; doubled after each further one (``CADENCE_NOTIFY_RETRY_SECONDS``)."""
MAX_WAIT = dt.timedelta(hours=6)
STALE_AFTER = dt.timedelta(minutes=15)
"""A claim this old belongs to a sender that died mid-send; far above the longest send (SMTP timeout 10 s per
step, HTTP 5 + 15 s), so a live sender never loses its claim."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$")
_TOPIC = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")

_SUBJECT_MAX = 300
_TOPIC_MAX = 32
_DEDUPE_MAX = 200


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def enqueue(
    conn: Connection, *, team_id: int, topic: str, subject: str, body: str, dedupe_key: str,
    now: dt.datetime | None = None,
) -> int:  # fmt: skip
    """Queue the message for every enabled channel of the team whose topics include ``topic`` (or are empty).

    Runs in the caller's transaction, so the message commits (or rolls back) with the change it reports. Returns
    how many messages were queued: 0 when no channel takes the topic or every one already has ``dedupe_key``.
    ``now`` (default: the clock) is when the messages become due.
    """
    if not topic or len(topic) > _TOPIC_MAX:
        raise InputError(f"notification topic '{topic}' must be 1 to {_TOPIC_MAX} characters", topic=topic)
    if not dedupe_key or len(dedupe_key) > _DEDUPE_MAX:
        raise InputError(f"notification dedupe key must be 1 to {_DEDUPE_MAX} characters", dedupe_key=dedupe_key)
    at = now or dt.datetime.now(dt.UTC)
    queued = 0
    for channel in store.list_channels(conn, team_id, enabled_only=True):
        if channel.topics and topic not in channel.topics:
            continue
        queued += store.insert_message(
            conn, team_id=team_id, channel_id=channel.id, dedupe_key=dedupe_key, topic=topic,
            subject=_clip(subject, _SUBJECT_MAX), body=body, now=at,
        )  # fmt: skip
    return queued


@dataclass(frozen=True)
class ChannelView:
    """A channel as shown to a manager: its target described without secrets."""

    name: str
    kind: str
    target: str
    topics: tuple[str, ...]
    enabled: bool
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "target": self.target, "topics": list(self.topics),
            "enabled": self.enabled, "created_at": self.created_at.isoformat(),
        }  # fmt: skip


@dataclass
class DeliveryReport:
    """What one :func:`deliver_pending` run did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    """Failed this time, due again later."""
    failed: int = 0
    """Failed for good: no attempts left."""
    errors: list[tuple[str, str]] = field(default_factory=list)
    """``(channel name, error)`` of every failed attempt, in order."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed, "sent": self.sent, "retried": self.retried, "failed": self.failed,
            "errors": [{"channel": channel, "error": error} for channel, error in self.errors],
        }  # fmt: skip


def backoff(attempts: int, retry_after: dt.timedelta = RETRY_AFTER) -> dt.timedelta:
    """The wait after ``attempts`` failed attempts: ``retry_after * 2 ** (attempts - 1)``, at most six hours."""
    wait: dt.timedelta = retry_after * 2 ** max(attempts - 1, 0)
    return min(wait, MAX_WAIT)


def _target(encryption_key: str | None, encrypted: str) -> dict[str, Any]:
    return decrypt_secret(encryption_key, encrypted.encode())


def _view(row: store.ChannelRow, encryption_key: str | None) -> ChannelView:
    try:
        described = describe_target(row.kind, _target(encryption_key, row.target_encrypted))
    except ConfigurationError:
        described = "(cannot be read with the current CADENCE_ENCRYPTION_KEY)"
    return ChannelView(row.name, row.kind, described, row.topics, row.enabled, row.created_at)


def _topics(topics: list[str] | tuple[str, ...]) -> list[str]:
    out = sorted({t.strip().lower() for t in topics if t.strip()})
    bad = [t for t in out if not _TOPIC.match(t)]
    if bad:
        raise InputError(f"topic '{bad[0]}' is not usable: lower-case letters, digits, '_', '.', '-'", topic=bad[0])
    return out


def add_channel(
    db: Database, actor: Actor, key: str, *, encryption_key: str | None, name: str, kind: str,
    target: dict[str, Any], topics: list[str] | tuple[str, ...] = (), now: dt.datetime,
) -> ChannelView:  # fmt: skip
    """Add a channel to the team (managers). The target is checked, then stored encrypted; the audit entry
    records it described without secrets."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    name = name.strip()
    if not _NAME.match(name):
        raise InputError(f"channel name '{name}' is not usable: letters, digits, space, '.', '_' or '-', at most 100")
    checked = check_target(kind, target)
    chosen = _topics(topics)
    encrypted = encrypt_secret(encryption_key, checked).decode()
    after = {"name": name, "kind": kind, "target": describe_target(kind, checked), "topics": chosen}
    with db.begin() as conn:
        if store.find_channel(conn, team.id, name) is not None:
            raise Conflict(f"team {team.key} already has a channel named '{name}'; remove it first", channel=name)
        store.insert_channel(
            conn, team_id=team.id, name=name, kind=kind, target_encrypted=encrypted, topics=chosen, now=now
        )
        record_change(conn, actor, "create", "notification_channel", entity_id=name, team_id=team.id, after=after,
                      at=now)  # fmt: skip
        row = store.find_channel(conn, team.id, name)
    assert row is not None
    return _view(row, encryption_key)


def list_channels(db: Database, actor: Actor, key: str, *, encryption_key: str | None) -> list[ChannelView]:
    """The team's channels, targets described without secrets (managers)."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    with db.connect() as conn:
        rows = store.list_channels(conn, team.id)
    return [_view(row, encryption_key) for row in rows]


def remove_channel(db: Database, actor: Actor, key: str, *, name: str, now: dt.datetime) -> None:
    """Delete a channel and its queued messages (managers)."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    with db.begin() as conn:
        row = store.find_channel(conn, team.id, name)
        if row is None:
            raise NotFound(f"team {team.key} has no notification channel named '{name}'", channel=name)
        store.delete_channel(conn, row.id)
        record_change(conn, actor, "delete", "notification_channel", entity_id=name, team_id=team.id,
                      before={"name": name, "kind": row.kind, "topics": list(row.topics)}, at=now)  # fmt: skip


def test_channel(db: Database, actor: Actor, key: str, *, encryption_key: str | None, name: str) -> str | None:
    """Send a test message now, outside the outbox (managers): ``None`` when it was accepted, else the error."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    with db.connect() as conn:
        row = store.find_channel(conn, team.id, name)
    if row is None:
        raise NotFound(f"team {team.key} has no notification channel named '{name}'", channel=name)
    target = _target(encryption_key, row.target_encrypted)
    return send_message(
        row.kind, target, subject=f"Cadence test message for team {team.key}",
        body=f"This is a test of the notification channel '{row.name}' of team {team.key}, sent by "
        f"{actor.display_name}. If you can read it, the channel works.",
    )  # fmt: skip


def recent_messages(db: Database, actor: Actor, key: str, *, limit: int = 20) -> list[store.MessageRow]:
    """The team's latest outbox messages with their state and last error (managers)."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    with db.connect() as conn:
        return store.list_messages(conn, team.id, limit=limit)


def deliver_pending(
    db: Database, *, now: dt.datetime, limit: int = 100, encryption_key: str | None = None,
    max_attempts: int = MAX_ATTEMPTS, retry_after: dt.timedelta = RETRY_AFTER, stale_after: dt.timedelta = STALE_AFTER,
) -> DeliveryReport:  # fmt: skip
    """Claim up to ``limit`` due messages, send each, and settle it: sent; due again after :func:`backoff`; or
    failed with its last error once ``max_attempts`` attempts were made. Safe to run in several processes at once:
    a message is claimed by one sender only (see ``store.notifications``)."""
    if max_attempts < 1:
        raise InputError(f"max attempts must be at least 1, not {max_attempts}")
    token = uuid.uuid4().hex
    with db.begin() as conn:
        claimed = store.claim_messages(conn, token=token, now=now, stale_before=now - stale_after, limit=limit)
    report = DeliveryReport(claimed=len(claimed))
    for index, message in enumerate(claimed):
        try:
            target = _target(encryption_key, message.target_encrypted)
        except ConfigurationError:
            with db.begin() as conn:  # not the message's fault: give back what this run has not sent
                for rest in claimed[index:]:
                    store.release_message(conn, rest.id, token=token)
            raise
        error = send_message(message.kind, target, subject=message.subject, body=message.body)
        with db.begin() as conn:
            if error is None:
                store.settle_message(conn, message.id, token=token, state="sent", now=now)
                report.sent += 1
                continue
            report.errors.append((message.channel_name, error))
            if message.attempts >= max_attempts:
                store.settle_message(conn, message.id, token=token, state="failed", now=now, error=error)
                report.failed += 1
            else:
                due = now + backoff(message.attempts, retry_after)
                store.settle_message(
                    conn, message.id, token=token, state="pending", now=now, error=error, next_attempt_at=due
                )
                report.retried += 1
    return report
