"""Planning poker: a live estimation session for one work item, and the hidden votes cast in it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadence.store.schema.base import Base, BigId, utcnow

__all__ = ["PokerSession", "PokerVote"]


class PokerSession(Base):
    """One estimation round for one item: open -> revealed -> closed (the final value saved as the estimate)."""

    __tablename__ = "poker_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("work_items.id", ondelete="CASCADE"))
    deck_name: Mapped[str] = mapped_column(String(20))
    """``fibonacci``, ``tshirt`` or ``custom``."""
    deck: Mapped[list[str]] = mapped_column(JSON)
    """The cards, in order (their order defines the "deck steps" of the spread)."""
    state: Mapped[str] = mapped_column(String(16), default="open")
    """``open`` (votes hidden), ``revealed`` (all votes shown together) or ``closed`` (final value saved)."""
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revealed_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    final_value: Mapped[float | None]


class PokerVote(Base):
    """A voter's current card in a session; voting again replaces it (one row per voter)."""

    __tablename__ = "poker_votes"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("poker_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(16))
    voted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
