"""``GET /teams/{key}/calendar.ics``: the team's ceremonies as an iCalendar feed.

Calendar clients (Google Calendar, Outlook, Apple Calendar, Thunderbird) subscribe to a URL and cannot sign in with
a cookie, so this route — and only this one — also accepts an API token in the query string (``?token=...``),
besides ``Authorization: Bearer`` and a browser session. The trade-off (a token in a URL can end up in proxy and
server logs, browser history and the calendar provider's storage) is documented in docs/actions.md: use a token of
its own, of a viewer account where possible, and revoke it when the calendar is no longer needed.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from cadence.domain.errors import CadenceError, NotAuthenticated
from cadence.http.security import AuthContext, auth_context
from cadence.services.authentication import actor_for_api_token
from cadence.services.team_calendar import team_calendar_ics

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/teams/{key}/calendar.ics")
def calendar_feed(
    request: Request,
    key: str,
    token: str | None = Query(None, max_length=200, description="An API token, for calendar clients."),
    context: AuthContext = Depends(auth_context),
) -> Response:
    """The feed (viewer role). Errors are plain text with their status (a calendar client shows no HTML page)."""
    try:
        actor = context.actor
        if token and context.via != "token":
            actor = actor_for_api_token(request.app.state.db, token, now=_now())
        if actor is None:
            raise NotAuthenticated("send an API token: ?token=... or 'Authorization: Bearer ...'")
        body = team_calendar_ics(
            request.app.state.db, actor, key, now=_now(), config=request.app.state.workspace_config
        )  # fmt: skip
    except CadenceError as error:
        headers = {"WWW-Authenticate": "Bearer"} if error.http_status == 401 else None
        return PlainTextResponse(error.message, status_code=error.http_status, headers=headers)
    headers = {
        "Content-Disposition": f'inline; filename="{key}-ceremonies.ics"',
        "Cache-Control": "private, max-age=300",
        "Referrer-Policy": "no-referrer",
    }
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
