"""``/api/v1/teams/{team}/retros``: retrospective boards, their cards, dot votes, actions and health check.

A route parses and calls one service function; ``services.retro`` and ``services.health_check`` decide what the
caller may see (hidden cards while collecting, hidden answers before the reveal) and do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.api.v1.ids import BigRowId, RowId
from cadence.http.security import require_actor
from cadence.services import health_check as health
from cadence.services import retro as service
from cadence.services.access import Actor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["retrospectives"])


class RetroIn(BaseModel):
    format: str = Field("start_stop_continue", pattern=r"^(start_stop_continue|4ls|mad_sad_glad|custom)$")
    lanes: list[str] | None = Field(None, description="The lanes of a custom retro (2 to 6).", max_length=6)
    title: str | None = Field(None, max_length=200)
    anonymous: bool = Field(True, description="Cards keep no author (not even in the audit log).")
    votes_per_person: int = Field(service.DEFAULT_VOTES, ge=1, le=service.MAX_VOTES)
    health_check: bool = Field(False, description="Run the squad health check in this retro.")
    facilitator: str | None = Field(None, description="Username of a member who runs it (default: you).")


class StateIn(BaseModel):
    state: str = Field(description="The next state: grouping, voting, discussing or closed.", max_length=16)


class CardIn(BaseModel):
    lane: str = Field(max_length=64)
    text: str = Field(max_length=service.MAX_CARD)


class GroupIn(BaseModel):
    under: BigRowId | None = Field(description="The card to group this one under; null makes it stand alone.")


class CardUpdateIn(BaseModel):
    notes: str | None = Field(None, max_length=4000)
    discussed: bool | None = None


class ActionIn(BaseModel):
    title: str = Field(max_length=300)
    owner_person_id: RowId | None = None
    due_on: dt.date | None = None


class SettleIn(BaseModel):
    status: str = Field(pattern=r"^(done|open)$", description="done closes it; open keeps it (carried over).")


class HealthIn(BaseModel):
    answers: dict[str, Any] = Field(
        description='Per dimension a light (red, amber, green) or {"score": light, "trend": up|same|down}.'
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/{team}/retros", response_model=Page[dict[str, Any]])
def list_retros(
    request: Request, team: str, paging: Paging = Depends(), actor: Actor = Depends(require_actor)
) -> Page[dict[str, Any]]:
    """The team's retros, newest first; ``state`` is null for retros imported as records (no board)."""
    rows = [r.to_dict() for r in service.list_retros(request.app.state.db, actor, team)]
    return paginate(rows, paging)


