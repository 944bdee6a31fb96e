"""The home page: the teams, what is recorded for each, and over which span."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from cadence.services.workspace_status import workspace_status

__all__ = ["router", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    state = workspace_status(request.app.state.db)
    return templates.TemplateResponse(request, "home.html", {"state": state})
