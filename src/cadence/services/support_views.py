"""What the support team reads: the triage queue with who is on duty, and one ticket with its linked dev items.

Reading needs the viewer role in the team; ``can_act`` tells the pages whether to offer the support role's forms.
A snoozed ticket whose day has come shows as ``new`` again without anything being written. A ticket's linked items
carry their stage in words (``services.relay``) and hand-off clock (``services.escalation``); its SLA clocks come
from ``services.sla`` and are shown to the support role and above only, as that service decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cadence.analytics.sla_policy import format_duration
from cadence.domain.errors import InputError
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.escalation import HandOff, handoff, l1_to_l2
from cadence.services.relay import ItemStage, item_stages, stage_words
from cadence.services.sla import clocks_of_team, current_clocks
from cadence.services.support_desk import find_ticket, team_zone
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import support_desk as store
from cadence.store.database import Database

__all__ = [
    "QUEUE_VIEWS",
    "LinkedItem",
    "QueueView",
    "TicketDetail",
    "effective_state",
    "support_queue",
    "team_sla_clocks",
    "ticket_detail",
]

_AGENT = Role.SUPPORT
QUEUE_VIEWS: dict[str, str] = {
    "triage": "to triage (new, waiting, snooze ended, open imports)",
    "accepted": "accepted",
    "snoozed": "snoozed",
    "closed": "declined or duplicate",
    "all": "all tickets",
}


def effective_state(ticket: store.TicketRow, now: dt.datetime) -> str | None:
    """The triage state the queue shows: a snooze that has ended shows as ``new`` again."""
    if ticket.triage_state == "snoozed" and ticket.snoozed_until is not None and ticket.snoozed_until <= now:
        return "new"
    return ticket.triage_state


def _in_view(view: str, ticket: store.TicketRow, state: str | None) -> bool:
    """Whether the ticket belongs in the queue view; an imported ticket still open and never triaged is to triage."""
    return {
        "triage": state in {"new", "waiting"} or (state is None and ticket.resolved_at is None),
        "accepted": state == "accepted",
        "snoozed": state == "snoozed",
        "closed": state in {"declined", "duplicate"},
    }.get(view, True)


@dataclass(frozen=True)
class QueueView:
    team: Team
    view: str
    tickets: list[tuple[store.TicketRow, str | None]]
    """Each ticket with its effective triage state."""
    on_duty: str | None
    rotation: tuple[str, ...]
    can_act: bool
    counts: dict[str, int] = field(default_factory=dict)


def support_queue(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime, view: str = "triage",
    priority: str | None = None, search: str | None = None,
) -> QueueView:  # fmt: skip
    """The team's tickets for one queue view (viewers and above), with who is on triage duty today."""
    team = access_team(db, actor, key)
    if view not in QUEUE_VIEWS:
        raise InputError(f"view: '{view}' is not one of {', '.join(QUEUE_VIEWS)}", field="view")
    with db.connect() as conn:
        tickets = store.list_tickets(conn, team.id)
    states = [(t, effective_state(t, now)) for t in tickets]
    counts = {name: sum(1 for t, s in states if _in_view(name, t, s)) for name in QUEUE_VIEWS}
    needle = (search or "").strip().casefold()
    chosen = [
        (t, s) for t, s in states
        if _in_view(view, t, s) and (not priority or t.priority == priority)
        and (not needle or needle in f"{t.key} {t.title} {t.requester or ''} {t.customer or ''}".casefold())
    ]  # fmt: skip
    settings = config.for_team(team.key).support
    role = actor.role_in(team.id)
    return QueueView(
        team, view, chosen, settings.on_duty(now.astimezone(team_zone(config, team)).date()),
        settings.triage_rotation, role is not None and role.covers(_AGENT), counts,
    )  # fmt: skip


@dataclass(frozen=True)
class LinkedItem:
    key: str
    title: str
    kind: str
    stage: ItemStage | None
    words: str
    handoff: HandOff


@dataclass(frozen=True)
class TicketDetail:
    team: Team
    ticket: store.TicketRow
    state: str | None
    events: list[dict[str, Any]]
    updates: list[store.UpdateRow]
    items: list[LinkedItem]
    l1_to_l2: dt.timedelta | None
    duplicate_of: str | None
    can_act: bool
    clocks: list[dict[str, Any]] = field(default_factory=list)
    """The ticket's SLA clocks, when the SLA service provides them."""


def ticket_detail(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, ticket_key: str, *, now: dt.datetime
) -> TicketDetail:
    """One ticket with its events, updates, linked items (stage in words, hand-off clock) and clocks."""
    team = access_team(db, actor, key)
    ticket = find_ticket(db, team, ticket_key)
    with db.connect() as conn:
        events = store.list_events(conn, ticket.id)
        updates = store.list_updates(conn, [ticket.id])
        links = store.links_of_ticket(conn, ticket.id)
        original = store.ticket_by_id(conn, ticket.duplicate_of_id) if ticket.duplicate_of_id else None
    stages = item_stages(db, config, {link.item_id: link.item_team_id for link in links}, now=now)
    clocks = handoff(links, stages, now=now)
    items = [
        LinkedItem(link.item_key, link.item_title, link.kind, stages.get(link.item_id),
                   stage_words(stages.get(link.item_id)), clock)
        for link, clock in zip(links, clocks, strict=True)
    ]  # fmt: skip
    role = actor.role_in(team.id)
    agent = role is not None and role.covers(_AGENT)  # clocks are for the support team, as services.sla decides
    return TicketDetail(
        team, ticket, effective_state(ticket, now), events, updates, items, l1_to_l2(ticket.created_at, events),
        original.key if original else None, agent, sla_clocks(db, config, team, ticket, now=now) if agent else [],
    )  # fmt: skip


def _clock_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Current clocks as the pages show them: goal, state ("at risk" when a running or paused clock is), remaining."""
    rows = []
    for r in frame.iter_rows(named=True):
        state = "at risk" if r["at_risk"] and r["state"] in {"running", "paused"} else r["state"]
        remaining = r["remaining_s"]
        left = "—" if remaining is None or state in {"met", "untracked"} else format_duration(max(remaining, 0.0))
        rows.append({"ticket": r["key"], "goal": r["goal"].replace("_", " "), "state": state, "remaining": left,
                     "due_at": r["due_at"]})  # fmt: skip
    return rows


def sla_clocks(
    db: Database, config: WorkspaceConfig, team: Team, ticket: store.TicketRow, *, now: dt.datetime
) -> list[dict[str, Any]]:
    """The ticket's current SLA clocks (latest cycle of each goal) from ``services.sla``."""
    clocks = current_clocks(clocks_of_team(db, config, team, now=now))
    return _clock_rows(clocks.filter(pl.col("ticket_id") == ticket.id))


def team_sla_clocks(db: Database, config: WorkspaceConfig, team: Team, *, now: dt.datetime) -> list[dict[str, Any]]:
    """The team's open clocks that are at risk or breached (still running), soonest due first, from ``services.sla``;
    ``{ticket, goal, state, remaining, due_at}`` dicts."""
    clocks = current_clocks(clocks_of_team(db, config, team, now=now))
    risky = clocks.filter(
        (pl.col("at_risk") & pl.col("state").is_in(["running", "paused"]))
        | ((pl.col("state") == "breached") & pl.col("stopped_at").is_null())
    )
    return _clock_rows(risky.sort("due_at", "key", nulls_last=True))
