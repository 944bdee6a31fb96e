"""The support pages: the team's queue with triage actions and the digest, and one ticket with its linked dev items.

Reading needs the viewer role; every form (new ticket, triage, escalate) needs the support role and carries the
session's CSRF token like every other form. A plain POST redirects back to the page (post/redirect/get).
Support pages show tickets and the *stage in words* of their linked items only, never the dev board (see
docs/web.md).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor
from cadence.services.escalation import escalate
from cadence.services.support_desk import ACTIONS, CHANNELS, LEVELS, create_ticket, triage_ticket
from cadence.services.support_digest import support_digest
from cadence.services.support_views import QUEUE_VIEWS, support_queue, ticket_detail
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/teams/{key}/support", response_class=HTMLResponse)
def queue_page(
    request: Request, key: str, view: str = Query("triage"), priority: str = Query(""), q: str = Query(""),
    actor: Actor = Depends(require_actor),
) -> HTMLResponse:  # fmt: skip
    db, config, now = request.app.state.db, request.app.state.workspace_config, _now()
    queue = support_queue(db, config, actor, key, now=now, view=view, priority=priority or None, search=q)
    digest = support_digest(db, config, actor, key, now=now)
    context = {"queue": queue, "digest": digest, "views": QUEUE_VIEWS, "channels": CHANNELS, "levels": LEVELS,
               "actions": ACTIONS, "priority": priority, "q": q, "today": now.date().isoformat()}  # fmt: skip
    return templates.TemplateResponse(request, "support.html", context)


@router.post("/teams/{key}/support/tickets")
def create(
    request: Request, key: str, title: str = Form(""), requester: str = Form(""), customer: str = Form(""),
    channel: str = Form(""), product_area: str = Form(""), impact: str = Form(""), urgency: str = Form(""),
    description: str = Form(""), actor: Actor = Depends(require_actor),
) -> RedirectResponse:  # fmt: skip
    data = {"title": title, "requester": requester, "customer": customer, "channel": channel,
            "product_area": product_area, "impact": impact, "urgency": urgency, "description": description}  # fmt: skip
    ticket = create_ticket(request.app.state.db, actor, key, data, now=_now())
    return RedirectResponse(f"/teams/{key}/support/tickets/{ticket.key}", status_code=303)


@router.get("/teams/{key}/support/tickets/{ticket_key}", response_class=HTMLResponse)
def ticket_page(request: Request, key: str, ticket_key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    detail = ticket_detail(request.app.state.db, request.app.state.workspace_config, actor, key, ticket_key, now=_now())
    return templates.TemplateResponse(request, "support_ticket.html", {"d": detail, "actions": ACTIONS})


@router.post("/teams/{key}/support/tickets/{ticket_key}/triage")
def triage(
    request: Request, key: str, ticket_key: str, action: str = Form(...), reason: str = Form(""),
    duplicate_of: str = Form(""), until: str = Form(""), note: str = Form(""), back: str = Form("ticket"),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:  # fmt: skip
    triage_ticket(
        request.app.state.db, request.app.state.workspace_config, actor, key, ticket_key, action=action, now=_now(),
        reason=reason, duplicate_of=duplicate_of, until=until or None, note=note,
    )  # fmt: skip
    target = f"/teams/{key}/support" if back == "queue" else f"/teams/{key}/support/tickets/{ticket_key}"
    return RedirectResponse(target, status_code=303)


@router.post("/teams/{key}/support/tickets/{ticket_key}/escalate")
def escalate_ticket(
    request: Request, key: str, ticket_key: str, item_key: str = Form(""), title: str = Form(""),
    item_type: str = Form("bug"), actor: Actor = Depends(require_actor),
) -> RedirectResponse:  # fmt: skip
    secret = request.app.state.settings.encryption_key
    escalate(
        request.app.state.db, request.app.state.workspace_config, actor, key, ticket_key, now=_now(),
        item_key=item_key.strip() or None, title=title.strip() or None, item_type=item_type,
        credentials_key=None if secret is None else secret.get_secret_value(),
    )  # fmt: skip
    return RedirectResponse(f"/teams/{key}/support/tickets/{ticket_key}", status_code=303)
