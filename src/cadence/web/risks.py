"""The team's risk register pages: the heat map, the register, proposals from data signals (accept or dismiss:
managers), the stale review list and the forms; one risk's page with its score history, mitigations and the forecast
of the epic or fix version it threatens. Every form is a plain POST that redirects back; the global CSRF guard checks
each one."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cadence.domain.errors import InputError
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services import risks as svc
from cadence.services.access import Actor
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters
from cadence.web.forms import form_date, form_person

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _level(value: str, what: str) -> int:
    value = value.strip()
    if not value.isdigit():
        raise InputError(f"{what} must be a whole number from 1 to 5, not '{value}'", **{what: value})
    return int(value)


def _back(key: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/teams/{key}/risks{anchor}", status_code=303)


def _to_risk(key: str, risk_id: int) -> RedirectResponse:
    return RedirectResponse(f"/teams/{key}/risks/{risk_id}", status_code=303)


@router.get("/teams/{key}/risks", response_class=HTMLResponse)
def page(request: Request, key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    state = request.app.state
    view = svc.risk_register(state.db, state.workspace_config, actor, key, now=_now())
    return templates.TemplateResponse(request, "risks.html", {"v": view, "team": view.team, "roam": svc.ROAM})


@router.post("/teams/{key}/risks")
def create(
    request: Request,
    key: str,
    title: str = Form(...),
    probability: str = Form(...),
    impact: str = Form(...),
    description: str = Form(""),
    owner: str = Form(""),
    review_on: str = Form(""),
    roam: str = Form(""),
    epic_key: str = Form(""),
    fix_version: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    state = request.app.state
    svc.create_risk(
        state.db, state.workspace_config, actor, key, title=title, probability=_level(probability, "probability"),
        impact=_level(impact, "impact"), now=_now(), description=description or None,
        owner_person_id=form_person(owner), review_on=form_date(review_on, "review_on"), roam=roam or None,
        epic_key=epic_key or None, fix_version=fix_version or None,
    )  # fmt: skip
    return _back(key, "#register")


@router.post("/teams/{key}/risks/proposed/{signal_key}/accept")
def accept(request: Request, key: str, signal_key: str, actor: Actor = Depends(require_actor)) -> RedirectResponse:
    state = request.app.state
    svc.accept_proposal(state.db, state.workspace_config, actor, key, signal_key, now=_now())
    return _back(key, "#heat-map")


@router.post("/teams/{key}/risks/proposed/{signal_key}/dismiss")
def dismiss(
    request: Request, key: str, signal_key: str, note: str = Form(""), actor: Actor = Depends(require_actor)
) -> RedirectResponse:
    state = request.app.state
    svc.dismiss_proposal(state.db, state.workspace_config, actor, key, signal_key, now=_now(), note=note or None)
    return _back(key, "#proposed")


@router.get("/teams/{key}/risks/{risk_id}", response_class=HTMLResponse)
def detail(request: Request, key: str, risk_id: int, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    state = request.app.state
    risk = svc.risk_detail(state.db, state.workspace_config, actor, key, risk_id, now=_now())
    register = svc.risk_register(state.db, state.workspace_config, actor, key, now=_now(), proposals=False)
    context = {"r": risk, "v": register, "team": register.team, "roam": svc.ROAM}
    return templates.TemplateResponse(request, "risks_detail.html", context)


@router.post("/teams/{key}/risks/{risk_id}")
def update(
    request: Request,
    key: str,
    risk_id: int,
    action: str = Form(...),
    owner: str = Form(""),
    review_on: str = Form(""),
    roam: str = Form(""),
    epic_key: str = Form(""),
    fix_version: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    """``action``: ``edit`` (owner, review date, ROAM, epic, fix version), ``close`` or ``reopen``."""
    state = request.app.state
    db, config = state.db, state.workspace_config
    if action == "edit":
        svc.update_risk(
            db, config, actor, key, risk_id, now=_now(), owner_person_id=form_person(owner),
            review_on=form_date(review_on, "review_on"), roam=roam or None, epic_key=epic_key or None,
            fix_version=fix_version or None,
        )  # fmt: skip
    elif action in ("close", "reopen"):
        svc.update_risk(db, config, actor, key, risk_id, now=_now(), status="closed" if action == "close" else "open")
    else:
        raise InputError(f"unknown action '{action}': use edit, close or reopen", action=action)
    return _to_risk(key, risk_id)


@router.post("/teams/{key}/risks/{risk_id}/score")
def score(
    request: Request,
    key: str,
    risk_id: int,
    probability: str = Form(...),
    impact: str = Form(...),
    note: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    state = request.app.state
    svc.rescore_risk(
        state.db, state.workspace_config, actor, key, risk_id, probability=_level(probability, "probability"),
        impact=_level(impact, "impact"), now=_now(), note=note or None,
    )  # fmt: skip
    return _to_risk(key, risk_id)


@router.post("/teams/{key}/risks/{risk_id}/mitigations")
def mitigate(
    request: Request,
    key: str,
    risk_id: int,
    title: str = Form(...),
    owner: str = Form(""),
    due_on: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    state = request.app.state
    svc.add_mitigation(
        state.db, state.workspace_config, actor, key, risk_id, title=title, now=_now(),
        owner_person_id=form_person(owner), due_on=form_date(due_on, "due_on"),
    )  # fmt: skip
    return _to_risk(key, risk_id)
