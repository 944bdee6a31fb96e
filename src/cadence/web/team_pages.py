"""Pages under a team besides its dashboard: the data-quality report, one work item's timeline, definitions."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor
from cadence.services.dashboard import data_quality
from cadence.services.item_timeline import item_timeline
from cadence.services.metric_definitions import metric_definitions
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/teams/{key}/quality", response_class=HTMLResponse)
def quality(request: Request, key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    board = data_quality(
        request.app.state.db, request.app.state.workspace_config, actor, key, now=dt.datetime.now(dt.UTC)
    )
    return templates.TemplateResponse(request, "quality.html", {"board": board, "q": board.metrics["data_quality"]})


@router.get("/teams/{key}/items/{item_key}", response_class=HTMLResponse)
def item(request: Request, key: str, item_key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    timeline = item_timeline(request.app.state.db, actor, key, item_key)
    return templates.TemplateResponse(request, "item.html", {"t": timeline})


@router.get("/definitions", response_class=HTMLResponse)
def definitions(request: Request, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    return templates.TemplateResponse(request, "definitions.html", {"definitions": metric_definitions()})
