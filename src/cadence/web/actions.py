"""The team's action items page: open (overdue first), done and dropped lists, a form to add one, and per-action
forms to mark it done, drop it, reopen it or change its owner and due date.

Every form is a plain POST that redirects back to the page (the global CSRF guard checks the token);
``services.action_items`` decides who may change what and audits it.
"""

from __future__ import annotations

import datetime as dt
import inspect

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cadence.analytics.action_completion import completion_rate
from cadence.domain.errors import InputError
from cadence.domain.model import Role
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor, access_team
from cadence.services.action_items import ORIGINS, UNSET, action_board, create_action, team_owners, update_action
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters
from cadence.web.forms import form_date, form_person

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/teams/{key}/actions", response_class=HTMLResponse)
def actions_page(request: Request, key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    db = request.app.state.db
    team = access_team(db, actor, key)
    role = actor.role_in(team.id)
    board = action_board(db, actor, key, now=_now(), config=request.app.state.workspace_config)
    context = {
        "team": team, "board": board, "owners": team_owners(db, actor, key), "origins": ORIGINS,
        "can_edit": role is not None and role.covers(Role.MEMBER), "definition": inspect.getdoc(completion_rate) or "",
    }  # fmt: skip
    return templates.TemplateResponse(request, "actions.html", context)


@router.post("/teams/{key}/actions")
def add(
    request: Request,
    key: str,
    title: str = Form(...),
    description: str = Form(""),
    owner: str = Form(""),
    due_on: str = Form(""),
    origin: str = Form("manual"),
    metric: str = Form(""),
    check_after_weeks: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    weeks = check_after_weeks.strip()
    if weeks and not weeks.isdigit():
        raise InputError(f"check after '{weeks}' weeks is not a whole number", weeks=weeks)
    create_action(
        request.app.state.db, actor, key, title=title, now=_now(), owner_person_id=form_person(owner),
        due_on=form_date(due_on, "due date"), origin=origin, description=description, metric=metric or None,
        check_after_weeks=int(weeks) if weeks and metric.strip() else None, config=request.app.state.workspace_config,
    )  # fmt: skip
    return RedirectResponse(f"/teams/{key}/actions", status_code=303)


@router.post("/teams/{key}/actions/{action_id}")
def change(
    request: Request,
    key: str,
    action_id: int,
    status: str = Form(""),
    owner: str | None = Form(None),
    due_on: str | None = Form(None),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    """One form per action: a status button, or the owner and due-date fields (absent fields stay as they are)."""
    update_action(
        request.app.state.db, actor, key, action_id, now=_now(), status=status.strip() or None,
        owner_person_id=UNSET if owner is None else form_person(owner),
        due_on=UNSET if due_on is None else form_date(due_on, "due date"),
    )  # fmt: skip
    return RedirectResponse(f"/teams/{key}/actions", status_code=303)
