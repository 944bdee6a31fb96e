"""Notification channels of a team and the outbox of messages sent through them.

Messages are written to the outbox in the same transaction as the change they report, then delivered by a sender;
``(channel_id, dedupe_key)`` is unique, so a change reported twice (a retried request, two app instances) is sent
once. A sender *claims* a message before sending it (``pending`` -> ``sending`` with its ``claim_token``), so two
senders sharing the database never send the same message; a claim older than the stale timeout (a sender that
died mid-send) may be taken over. Channel targets (SMTP addresses, webhook URLs with their tokens) are secrets:
stored encrypted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadence.store.schema.base import Base, BigId, utcnow

__all__ = ["NotificationChannel", "NotificationMessage"]


class NotificationChannel(Base):
    """Where a team's notifications go: an e-mail address list, a Slack / Teams / generic webhook, ..."""

    __tablename__ = "notification_channels"
    __table_args__ = (UniqueConstraint("team_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    """``email``, ``slack``, ``teams``, ``webhook`` or ``apprise`` (any Apprise URL)."""
    target_encrypted: Mapped[str] = mapped_column(Text)
    """The channel's address (an Apprise URL or a list of e-mail addresses), encrypted with the workspace key."""
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Which messages the channel receives (``relay``, ``digest``, ...); empty = all."""
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NotificationMessage(Base):
    """One message for one channel: ``pending`` -> ``sending`` (claimed) -> ``sent``, back to ``pending`` for a
    retry, or ``failed`` after its last attempt."""

    __tablename__ = "notification_messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "dedupe_key"),
        Index("ix_notification_messages_state_next_attempt_at", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("notification_channels.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    """Which sender holds the message while it is ``sending``; the sender's final update checks it."""
    claimed_at: Mapped[dt.datetime | None]
