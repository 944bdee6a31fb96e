"""The home page: the teams, what is recorded for each, and over which span."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor, visible_teams
from cadence.services.workspace_status import workspace_status

__all__ = ["router"]

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    db = request.app.state.db
    visible = None if actor.is_superuser else {team.id for team, _role in visible_teams(db, actor)}
    state = workspace_status(db, visible)
    return templates.TemplateResponse(request, "home.html", {"state": state})
