"""The team's insight pages: the distribution for everyone in the team, "my insight" for the person, and for
managers one person at a time chosen from the members listed by name. For coaching, never for ranking: nothing on
these pages orders people by a number, and the pages say so."""

from __future__ import annotations

import datetime as dt
import inspect

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from cadence.analytics import person_insight as definitions
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services import insight as svc
from cadence.services.access import Actor
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_DEFINITIONS = [
    (inspect.getdoc(getattr(definitions, name)) or "").split("\n\n")[0]
    for name in ("load_by_person", "interrupts_by_person", "blocked_by_person", "reviews_by_person")
]
"""The measures' definitions in the words of the functions that compute them (as docs/metrics.md)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/teams/{key}/insight", response_class=HTMLResponse)
def team_page(request: Request, key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    state = request.app.state
    view = svc.team_view(state.db, state.workspace_config, actor, key, now=_now())
    context = {"v": view, "team": view.team, "guard_rail": svc.GUARD_RAIL, "definitions": _DEFINITIONS}
    return templates.TemplateResponse(request, "insight.html", context)


@router.get("/teams/{key}/insight/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, key: str, person_id: int, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    state = request.app.state
    view = svc.person_view(state.db, state.workspace_config, actor, key, person_id, now=_now())
    context = {"p": view, "team": view.team, "guard_rail": svc.GUARD_RAIL, "definitions": _DEFINITIONS}
    return templates.TemplateResponse(request, "insight_person.html", context)
