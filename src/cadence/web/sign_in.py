"""Signing in and out of the web app."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cadence.domain.errors import NotAuthenticated, TooManyAttempts
from cadence.http.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    AuthContext,
    auth_context,
    new_login_csrf,
)
from cadence.http.templating import templates
from cadence.services.authentication import end_session, sign_in

__all__ = ["router", "safe_next"]

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after sign-in would hand phishers a trusted link."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or bool(request.app.state.settings.secure_cookies)


def _login_page(request: Request, *, next_path: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    token = new_login_csrf()
    response = templates.TemplateResponse(
        request, "login.html", {"csrf_token": token, "next": next_path, "error": error}, status_code=status
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/login"
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_path=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = request.client.host if request.client else "unknown"
    try:
        secret, _info = sign_in(
            request.app.state.db,
            username.strip(),
            password,
            address=address,
            now=dt.datetime.now(dt.UTC),
            policy=request.app.state.auth_policy,
        )
    except (NotAuthenticated, TooManyAttempts) as error:
        return _login_page(request, next_path=safe_next(next), error=error.message, status=error.http_status)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, context: AuthContext = Depends(auth_context)) -> Response:
    if secret := request.cookies.get(SESSION_COOKIE):
        end_session(request.app.state.db, secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
