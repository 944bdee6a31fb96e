"""Meetings, check-ins, impediments, risks, action items and health checks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadence.store.schema.base import Base, utcnow

__all__ = ["ActionItem", "CheckIn", "HealthCheckAnswer", "Impediment", "Meeting", "Risk"]


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    """Digest of the source record as last stored: a re-read with the same digest changes nothing."""
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64), default="cadence")
    source_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[dt.datetime]
    notes: Mapped[str | None] = mapped_column(Text)


class CheckIn(Base):
    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("team_id", "person_id", "on_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    """Digest of the source record as last stored: a re-read with the same digest changes nothing."""
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    on_date: Mapped[dt.date]
    yesterday: Mapped[str | None] = mapped_column(Text)
    today: Mapped[str | None] = mapped_column(Text)
    blockers: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Impediment(Base):
    __tablename__ = "impediments"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    """Digest of the source record as last stored: a re-read with the same digest changes nothing."""
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str | None] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(200))
    """Set when the record came from a source (the demo, an import); lets a re-import update, not duplicate."""
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    escalation_level: Mapped[int] = mapped_column(default=0)
    detected_by: Mapped[str | None] = mapped_column(String(64))
    """``None`` when raised by a person, else the detector's rule name."""
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)


class Risk(Base):
    __tablename__ = "risks"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    """Digest of the source record as last stored: a re-read with the same digest changes nothing."""
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str | None] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(200))
    """Set when the record came from a source (the demo, an import); lets a re-import update, not duplicate."""
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    probability: Mapped[int]
    impact: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="open")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    review_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None]


class ActionItem(Base):
    __tablename__ = "action_items"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    """Digest of the source record as last stored: a re-read with the same digest changes nothing."""
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str | None] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(200))
    """Set when the record came from a source (the demo, an import); lets a re-import update, not duplicate."""
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    due_on: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None]


class HealthCheckAnswer(Base):
    """One vote on one health-check dimension; ``person_id`` is kept only when the team chose non-anonymous."""

    __tablename__ = "health_check_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    dimension: Mapped[str] = mapped_column(String(64))
    score: Mapped[int]
    """1 red, 2 amber, 3 green."""
    trend: Mapped[str | None] = mapped_column(String(8))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
