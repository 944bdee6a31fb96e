"""Meetings, check-ins, impediments, risks, action items and health checks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadence.store.schema.base import Base, BigId, utcnow

__all__ = [
    "ActionItem",
    "CheckIn",
    "Decision",
    "HealthCheckAnswer",
    "Impediment",
    "Meeting",
    "RetroCard",
    "RetroVote",
    "Risk",
    "RiskScore",
    "SprintPlan",
    "SprintPlanItem",
    "TimeOff",
    "WorkingAgreement",
]


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
    state: Mapped[str | None] = mapped_column(String(16))
    """For a live meeting run in Cadence: a retro ``collecting`` -> ``grouping`` -> ``voting`` -> ``discussing`` ->
    ``closed``; a stand-up ``open`` -> ``closed``. Null for meetings imported as records."""
    format: Mapped[dict[str, object] | None] = mapped_column(JSON)
    """A retro's format (its name and columns, e.g. start/stop/continue) and options (votes per person, health
    check dimensions)."""
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revealed_at: Mapped[dt.datetime | None]
    """When the facilitator revealed the anonymous health-check answers (hidden before)."""
    ended_at: Mapped[dt.datetime | None]


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
    item_keys: Mapped[list[str] | None] = mapped_column(JSON)
    """Work items the check-in mentions (linked from yesterday / today / blockers)."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None]


class Impediment(Base):
    __tablename__ = "impediments"
    __table_args__ = (UniqueConstraint("source", "source_id"), UniqueConstraint("team_id", "signal_key"))
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
    signal_key: Mapped[str | None] = mapped_column(String(200))
    """For a detected candidate: ``signal:item_id:since`` — a confirmed or dismissed candidate is not proposed
    again."""
    evidence: Mapped[dict[str, object] | None] = mapped_column(JSON)
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id", ondelete="SET NULL"))
    """The stand-up check-in whose blocker became this impediment."""


class Risk(Base):
    __tablename__ = "risks"
    __table_args__ = (UniqueConstraint("source", "source_id"), UniqueConstraint("team_id", "signal_key"))
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
    roam: Mapped[str | None] = mapped_column(String(16))
    """ROAM: ``resolved``, ``owned``, ``accepted`` or ``mitigated``; null until the team has decided."""
    epic_key: Mapped[str | None] = mapped_column(String(64))
    fix_version: Mapped[str | None] = mapped_column(String(200))
    """The epic or release whose forecast this risk threatens (its exposure is shown beside that forecast)."""
    signal_key: Mapped[str | None] = mapped_column(String(200))
    """For a risk accepted from a data signal: the signal's key, so the same signal is not proposed again."""
    evidence: Mapped[dict[str, object] | None] = mapped_column(JSON)
    closed_at: Mapped[dt.datetime | None]


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
    description: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(String(32))
    """What raised it: ``retro``, ``standup``, ``planning``, ``impediment``, ``risk`` or ``manual``."""
    metric: Mapped[str | None] = mapped_column(String(64))
    """A metric the action should move (a key of the metrics API), checked before/after."""
    metric_baseline: Mapped[float | None]
    check_on: Mapped[dt.date | None]
    """When to compare the metric with its baseline."""
    last_nudged_at: Mapped[dt.datetime | None]
    risk_id: Mapped[int | None] = mapped_column(ForeignKey("risks.id", ondelete="SET NULL"), index=True)
    """The risk this action mitigates."""


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


class RiskScore(Base):
    """One assessment of a risk (probability 1-5 x impact 1-5): the risk's score history."""

    __tablename__ = "risk_scores"
    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id", ondelete="CASCADE"), index=True)
    probability: Mapped[int]
    impact: Mapped[int]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)


class RetroCard(Base):
    """One card of a retrospective; ``author_id`` is kept only when the retro is not anonymous."""

    __tablename__ = "retro_cards"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    lane: Mapped[str] = mapped_column(String(64))
    """The format's column the card was written in (``start``, ``stop``, ``continue``, ``mad``, ...)."""
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("retro_cards.id", ondelete="SET NULL"))
    """The card this one was grouped under (the group's head card has none)."""
    discussed: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RetroVote(Base):
    """One dot vote; a person may put several dots on one card up to the retro's budget."""

    __tablename__ = "retro_votes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    card_id: Mapped[int] = mapped_column(BigId, ForeignKey("retro_cards.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TimeOff(Base):
    """A person's leave (PTO, training, ...) from ``start_on`` to ``end_on`` inclusive; ``day_fraction`` < 1 for
    half days."""

    __tablename__ = "time_off"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date]
    day_fraction: Mapped[float] = mapped_column(default=1.0)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SprintPlan(Base):
    """A sprint being planned: ``draft`` until committed, then a frozen snapshot of capacity, forecast and scope."""

    __tablename__ = "sprint_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    sprint_id: Mapped[int | None] = mapped_column(ForeignKey("sprints.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str | None] = mapped_column(Text)
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date]
    state: Mapped[str] = mapped_column(String(16), default="draft")
    capacity: Mapped[dict[str, object] | None] = mapped_column(JSON)
    forecast: Mapped[dict[str, object] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    committed_at: Mapped[dt.datetime | None]
    committed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SprintPlanItem(Base):
    """An item selected into a sprint plan, with its estimate and readiness as they were at commit."""

    __tablename__ = "sprint_plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "item_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sprint_plans.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("work_items.id", ondelete="CASCADE"))
    position: Mapped[int]
    estimate: Mapped[float | None]
    ready: Mapped[bool | None]


class Decision(Base):
    """A team decision: what was decided, the options considered, who decided and when, and the items it touches."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    decision: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str] | None] = mapped_column(JSON)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[dt.date]
    item_keys: Mapped[list[str] | None] = mapped_column(JSON)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WorkingAgreement(Base):
    """One of the team's working agreements; retired ones are kept for the record."""

    __tablename__ = "working_agreements"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]
