"""Errors shown as a page: the same sentence the API and CLI give, in the site's layout."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from cadence.domain.errors import CadenceError
from cadence.web.templating import templates

__all__ = ["error_page"]


async def error_page(request: Request, error: Exception) -> HTMLResponse:
    assert isinstance(error, CadenceError)
    return templates.TemplateResponse(request, "error.html", {"error": error}, status_code=error.http_status)
