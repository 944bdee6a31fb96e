"""``/api/v1/teams/{team}/tickets`` and ``/support/digest``: the support desk — intake, triage, escalation, digest.

A route parses and calls one service function; ``services.support_desk``, ``services.escalation`` and
``services.support_digest`` decide who may act (support role for changes, viewers and above for reads).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.escalation import escalate
from cadence.services.support_desk import create_ticket, triage_ticket
from cadence.services.support_digest import support_digest
from cadence.services.support_views import TicketDetail, support_queue, ticket_detail
from cadence.store.support_desk import TicketRow

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["support"])


class TicketOut(BaseModel):
    key: str
    title: str
    description: str | None
    requester: str | None
    requesters: list[str]
    """Everyone waiting on the ticket (duplicates merged in)."""
    customer: str | None
    channel: str | None
    product_area: str | None
    impact: str | None
    urgency: str | None
    priority: str | None
    status: str
    level: str | None
    triage_state: str | None
    """new | accepted | declined | duplicate | snoozed | waiting (null: never triaged in Cadence)."""
    decline_reason: str | None
    snoozed_until: dt.datetime | None
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime | None
    resolved_at: dt.datetime | None


class EventOut(BaseModel):
    kind: str
    from_value: str | None
    to_value: str | None
    at: dt.datetime


class UpdateOut(BaseModel):
    kind: str
    """relay | triage | escalation | note."""
    stage: str | None
    text: str
    created_at: dt.datetime


class HandOffOut(BaseModel):
    escalated_at: dt.datetime | None
    committed_at: dt.datetime | None
    escalation_to_commitment_hours: float | None
    done_at: dt.datetime | None
    waiting_on_dev_hours: float | None
    waiting_running: bool


class LinkedItemOut(BaseModel):
    key: str
    title: str
    stage: str
    """The item's stage in words, e.g. "in review (Review)"."""
    handoff: HandOffOut


class TicketDetailOut(TicketOut):
    duplicate_of: str | None
    events: list[EventOut]
    updates: list[UpdateOut]
    items: list[LinkedItemOut]
    l1_to_l2_hours: float | None
    clocks: list[dict[str, Any]]


class TicketIn(BaseModel):
    title: str | None = Field(None, max_length=500)
    requester: str | None = Field(None, max_length=200, description="Who asked (a name or an e-mail address).")
    customer: str | None = Field(None, max_length=200)
    channel: str | None = Field(None, description="email | phone | chat | portal | web | other")
    product_area: str | None = Field(None, max_length=100)
    impact: str | None = Field(None, description="high | medium | low")
    urgency: str | None = Field(None, description="high | medium | low")
    description: str | None = Field(None, max_length=20_000)


class TriageIn(BaseModel):
    action: str = Field(description="accept | decline | duplicate | snooze | ask_info")
    reason: str | None = Field(None, max_length=2000, description="decline: why.")
    duplicate_of: str | None = Field(None, max_length=64, description="duplicate: the canonical ticket's key.")
    until: dt.date | None = Field(None, description="snooze: the day the ticket comes back (team time zone).")
    note: str | None = Field(None, max_length=2000, description="ask_info: the question for the requester.")


class EscalateIn(BaseModel):
    item_key: str | None = Field(None, max_length=64, description="Link this existing item instead of creating one.")
    title: str | None = Field(None, max_length=500, description="The new item's title (default: the ticket's).")
    item_type: str = Field("bug", max_length=32)
    description: str | None = Field(None, max_length=20_000)


class EscalationOut(BaseModel):
    ticket: str
    item: str
    created: bool
    where: str
    """cadence, or the Jira source the issue was created in."""
    level: str | None


class DigestLineOut(BaseModel):
    ticket: str
    title: str
    item: str | None
    detail: str


class DigestOut(BaseModel):
    team: str
    since: dt.datetime
    answerable: list[DigestLineOut]
    stalled: list[DigestLineOut]
    at_risk: list[DigestLineOut]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ticket(row: TicketRow) -> dict[str, Any]:
    names = TicketOut.model_fields.keys() - {"requesters"}
    return {**{n: getattr(row, n) for n in names}, "requesters": row.requesters or []}


def _hours(delta: dt.timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / 3600, 2)


