"""Runs of scheduled jobs: one row per (job, slot) so that several app instances run each occurrence once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadence.store.schema.base import Base, BigId, utcnow

__all__ = ["JobRun"]


class JobRun(Base):
    """One occurrence of a scheduled job. Claiming an occurrence = inserting its row: the unique (job, slot) makes
    exactly one instance win, on SQLite and PostgreSQL alike, and the row records how it ended."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    """``standup-reminder``, ``weekly-report``, ``support-digest``, ``overdue-actions``, ``risk-review``, ..."""
    slot: Mapped[str] = mapped_column(String(100))
    """The occurrence, e.g. ``OPS:2026-W48`` or ``OPS:2026-11-26``."""
    instance: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default="running")
    """``running``, ``done`` or ``failed``."""
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
