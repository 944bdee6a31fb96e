"""One translation of :class:`CadenceError` for HTTP: a JSON envelope for the API, a page for people.

API answers: ``{"error": {"code", "message", "data"}, "request_id"}`` with the error's HTTP status (the request id
is the one in the ``X-Request-ID`` header and the log lines, to quote when reporting a problem). Pages: the same
sentence in the site's layout, except "not signed in", which sends the browser to the sign-in page and back.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from cadence.domain.errors import CadenceError, NotAuthenticated
from cadence.http.observability import current_request_id
from cadence.http.templating import templates

__all__ = ["handle_cadence_error", "handle_http_error", "handle_validation_error", "wants_json"]


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/hooks/")) or request.url.path == "/metrics"


RETRY_AFTER_503 = "5"
"""Seconds a client should wait after a 503 (the database unreachable or busy): the next request opens a fresh
pooled connection, so retrying soon is right (docs/resilience.md)."""


def _headers(status: int) -> dict[str, str] | None:
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if status == 503:
        return {"Retry-After": RETRY_AFTER_503}
    return None


def _envelope(status: int, code: str, message: str, data: object = None) -> JSONResponse:
    headers = _headers(status)
    body = {"error": {"code": code, "message": message, "data": data or {}}, "request_id": current_request_id()}
    return JSONResponse(body, status_code=status, headers=headers)


async def handle_cadence_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, CadenceError)
    if wants_json(request):
        return _envelope(error.http_status, error.code, error.message, error.data)
    if isinstance(error, NotAuthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    return templates.TemplateResponse(
        request, "error.html", {"error": error}, status_code=error.http_status, headers=_headers(error.http_status)
    )


async def handle_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = str(error.detail) if error.detail else "request failed"
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    if wants_json(request):
        return _envelope(error.status_code, code, message)
    page_error = CadenceError(message)
    return HTMLResponse(
        templates.get_template("error.html").render(request=request, error=page_error), status_code=error.status_code
    )


async def handle_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")} for e in error.errors()
    ]
    message = "; ".join(f"{p['where']}: {p['problem']}" for p in problems) or "invalid request"
    if wants_json(request):
        return _envelope(422, "invalid_input", message, {"problems": problems})
    return HTMLResponse(
        templates.get_template("error.html").render(request=request, error=CadenceError(message)), status_code=422
    )
