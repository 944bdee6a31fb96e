"""Authentication and CSRF for every HTTP request, API and pages alike.

* ``Authorization: Bearer <token>``: an API token (for the CLI, scripts). Not an ambient credential, so exempt
  from CSRF checks.
* The ``cadence_session`` cookie (HttpOnly, SameSite=Lax, Secure over https): a server-side session. Every
  state-changing request made with it must carry the session's CSRF token, in the ``X-CSRF-Token`` header (HTMX
  sends it from ``hx-headers``) or the ``csrf_token`` form field.
* Sign-in itself has no session yet: its form is protected by a double-submit cookie.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from cadence.domain.errors import NotAuthenticated, PermissionDenied
from cadence.services.access import Actor
from cadence.services.authentication import AuthPolicy, actor_for_api_token, resume_session

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "AuthContext",
    "auth_context",
    "csrf_guard",
    "new_login_csrf",
    "require_actor",
]

SESSION_COOKIE = "cadence_session"
LOGIN_CSRF_COOKIE = "cadence_login_csrf"
_SAFE = {"GET", "HEAD", "OPTIONS"}
_EXEMPT_PREFIXES = ("/hooks/",)
"""Webhook receivers authenticate each delivery with their own shared secret."""
_PROBES = frozenset({"/api/health", "/api/ready"})
"""Liveness and readiness: no session or token lookup (liveness never touches the database)."""


@dataclass(frozen=True)
class AuthContext:
    actor: Actor | None
    csrf_token: str | None
    via: str | None  # "session" | "token" | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def auth_context(request: Request) -> AuthContext:
    """Who is asking (computed once per request)."""
    cached = getattr(request.state, "auth", None)
    if isinstance(cached, AuthContext):
        return cached
    db = request.app.state.db
    policy: AuthPolicy = request.app.state.auth_policy
    header = request.headers.get("authorization", "")
    context = AuthContext(None, None, None)
    if header.lower().startswith("bearer "):
        context = AuthContext(actor_for_api_token(db, header[7:].strip(), now=_now()), None, "token")
    elif secret := request.cookies.get(SESSION_COOKIE):
        try:
            info = resume_session(db, secret, now=_now(), policy=policy)
            context = AuthContext(info.actor, info.csrf_token, "session")
        except NotAuthenticated:
            request.state.clear_session_cookie = True
    request.state.auth = context
    return context


def require_actor(context: AuthContext = Depends(auth_context)) -> Actor:
    if context.actor is None:
        raise NotAuthenticated("sign in first (or send an API token as 'Authorization: Bearer ...')")
    return context.actor


async def csrf_guard(request: Request) -> None:
    """Refuse a state-changing request made with the session cookie unless it carries the session's token.

    Every route runs it, so it also resolves who is asking (pages show the signed-in person) — except for the probes,
    which must answer without the database whatever cookie or token a prober sends."""
    if request.url.path in _PROBES:
        return
    context = await run_in_threadpool(auth_context, request)
    if request.method in _SAFE or request.url.path.startswith(_EXEMPT_PREFIXES) or context.via == "token":
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    login = request.url.path == "/login"
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) if login else context.csrf_token
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise PermissionDenied(
            "this form has expired or did not come from Cadence (missing or wrong CSRF token); "
            "reload the page and try again"
        )


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)
