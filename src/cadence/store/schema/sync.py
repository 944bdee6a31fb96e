"""Configured sources (a Jira site, a CSV import) and where each one's sync stands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadence.store.schema.base import Base, utcnow

__all__ = ["Source", "SyncState"]


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
