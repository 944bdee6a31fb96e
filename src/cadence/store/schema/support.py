"""Support tickets, their status events, SLA policies, and their links to dev work."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadence.store.schema.base import Base, BigId, utcnow

__all__ = ["SlaPolicy", "SupportTicket", "TicketEvent", "TicketLink", "TicketUpdate"]


class SlaPolicy(Base):
    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("team_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Per-priority goals, calendar and start/pause/stop conditions; interpreted by the SLA analytics."""


class SupportTicket(Base):
    __tablename__ = "support_tickets"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    content_hash: Mapped[str | None] = mapped_column(String(32))
    """Digest of the source record as last stored: a re-read with the same digest changes nothing."""
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    requester: Mapped[str | None] = mapped_column(String(200))
    customer: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(32))
    product_area: Mapped[str | None] = mapped_column(String(100))
    impact: Mapped[str | None] = mapped_column(String(16))
    urgency: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(100))
    level: Mapped[str | None] = mapped_column(String(8))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    sla_policy: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    triage_state: Mapped[str | None] = mapped_column(String(16))
    """Cadence's triage of the ticket: ``new``, ``accepted``, ``declined``, ``duplicate``, ``snoozed`` or
    ``waiting`` (on the requester); null for tickets that never went through Cadence's triage."""
    decline_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("support_tickets.id", ondelete="SET NULL"), index=True
    )
    snoozed_until: Mapped[dt.datetime | None]
    requesters: Mapped[list[str] | None] = mapped_column(JSON)
    """Everyone waiting on this ticket: its own requester plus those of the duplicates merged into it."""


class TicketEvent(Base):
    """A ticket's status, priority, level, assignee, SLA or triage event; ``(ticket_id, event_key)`` is unique."""

    __tablename__ = "ticket_events"
    __table_args__ = (UniqueConstraint("ticket_id", "event_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"))
    event_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    from_value: Mapped[str | None] = mapped_column(String(200))
    to_value: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[dt.datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class TicketLink(Base):
    """A ticket escalated to (or related to) a dev work item; many tickets may share one item."""

    __tablename__ = "ticket_links"
    __table_args__ = (UniqueConstraint("ticket_id", "item_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime | None]


class TicketUpdate(Base):
    """A plain-language update on a ticket for the support team: a relayed dev stage change, a triage note, ...

    ``(ticket_id, dedupe_key)`` is unique, so relaying the same change twice (a re-run after a sync, two app
    instances) writes one update.
    """

    __tablename__ = "ticket_updates"
    __table_args__ = (UniqueConstraint("ticket_id", "dedupe_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("support_tickets.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("work_items.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    """``relay`` (a linked dev item changed stage), ``triage``, ``escalation`` or ``note``."""
    stage: Mapped[str | None] = mapped_column(String(32))
    """For a relay: the dev item's stage it reports (``started``, ``in review``, ``done``, ``reopened``)."""
    text: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
