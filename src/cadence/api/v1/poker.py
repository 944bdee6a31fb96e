"""``/api/v1/teams/{team}/poker``: planning poker sessions. Votes stay hidden until the facilitator reveals them.

A route parses and calls one service function; ``services.poker`` decides what the caller may see.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from cadence.api.v1.ids import RowId
from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.poker import PokerView, cast_vote, poker_session, reveal_votes, save_final, start_session

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["poker"])


class ItemOut(BaseModel):
    key: str
    title: str
    estimate: float | None


class VoteOut(BaseModel):
    voter: str
    name: str
    value: str | None
    """Null until the reveal: only who has voted is shown."""


class SimilarOut(BaseModel):
    key: str
    title: str
    points: float
    similarity: float


class SuggestionOut(BaseModel):
    points: float
    confidence: float
    similar: list[SimilarOut]


class SpreadOut(BaseModel):
    low: str
    high: str
    steps: int
    wide: bool
    """More than two deck positions between the lowest and highest card."""


class SessionOut(BaseModel):
    id: int
    team: str
    item: ItemOut
    deck_name: str
    deck: list[str]
    state: str
    """open | revealed | closed."""
    votes: list[VoteOut]
    your_vote: str | None
    can_vote: bool
    can_facilitate: bool
    final_value: float | None
    spread: SpreadOut | None
    """After the reveal."""
    suggestion: SuggestionOut | None
    """The story-point suggester's value after the reveal (null when the team has no estimated item)."""


class FinalOut(SessionOut):
    jira: str | None
    """``written to <field id>`` or ``failed`` when the item came from Jira; null otherwise."""
    jira_error: str | None
    """Why Jira refused the value (the Cadence estimate is saved regardless)."""


class SessionIn(BaseModel):
    item: str = Field(description="The key of the team's item to estimate, e.g. OPS-12.", max_length=64)
    deck: str = Field("fibonacci", pattern=r"^(fibonacci|tshirt|custom)$")
    cards: list[str] | None = Field(None, description="The cards of a custom deck.", max_length=20)


class VoteIn(BaseModel):
    value: str = Field(description="A card of the session's deck.", max_length=16)


class FinalIn(BaseModel):
    value: str = Field(description="Story points, or a T-shirt card of the deck.", max_length=16)


def _out(view: PokerView) -> SessionOut:
    return SessionOut.model_validate(view.to_dict())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.post("/{team}/poker", response_model=SessionOut, status_code=201)
def start(request: Request, team: str, body: SessionIn, actor: Actor = Depends(require_actor)) -> SessionOut:
    """Open a session on one of the team's items (manager role)."""
    view = start_session(
        request.app.state.db, actor, team, item_key=body.item, deck=body.deck, custom=body.cards, now=_now()
    )
    return _out(view)


@router.get("/{team}/poker/{session_id}", response_model=SessionOut)
def show(request: Request, team: str, session_id: RowId, actor: Actor = Depends(require_actor)) -> SessionOut:
    """The session: who has voted (values only after the reveal), then the spread and the suggestion."""
    return _out(poker_session(request.app.state.db, actor, team, session_id))


@router.post("/{team}/poker/{session_id}/votes", response_model=SessionOut)
def vote(
    request: Request, team: str, session_id: RowId, body: VoteIn, actor: Actor = Depends(require_actor)
) -> SessionOut:
    """Vote a card (member role); voting again replaces your card. 409 once the votes are revealed."""
    return _out(cast_vote(request.app.state.db, actor, team, session_id, value=body.value, now=_now()))


@router.post("/{team}/poker/{session_id}/reveal", response_model=SessionOut)
def reveal(request: Request, team: str, session_id: RowId, actor: Actor = Depends(require_actor)) -> SessionOut:
    """Show every vote at once (manager role)."""
    return _out(reveal_votes(request.app.state.db, actor, team, session_id, now=_now()))


@router.post("/{team}/poker/{session_id}/final", response_model=FinalOut)
def final(
    request: Request, team: str, session_id: RowId, body: FinalIn, actor: Actor = Depends(require_actor)
) -> FinalOut:
    """Save the final value as the item's estimate and close the session (manager role); written back to Jira
    when the item came from a Jira source of the team."""
    secret = request.app.state.settings.encryption_key
    outcome = save_final(
        request.app.state.db, actor, team, session_id, value=body.value, now=_now(),
        credentials_key=None if secret is None else secret.get_secret_value(),
    )  # fmt: skip
    return FinalOut.model_validate({**outcome.view.to_dict(), "jira": outcome.jira, "jira_error": outcome.jira_error})
