"""The team's decision log and working agreements page; plain POST forms that redirect back (CSRF-checked)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cadence.domain.errors import InputError
from cadence.domain.model import Role
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services import decisions as svc
from cadence.services.access import Actor, access_team
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


@router.get("/teams/{key}/decisions", response_class=HTMLResponse)
def page(request: Request, key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    db = request.app.state.db
    team = access_team(db, actor, key)
    role = actor.role_in(team.id)
    context = {
        "team": team,
        "decisions": svc.list_decisions(db, actor, key),
        "agreements": svc.list_agreements(db, actor, key),
        "can_write": role is not None and role.covers(Role.MEMBER),
        "today": _now().date().isoformat(),
    }
    return templates.TemplateResponse(request, "decisions.html", context)


@router.post("/teams/{key}/decisions")
def record(
    request: Request,
    key: str,
    title: str = Form(...),
    decision: str = Form(...),
    options: str = Form(""),
    decided_by: str = Form(""),
    decided_on: str = Form(""),
    item_keys: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    """``options`` one per line; ``item_keys`` separated by commas or lines."""
    try:
        day = dt.date.fromisoformat(decided_on) if decided_on.strip() else None
    except ValueError:
        raise InputError(f"'{decided_on}' is not a date such as 2026-06-30", decided_on=decided_on) from None
    svc.record_decision(
        request.app.state.db, actor, key, title=title, decision=decision, now=_now(),
        options=[o.strip() for o in options.splitlines() if o.strip()], decided_by=decided_by or None,
        decided_on=day, item_keys=_lines(item_keys),
    )  # fmt: skip
    return RedirectResponse(f"/teams/{key}/decisions#decisions", status_code=303)


@router.post("/teams/{key}/agreements")
def add(request: Request, key: str, text: str = Form(...), actor: Actor = Depends(require_actor)) -> RedirectResponse:
    svc.add_agreement(request.app.state.db, actor, key, text=text, now=_now())
    return RedirectResponse(f"/teams/{key}/decisions#agreements", status_code=303)


@router.post("/teams/{key}/agreements/{agreement_id}/retire")
def retire(request: Request, key: str, agreement_id: int, actor: Actor = Depends(require_actor)) -> RedirectResponse:
    svc.retire_agreement(request.app.state.db, actor, key, agreement_id, now=_now())
    return RedirectResponse(f"/teams/{key}/decisions#agreements", status_code=303)
