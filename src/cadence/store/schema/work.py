"""Work items and their full history: statuses, sprints, estimates, assignees, flags, links."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadence.store.schema.base import Base, BigId

__all__ = [
    "AssigneeChange",
    "Board",
    "EstimateChange",
    "FlagChange",
    "ItemLink",
    "Sprint",
    "SprintChange",
    "Transition",
    "WorkItem",
]


class Board(Base):
    __tablename__ = "boards"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Columns -> statuses and the estimation field, as the source describes the board."""


class Sprint(Base):
    __tablename__ = "sprints"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    """Digest of the source record as last stored: a re-read with the same digest changes nothing."""
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[dt.datetime | None]
    end_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    goal: Mapped[str | None] = mapped_column(Text)
    board: Mapped[str | None] = mapped_column(String(200))


class WorkItem(Base):
    """An item's current state. Its past is in the change tables, never overwritten."""

    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_work_items_team_key", "team_id", "key"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    """Digest of the source record as last stored: a re-read with the same digest changes nothing."""
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(100))
    estimate: Mapped[float | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    labels: Mapped[list[str] | None] = mapped_column(JSON)
    components: Mapped[list[str] | None] = mapped_column(JSON)
    fix_versions: Mapped[list[str] | None] = mapped_column(JSON)
    """Jira's "Fix Version/s": the releases the item is planned for (forecasts per version)."""
    epic_key: Mapped[str | None] = mapped_column(String(64))
    parent_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(100))
    flagged: Mapped[bool] = mapped_column(default=False)
    rank: Mapped[int | None]


class _ItemEvent:
    """Columns shared by every per-item history table: ``(item_id, event_key)`` is the idempotency key."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime]


class Transition(_ItemEvent, Base):
    __tablename__ = "transitions"
    __table_args__ = (UniqueConstraint("item_id", "event_key"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(100))
    to_status: Mapped[str] = mapped_column(String(100))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class SprintChange(_ItemEvent, Base):
    __tablename__ = "sprint_changes"
    __table_args__ = (UniqueConstraint("item_id", "event_key"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    sprint_id: Mapped[int] = mapped_column(ForeignKey("sprints.id", ondelete="CASCADE"), index=True)
    change: Mapped[str] = mapped_column(String(16))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class EstimateChange(_ItemEvent, Base):
    __tablename__ = "estimate_changes"
    __table_args__ = (UniqueConstraint("item_id", "event_key"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    from_value: Mapped[float | None]
    to_value: Mapped[float | None]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class AssigneeChange(_ItemEvent, Base):
    __tablename__ = "assignee_changes"
    __table_args__ = (UniqueConstraint("item_id", "event_key"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    from_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    to_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class FlagChange(_ItemEvent, Base):
    __tablename__ = "flag_changes"
    __table_args__ = (UniqueConstraint("item_id", "event_key"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    flagged: Mapped[bool]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class ItemLink(Base):
    """``from blocks to``, ``from relates to``, ``from duplicates to``."""

    __tablename__ = "item_links"
    __table_args__ = (UniqueConstraint("from_item_id", "to_item_id", "link_type"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    from_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    to_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"), index=True)
    link_type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime | None]
