"""The planning poker pages: start a session from an item, then vote, reveal and save on the session's page.

The session page polls ``/state`` every two seconds (HTMX) for the panel of who has voted — values only after the
reveal, as ``services.poker`` decides. Every form also works without JavaScript: a plain POST redirects back to the
page; an HTMX POST gets the refreshed panel. The global CSRF guard checks every POST (the forms carry the token).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cadence.domain.model import Role
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor, access_team
from cadence.services.poker import DECKS, PokerView, cast_vote, poker_session, reveal_votes, save_final, start_session
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _panel(request: Request, view: PokerView, message: str | None = None, *, fragment: bool = True) -> HTMLResponse:
    context = {"view": view, "message": message, "fragment": fragment, "decks": DECKS}
    return templates.TemplateResponse(request, "poker.html", context)


def _after_post(request: Request, key: str, view: PokerView, message: str | None = None) -> Response:
    if request.headers.get("hx-request") == "true":
        return _panel(request, view, message)
    return RedirectResponse(f"/teams/{key}/poker/{view.id}", status_code=303)


@router.get("/teams/{key}/poker", response_class=HTMLResponse)
def start_page(request: Request, key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    team = access_team(request.app.state.db, actor, key)
    role = actor.role_in(team.id)
    context = {"team": team, "view": None, "fragment": False, "decks": DECKS,
               "can_start": role is not None and role.covers(Role.MANAGER)}  # fmt: skip
    return templates.TemplateResponse(request, "poker.html", context)


@router.post("/teams/{key}/poker")
def start(
    request: Request,
    key: str,
    item: str = Form(...),
    deck: str = Form("fibonacci"),
    cards: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    custom = [card for card in cards.split(",") if card.strip()] if deck == "custom" else None
    view = start_session(request.app.state.db, actor, key, item_key=item.strip(), deck=deck, custom=custom, now=_now())
    return RedirectResponse(f"/teams/{key}/poker/{view.id}", status_code=303)


@router.get("/teams/{key}/poker/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, key: str, session_id: int, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    return _panel(request, poker_session(request.app.state.db, actor, key, session_id), fragment=False)


@router.get("/teams/{key}/poker/{session_id}/state", response_class=HTMLResponse)
def state(request: Request, key: str, session_id: int, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    return _panel(request, poker_session(request.app.state.db, actor, key, session_id))


@router.post("/teams/{key}/poker/{session_id}/vote")
def vote(
    request: Request, key: str, session_id: int, value: str = Form(...), actor: Actor = Depends(require_actor)
) -> Response:
    view = cast_vote(request.app.state.db, actor, key, session_id, value=value, now=_now())
    return _after_post(request, key, view)


@router.post("/teams/{key}/poker/{session_id}/reveal")
def reveal(request: Request, key: str, session_id: int, actor: Actor = Depends(require_actor)) -> Response:
    view = reveal_votes(request.app.state.db, actor, key, session_id, now=_now())
    return _after_post(request, key, view)


@router.post("/teams/{key}/poker/{session_id}/final")
def final(
    request: Request, key: str, session_id: int, value: str = Form(...), actor: Actor = Depends(require_actor)
) -> Response:
    secret = request.app.state.settings.encryption_key
    outcome = save_final(
        request.app.state.db, actor, key, session_id, value=value, now=_now(),
        credentials_key=None if secret is None else secret.get_secret_value(),
    )  # fmt: skip
    message = outcome.jira_error or (f"Jira: {outcome.jira}" if outcome.jira else None)
    if outcome.jira_error and request.headers.get("hx-request") != "true":
        return _panel(request, outcome.view, message, fragment=False)  # a plain POST must still see the failure
    return _after_post(request, key, outcome.view, message)
