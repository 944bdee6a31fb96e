"""The home page: the teams, what is recorded for each, and over which span."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cadence.services.workspace_status import workspace_status
from cadence.web.templating import templates

__all__ = ["router"]

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    state = workspace_status(request.app.state.db)
    return templates.TemplateResponse(request, "home.html", {"state": state})
