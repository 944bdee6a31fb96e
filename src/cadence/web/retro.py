"""The retrospective pages: the team's retros with a start form and the health trend, and one retro's live board.

While the board collects cards or votes, its panel polls ``/board`` every three seconds (HTMX) — counts of cards
per lane, your dots; in the other states it refreshes after each action (the forms there are typed into, and a poll
would wipe them). Every form also works without JavaScript: a plain POST redirects back to the board. The global
CSRF guard checks every POST (the forms carry the token).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cadence.analytics.health_trend import DIMENSIONS
from cadence.domain.errors import InputError
from cadence.domain.model import Role
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services import health_check as health
from cadence.services import retro as service
from cadence.services.access import Actor, access_team
from cadence.services.action_items import team_owners
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

FORMAT_LABELS = {"start_stop_continue": "Start / stop / continue", "4ls": "4Ls (liked, learned, lacked, longed for)",
                 "mad_sad_glad": "Mad / sad / glad", "custom": "Custom lanes"}  # fmt: skip


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _board(request: Request, key: str, retro_id: int, actor: Actor, *, fragment: bool,
           message: str | None = None) -> HTMLResponse:  # fmt: skip
    db = request.app.state.db
    board = service.retro_board(db, actor, key, retro_id, now=_now())
    context: dict[str, Any] = {
        "board": board, "health": health.health_check(db, actor, key, retro_id), "dimensions": DIMENSIONS,
        "owners": team_owners(db, actor, key) if board.state == "discussing" else [], "fragment": fragment,
        "message": message,
    }  # fmt: skip
    return templates.TemplateResponse(request, "retro_board.html", context)


def _back(request: Request, key: str, retro_id: int, actor: Actor) -> Response:
    if request.headers.get("hx-request") == "true":
        return _board(request, key, retro_id, actor, fragment=True)
    return RedirectResponse(f"/teams/{key}/retros/{retro_id}", status_code=303)


@router.get("/teams/{key}/retros", response_class=HTMLResponse)
def retros_page(request: Request, key: str, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    db = request.app.state.db
    team = access_team(db, actor, key)
    role = actor.role_in(team.id)
    trend: dict[str, list[dict[str, Any]]] = {}
    for row in health.health_trends(db, actor, key):
        trend.setdefault(row["dimension"], []).append(row)
    context = {"team": team, "retros": service.list_retros(db, actor, key), "formats": FORMAT_LABELS,
               "can_start": role is not None and role.covers(Role.MANAGER), "trend": trend,
               "dimensions": DIMENSIONS, "default_votes": service.DEFAULT_VOTES}  # fmt: skip
    return templates.TemplateResponse(request, "retro_list.html", context)


@router.post("/teams/{key}/retros")
def start(
    request: Request,
    key: str,
    format: str = Form("start_stop_continue"),
    lanes: str = Form(""),
    title: str = Form(""),
    anonymous: str | None = Form(None),
    votes_per_person: int = Form(service.DEFAULT_VOTES),
    health_check: str | None = Form(None),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    custom = [lane for lane in lanes.split(",") if lane.strip()] if format == "custom" else None
    board = service.start_retro(
        request.app.state.db, actor, key, now=_now(), format=format, lanes=custom, title=title or None,
        anonymous=anonymous is not None, votes_per_person=votes_per_person, health_check=health_check is not None,
    )  # fmt: skip
    return RedirectResponse(f"/teams/{key}/retros/{board.id}", status_code=303)


@router.get("/teams/{key}/retros/{retro_id}", response_class=HTMLResponse)
def board_page(request: Request, key: str, retro_id: int, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    return _board(request, key, retro_id, actor, fragment=False)


@router.get("/teams/{key}/retros/{retro_id}/board", response_class=HTMLResponse)
def board_panel(request: Request, key: str, retro_id: int, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    return _board(request, key, retro_id, actor, fragment=True)


@router.post("/teams/{key}/retros/{retro_id}/state")
def move(
    request: Request, key: str, retro_id: int, state: str = Form(...), actor: Actor = Depends(require_actor)
) -> Response:
    service.advance_retro(request.app.state.db, actor, key, retro_id, to=state, now=_now())
    return _back(request, key, retro_id, actor)


@router.post("/teams/{key}/retros/{retro_id}/cards")
def add_card(
    request: Request, key: str, retro_id: int, lane: str = Form(...), text: str = Form(...),
    actor: Actor = Depends(require_actor),
) -> Response:  # fmt: skip
    service.add_card(request.app.state.db, actor, key, retro_id, lane=lane, text=text, now=_now())
    return _back(request, key, retro_id, actor)


@router.post("/teams/{key}/retros/{retro_id}/cards/{card_id}/group")
def group(
    request: Request, key: str, retro_id: int, card_id: int, under: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> Response:  # fmt: skip
    target = int(under) if under.strip().isdigit() else None
    service.group_card(request.app.state.db, actor, key, retro_id, card_id, under=target, now=_now())
    return _back(request, key, retro_id, actor)


@router.post("/teams/{key}/retros/{retro_id}/cards/{card_id}/vote")
def vote(request: Request, key: str, retro_id: int, card_id: int, actor: Actor = Depends(require_actor)) -> Response:
    service.vote_card(request.app.state.db, actor, key, retro_id, card_id, now=_now())
    return _back(request, key, retro_id, actor)


@router.post("/teams/{key}/retros/{retro_id}/cards/{card_id}/unvote")
def unvote(request: Request, key: str, retro_id: int, card_id: int, actor: Actor = Depends(require_actor)) -> Response:
    service.take_back_vote(request.app.state.db, actor, key, retro_id, card_id, now=_now())
    return _back(request, key, retro_id, actor)


@router.post("/teams/{key}/retros/{retro_id}/cards/{card_id}/notes")
def notes(
    request: Request, key: str, retro_id: int, card_id: int, notes: str = Form(""),
    discussed: str | None = Form(None), actor: Actor = Depends(require_actor),
) -> Response:  # fmt: skip
    service.update_card(request.app.state.db, actor, key, retro_id, card_id, notes=notes,
                        discussed=discussed is not None, now=_now())  # fmt: skip
    return _back(request, key, retro_id, actor)


@router.post("/teams/{key}/retros/{retro_id}/cards/{card_id}/action")
def action(
    request: Request, key: str, retro_id: int, card_id: int, title: str = Form(...), owner: str = Form(""),
    due_on: str = Form(""), actor: Actor = Depends(require_actor),
) -> Response:  # fmt: skip
    try:
        due = dt.date.fromisoformat(due_on) if due_on.strip() else None
    except ValueError as error:
        raise InputError(f"due date '{due_on}' is not a date (YYYY-MM-DD)") from error
    owner_id = int(owner) if owner.strip().isdigit() else None
    service.action_from_card(request.app.state.db, actor, key, retro_id, card_id, title=title, now=_now(),
                             owner_person_id=owner_id, due_on=due)  # fmt: skip
    return _back(request, key, retro_id, actor)


@router.post("/teams/{key}/retros/{retro_id}/previous-actions/{action_id}")
def settle(
    request: Request, key: str, retro_id: int, action_id: int, status: str = Form(...),
    actor: Actor = Depends(require_actor),
) -> Response:  # fmt: skip
    service.settle_previous_action(request.app.state.db, actor, key, retro_id, action_id, status=status, now=_now())
    return _back(request, key, retro_id, actor)


@router.post("/teams/{key}/retros/{retro_id}/health")
async def answer(request: Request, key: str, retro_id: int, actor: Actor = Depends(require_actor)) -> Response:
    form = await request.form()
    answers: dict[str, Any] = {}
    for dimension in DIMENSIONS:
        light = str(form.get(f"light_{dimension}", "")).strip()
        if light:
            answers[dimension] = {"score": light, "trend": str(form.get(f"trend_{dimension}", "")) or None}
    db = request.app.state.db
    await run_in_threadpool(health.answer_health_check, db, actor, key, retro_id, answers=answers, now=_now())
    return await run_in_threadpool(_back, request, key, retro_id, actor)


@router.post("/teams/{key}/retros/{retro_id}/health/reveal")
def reveal(request: Request, key: str, retro_id: int, actor: Actor = Depends(require_actor)) -> Response:
    health.reveal_health(request.app.state.db, actor, key, retro_id, now=_now())
    return _back(request, key, retro_id, actor)
