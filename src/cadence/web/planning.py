"""The sprint planning page: capacity net of interrupts, the backlog top with readiness and the P50/P85 cut lines, the
goal, the selection and the commit; time off entered on the same page.

Managers edit and commit; members see plans and enter their own time off. Every form is a plain POST that redirects
back (the global CSRF guard checks it); a committed plan is shown as frozen, without forms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor
from cadence.services.sprint_planning import (
    commit_plan,
    create_plan,
    list_plans,
    planning_preview,
    sprint_plan,
    update_plan,
)
from cadence.services.time_off import add_time_off, delete_time_off
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters
from cadence.web.forms import form_date

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _page(request: Request, view: dict[str, Any], plans: list[dict[str, Any]]) -> HTMLResponse:
    context = {"v": view, "team": view["team"], "plans": plans, "today": _now().date().isoformat()}
    return templates.TemplateResponse(request, "planning.html", context)


def _back(key: str, plan_id: str) -> RedirectResponse:
    target = f"/teams/{key}/planning/{int(plan_id)}" if plan_id.strip().isdigit() else f"/teams/{key}/planning"
    return RedirectResponse(target, status_code=303)


@router.get("/teams/{key}/planning", response_class=HTMLResponse)
def planning(
    request: Request, key: str, start: str = "", end: str = "", actor: Actor = Depends(require_actor)
) -> HTMLResponse:
    db, config = request.app.state.db, request.app.state.workspace_config
    view = planning_preview(
        db, config, actor, key, now=_now(), start=form_date(start, "start"), end=form_date(end, "end")
    )
    return _page(request, view, list_plans(db, actor, key))


@router.post("/teams/{key}/planning")
def start_plan(
    request: Request,
    key: str,
    start: str = Form(""),
    end: str = Form(""),
    name: str = Form(""),
    goal: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    plan = create_plan(
        request.app.state.db, request.app.state.workspace_config, actor, key, now=_now(),
        start=form_date(start, "start"), end=form_date(end, "end"), name=name or None, goal=goal or None,
    )  # fmt: skip
    return RedirectResponse(f"/teams/{key}/planning/{plan['plan']['id']}", status_code=303)


@router.post("/teams/{key}/planning/time-off")
def enter_time_off(
    request: Request,
    key: str,
    start_on: str = Form(...),
    end_on: str = Form(""),
    person_id: str = Form(""),
    day_fraction: float = Form(1.0),
    note: str = Form(""),
    plan_id: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    first = form_date(start_on, "start")
    assert first is not None  # the field is required
    add_time_off(
        request.app.state.db, actor, key, start_on=first, end_on=form_date(end_on, "end") or first, now=_now(),
        person_id=int(person_id) if person_id.strip().isdigit() else None, day_fraction=day_fraction,
        note=note or None,
    )  # fmt: skip
    return _back(key, plan_id)


@router.post("/teams/{key}/planning/time-off/{entry_id}/delete")
def remove_time_off(
    request: Request, key: str, entry_id: int, plan_id: str = Form(""), actor: Actor = Depends(require_actor)
) -> RedirectResponse:
    delete_time_off(request.app.state.db, actor, key, entry_id, now=_now())
    return _back(key, plan_id)


@router.get("/teams/{key}/planning/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, key: str, plan_id: int, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    db, config = request.app.state.db, request.app.state.workspace_config
    view = sprint_plan(db, config, actor, key, plan_id, now=_now())
    return _page(request, view, list_plans(db, actor, key))


@router.post("/teams/{key}/planning/{plan_id}")
def save_plan(
    request: Request,
    key: str,
    plan_id: int,
    goal: str = Form(""),
    name: str = Form(""),
    items: list[str] = Form([]),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    update_plan(
        request.app.state.db, request.app.state.workspace_config, actor, key, plan_id, now=_now(),
        name=name or None, goal=goal, items=items,
    )  # fmt: skip
    return RedirectResponse(f"/teams/{key}/planning/{plan_id}", status_code=303)


@router.post("/teams/{key}/planning/{plan_id}/commit")
def commit(request: Request, key: str, plan_id: int, actor: Actor = Depends(require_actor)) -> RedirectResponse:
    commit_plan(request.app.state.db, request.app.state.workspace_config, actor, key, plan_id, now=_now())
    return RedirectResponse(f"/teams/{key}/planning/{plan_id}", status_code=303)