@router.post("/{team}/retros", status_code=201)
def start(request: Request, team: str, body: RetroIn, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """Open a retro board, collecting cards (manager role)."""
    board = service.start_retro(request.app.state.db, actor, team, now=_now(), **body.model_dump())
    return board.to_dict()


@router.get("/{team}/retros/health-trend")
def trend(request: Request, team: str, actor: Actor = Depends(require_actor)) -> list[dict[str, Any]]:
    """Every revealed health check per dimension and retro, oldest first, with its change and trend."""
    return health.health_trends(request.app.state.db, actor, team)


@router.get("/{team}/retros/{retro_id}")
def show(request: Request, team: str, retro_id: RowId, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """The board as you may see it: no card text while collecting, vote totals from the discussion on."""
    return service.retro_board(request.app.state.db, actor, team, retro_id, now=_now()).to_dict()


@router.post("/{team}/retros/{retro_id}/state")
def move(
    request: Request, team: str, retro_id: RowId, body: StateIn, actor: Actor = Depends(require_actor)
) -> dict[str, Any]:
    """Move the retro to its next state (the facilitator). 409 when it is not the next one."""
    return service.advance_retro(request.app.state.db, actor, team, retro_id, to=body.state, now=_now()).to_dict()


@router.post("/{team}/retros/{retro_id}/cards", status_code=201)
def add_card(
    request: Request, team: str, retro_id: RowId, body: CardIn, actor: Actor = Depends(require_actor)
) -> dict[str, Any]:
    """Add a card while collecting (member role)."""
    board = service.add_card(request.app.state.db, actor, team, retro_id, lane=body.lane, text=body.text, now=_now())
    return board.to_dict()


@router.post("/{team}/retros/{retro_id}/cards/{card_id}/group")
def group(
    request: Request,
    team: str,
    retro_id: RowId,
    card_id: BigRowId,
    body: GroupIn,
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """Group a card under another while grouping (member role)."""
    db = request.app.state.db
    return service.group_card(db, actor, team, retro_id, card_id, under=body.under, now=_now()).to_dict()


@router.post("/{team}/retros/{retro_id}/cards/{card_id}/votes")
def vote(
    request: Request, team: str, retro_id: RowId, card_id: BigRowId, actor: Actor = Depends(require_actor)
) -> dict[str, Any]:
    """Put one dot on the card's group while voting (member role); 409 beyond your dots."""
    return service.vote_card(request.app.state.db, actor, team, retro_id, card_id, now=_now()).to_dict()


@router.delete("/{team}/retros/{retro_id}/cards/{card_id}/votes")
def unvote(
    request: Request, team: str, retro_id: RowId, card_id: BigRowId, actor: Actor = Depends(require_actor)
) -> dict[str, Any]:
    """Take one of your dots back from the card's group while voting (member role)."""
    return service.take_back_vote(request.app.state.db, actor, team, retro_id, card_id, now=_now()).to_dict()


@router.patch("/{team}/retros/{retro_id}/cards/{card_id}")
def update_card(
    request: Request, team: str, retro_id: RowId, card_id: BigRowId, body: CardUpdateIn,
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:  # fmt: skip
    """Discussion notes, or mark the card discussed (the facilitator, while discussing)."""
    board = service.update_card(request.app.state.db, actor, team, retro_id, card_id, notes=body.notes,
                                discussed=body.discussed, now=_now())  # fmt: skip
    return board.to_dict()


@router.post("/{team}/retros/{retro_id}/cards/{card_id}/actions", status_code=201)
def action(
    request: Request,
    team: str,
    retro_id: RowId,
    card_id: BigRowId,
    body: ActionIn,
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """Raise an action item from a card while discussing (member role)."""
    return service.action_from_card(
        request.app.state.db, actor, team, retro_id, card_id, title=body.title, now=_now(),
        owner_person_id=body.owner_person_id, due_on=body.due_on,
    )  # fmt: skip


@router.post("/{team}/retros/{retro_id}/previous-actions/{action_id}")
def settle(
    request: Request,
    team: str,
    retro_id: RowId,
    action_id: RowId,
    body: SettleIn,
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """Mark an open action of the previous retro done, or keep it open (member role)."""
    db = request.app.state.db
    return service.settle_previous_action(db, actor, team, retro_id, action_id, status=body.status,
                                          now=_now()).to_dict()  # fmt: skip


@router.get("/{team}/retros/{retro_id}/health")
def health_view(request: Request, team: str, retro_id: RowId, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """The health check: how many answered until the reveal, the lights per dimension after it."""
    return health.health_check(request.app.state.db, actor, team, retro_id).to_dict()


@router.post("/{team}/retros/{retro_id}/health")
def answer(
    request: Request, team: str, retro_id: RowId, body: HealthIn, actor: Actor = Depends(require_actor)
) -> dict[str, Any]:
    """Give your lights, once, before the reveal (member role); stored without your name."""
    db = request.app.state.db
    return health.answer_health_check(db, actor, team, retro_id, answers=body.answers, now=_now()).to_dict()


@router.post("/{team}/retros/{retro_id}/health/reveal")
def reveal(request: Request, team: str, retro_id: RowId, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """Show the health check's answers to everyone (the facilitator)."""
    return health.reveal_health(request.app.state.db, actor, team, retro_id, now=_now()).to_dict()
