"""The team's impediments page: the detector's candidates (confirm or dismiss: managers), open impediments with
their owner, escalation and a resolve form, and the recently resolved ones. Every form is a plain POST that redirects
back to the page; the global CSRF guard checks each one."""

from __future__ import annotations

import datetime as dt
import inspect

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cadence.analytics.impediment_metrics import impediment_flow
from cadence.domain.errors import InputError
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services import impediments as svc
from cadence.services.access import Actor
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters
from cadence.web.forms import form_person

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_DEFINITION = (inspect.getdoc(impediment_flow) or "").split("\n\n")[0]
"""The metrics' definition in the words of the function that computes them (as docs/metrics.md)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _back(key: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/teams/{key}/impediments{anchor}", status_code=303)


@router.get("/teams/{key}/impediments", response_class=HTMLResponse)
def page(request: Request, key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    state = request.app.state
    view = svc.impediments_overview(state.db, state.workspace_config, actor, key, now=_now())
    context = {"v": view, "team": view.team, "levels": svc.ESCALATION_LEVELS, "definition": _DEFINITION}
    return templates.TemplateResponse(request, "impediments.html", context)


@router.post("/teams/{key}/impediments")
def raise_impediment(
    request: Request,
    key: str,
    title: str = Form(...),
    description: str = Form(""),
    item_key: str = Form(""),
    owner: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    svc.open_impediment(
        request.app.state.db, actor, key, title=title, now=_now(), description=description or None,
        item_key=item_key or None, owner_person_id=form_person(owner),
    )  # fmt: skip
    return _back(key, "#open")


@router.post("/teams/{key}/impediments/candidates/{signal_key}/confirm")
def confirm(
    request: Request, key: str, signal_key: str, owner: str = Form(""), actor: Actor = Depends(require_actor)
) -> RedirectResponse:
    state = request.app.state
    svc.confirm_candidate(
        state.db, state.workspace_config, actor, key, signal_key, now=_now(), owner_person_id=form_person(owner)
    )
    return _back(key, "#open")


@router.post("/teams/{key}/impediments/candidates/{signal_key}/dismiss")
def dismiss(
    request: Request, key: str, signal_key: str, note: str = Form(""), actor: Actor = Depends(require_actor)
) -> RedirectResponse:
    state = request.app.state
    svc.dismiss_candidate(state.db, state.workspace_config, actor, key, signal_key, now=_now(), note=note or None)
    return _back(key, "#candidates")


@router.post("/teams/{key}/impediments/{impediment_id}")
def update(
    request: Request,
    key: str,
    impediment_id: int,
    action: str = Form(...),
    owner: str = Form(""),
    resolution_note: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    """``action``: ``owner`` (with ``owner``), ``escalate``, ``de-escalate`` or ``resolve`` (with a note)."""
    db = request.app.state.db
    if action == "owner":
        svc.update_impediment(db, actor, key, impediment_id, now=_now(), owner_person_id=form_person(owner))
    elif action in ("escalate", "de-escalate"):
        step = 1 if action == "escalate" else -1
        svc.update_impediment(db, actor, key, impediment_id, now=_now(), escalate=step)
    elif action == "resolve":
        svc.update_impediment(db, actor, key, impediment_id, now=_now(), resolve=True, resolution_note=resolution_note)
    else:
        raise InputError(f"unknown action '{action}': use owner, escalate, de-escalate or resolve", action=action)
    return _back(key, "#open" if action != "resolve" else "#resolved")
