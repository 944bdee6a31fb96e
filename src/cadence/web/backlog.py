"""The team's backlog health page: what is ready, what to refine next, what looks duplicated or stale."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor
from cadence.services.backlog import backlog_health
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/teams/{key}/backlog", response_class=HTMLResponse)
def backlog(request: Request, key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    health = backlog_health(
        request.app.state.db, request.app.state.workspace_config, actor, key, now=dt.datetime.now(dt.UTC)
    )
    return templates.TemplateResponse(request, "backlog.html", {"h": health, "team": health["team"]})
