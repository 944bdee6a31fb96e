"""Configured sources (a Jira site, a CSV import) and where each one's sync stands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadence.store.schema.base import Base, BigId, utcnow

__all__ = ["Source", "SyncState", "WebhookDelivery"]


class Source(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    base_url: Mapped[str | None] = mapped_column(String(500))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The credential, Fernet-encrypted with the key from settings; never stored in clear."""
    secret_lost_at: Mapped[dt.datetime | None]
    """Set when a restore could not decrypt ``secret`` with this install's key: the credential must be re-entered."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SyncState(Base):
    __tablename__ = "sync_states"
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    watermark: Mapped[dt.datetime | None]
    """Everything updated before this instant is stored; the next sync re-reads from here minus an overlap."""
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_started_at: Mapped[dt.datetime | None]
    last_finished_at: Mapped[dt.datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    """The instance running this source's sync now; several instances on one database run each sync once."""
    lease_until: Mapped[dt.datetime | None]
    """The lease lapses at this instant, so a crashed instance cannot hold a source forever."""


class WebhookDelivery(Base):
    """A webhook delivery already processed: a redelivery (or the same event reaching two instances) is skipped."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("source_id", "delivery_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    delivery_key: Mapped[str] = mapped_column(String(200))
    """Jira's ``X-Atlassian-Webhook-Identifier`` when sent, else a digest of event, issue and timestamp."""
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