def _detail(d: TicketDetail) -> TicketDetailOut:
    items = [
        {"key": i.key, "title": i.title, "stage": i.words, "handoff": {
            "escalated_at": i.handoff.escalated_at, "committed_at": i.handoff.committed_at,
            "escalation_to_commitment_hours": _hours(i.handoff.escalation_to_commitment),
            "done_at": i.handoff.done_at, "waiting_on_dev_hours": _hours(i.handoff.waiting_on_dev),
            "waiting_running": i.handoff.waiting_running}}
        for i in d.items
    ]  # fmt: skip
    return TicketDetailOut.model_validate({
        **_ticket(d.ticket), "duplicate_of": d.duplicate_of, "events": d.events,
        "updates": [u.__dict__ for u in d.updates], "items": items, "l1_to_l2_hours": _hours(d.l1_to_l2),
        "clocks": d.clocks,
    })  # fmt: skip


@router.get("/{team}/tickets", response_model=Page[TicketOut])
def list_tickets(
    request: Request, team: str, view: str = Query("all", description="triage | accepted | snoozed | closed | all"),
    priority: str | None = Query(None, max_length=16), q: str | None = Query(None, max_length=200),
    paging: Paging = Depends(), actor: Actor = Depends(require_actor),
) -> Page[TicketOut]:  # fmt: skip
    """The team's tickets, newest first (viewer role)."""
    queue = support_queue(
        request.app.state.db, request.app.state.workspace_config, actor, team, now=_now(), view=view,
        priority=priority, search=q,
    )  # fmt: skip
    return paginate([TicketOut.model_validate(_ticket(t)) for t, _ in queue.tickets], paging)


@router.post("/{team}/tickets", response_model=TicketOut, status_code=201)
def create(request: Request, team: str, body: TicketIn, actor: Actor = Depends(require_actor)) -> TicketOut:
    """Create a ticket (support role): key SUP-<n>, triage state new. A 422 names the first bad field."""
    row = create_ticket(request.app.state.db, actor, team, body.model_dump(), now=_now())
    return TicketOut.model_validate(_ticket(row))


@router.get("/{team}/tickets/{ticket_key}", response_model=TicketDetailOut)
def show(request: Request, team: str, ticket_key: str, actor: Actor = Depends(require_actor)) -> TicketDetailOut:
    """One ticket: events, updates, linked items with their stage in words and hand-off clock (viewer role)."""
    config = request.app.state.workspace_config
    detail = ticket_detail(request.app.state.db, config, actor, team, ticket_key, now=_now())
    return _detail(detail)


@router.post("/{team}/tickets/{ticket_key}/triage", response_model=TicketOut)
def triage(
    request: Request, team: str, ticket_key: str, body: TriageIn, actor: Actor = Depends(require_actor)
) -> TicketOut:
    """Apply a triage action (support role); 409 for a move the ticket's state does not allow."""
    row = triage_ticket(
        request.app.state.db, request.app.state.workspace_config, actor, team, ticket_key, action=body.action,
        now=_now(),
        reason=body.reason, duplicate_of=body.duplicate_of, until=body.until, note=body.note,
    )  # fmt: skip
    return TicketOut.model_validate(_ticket(row))


@router.post("/{team}/tickets/{ticket_key}/escalate", response_model=EscalationOut, status_code=201)
def escalate_ticket(
    request: Request, team: str, ticket_key: str, body: EscalateIn, actor: Actor = Depends(require_actor)
) -> EscalationOut:
    """Create the dev item (in Jira when the team syncs one) or link ``item_key`` (support role)."""
    secret = request.app.state.settings.encryption_key
    done = escalate(
        request.app.state.db, request.app.state.workspace_config, actor, team, ticket_key, now=_now(),
        item_key=body.item_key, title=body.title, item_type=body.item_type, description=body.description,
        credentials_key=None if secret is None else secret.get_secret_value(),
    )  # fmt: skip
    return EscalationOut(ticket=done.ticket_key, item=done.item_key, created=done.created, where=done.where,
                         level=done.level)  # fmt: skip


@router.get("/{team}/support/digest", response_model=DigestOut)
def digest(request: Request, team: str, actor: Actor = Depends(require_actor)) -> DigestOut:
    """What changed since the last digest sent: answerable tickets, stalled dev items, SLAs at risk (viewer)."""
    d = support_digest(request.app.state.db, request.app.state.workspace_config, actor, team, now=_now())

    def lines(entries: list[Any]) -> list[DigestLineOut]:
        return [DigestLineOut(ticket=e.ticket_key, title=e.title, item=e.item_key, detail=e.detail) for e in entries]

    return DigestOut(team=d.team.key, since=d.since, answerable=lines(d.answerable), stalled=lines(d.stalled),
                     at_risk=lines(d.at_risk))  # fmt: skip
