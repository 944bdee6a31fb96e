"""``/api/v1/teams/{team}/risks``: the risk register, score history, mitigations, and proposals from data signals.

A route parses and calls one service function; ``services.risks`` checks roles and writes the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.api.v1.ids import RowId
from cadence.http.security import require_actor
from cadence.services import risks as svc
from cadence.services.access import Actor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["risks"])

Roam = Literal["resolved", "owned", "accepted", "mitigated"]


class ScoreOut(BaseModel):
    probability: int
    impact: int
    score: int
    at: dt.datetime
    by: str | None
    """The scorer's username."""
    note: str | None


class MitigationOut(BaseModel):
    id: int
    """The action item's id (``/api/v1/teams/{team}/actions/{id}``)."""
    title: str
    status: str
    owner: str | None
    due_on: dt.date | None


class ForecastOut(BaseModel):
    kind: str
    """``epic`` or ``version``: the scope the risk threatens."""
    value: str
    remaining: int | None = None
    p50: dt.date | None = None
    p85: dt.date | None = None
    """The date by which the scope's remaining items are delivered in 85 % of the simulated futures."""
    finishes: bool | None = None
    error: str | None = None
    """Why there is no forecast (e.g. the scope has no items)."""


class RiskOut(BaseModel):
    id: int
    title: str
    description: str | None
    probability: int
    impact: int
    score: int
    """probability x impact, 1..25."""
    band: str
    """low (1-4), medium (5-9), high (10-14), severe (15-25)."""
    roam: str | None
    status: str
    """open | closed | dismissed (a rejected proposal)."""
    owner: str | None
    owner_person_id: int | None
    review_on: dt.date | None
    epic_key: str | None
    fix_version: str | None
    signal_key: str | None
    evidence: dict[str, Any] | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    last_scored_at: dt.datetime | None
    stale: bool
    stale_reasons: list[str]
    mitigations: list[MitigationOut]
    history: list[ScoreOut]


class RiskDetailOut(RiskOut):
    forecast: ForecastOut | None
    """The forecast of the epic or fix version the risk threatens; null when it names none."""


class ProposalOut(BaseModel):
    signal_key: str
    rule: str | None
    title: str | None
    reason: str | None
    evidence: dict[str, Any] | None
    probability: int
    impact: int


class RiskIn(BaseModel):
    title: str = Field(max_length=300)
    probability: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    description: str | None = Field(None, max_length=4000)
    owner_person_id: RowId | None = Field(None, description="A member of the team.")
    review_on: dt.date | None = None
    roam: Roam | None = None
    epic_key: str | None = Field(None, max_length=64)
    fix_version: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=4000, description="Why this score (the first history row).")


class RiskUpdate(BaseModel):
    """Only the fields sent change; null clears an optional one. ``status`` closes or reopens the risk."""

    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=4000)
    owner_person_id: RowId | None = None
    review_on: dt.date | None = None
    roam: Roam | None = None
    epic_key: str | None = Field(None, max_length=64)
    fix_version: str | None = Field(None, max_length=200)
    status: Literal["open", "closed"] | None = None


class ScoreIn(BaseModel):
    probability: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    note: str | None = Field(None, max_length=4000)


class MitigationIn(BaseModel):
    title: str = Field(max_length=300)
    owner_person_id: RowId | None = None
    due_on: dt.date | None = None


class DecisionIn(BaseModel):
    note: str | None = Field(None, max_length=4000)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/{team}/risks", response_model=Page[RiskOut])
def list_risks(
    request: Request,
    team: str,
    status: str = Query("all", pattern=r"^(open|closed|stale|all)$"),
    paging: Paging = Depends(),
    actor: Actor = Depends(require_actor),
) -> Page[RiskOut]:
    """The register, highest score first (viewer role): ``all`` open and closed, or only ``open``, ``closed`` or
    ``stale`` (the review list)."""
    state = request.app.state
    register = svc.risk_register(state.db, state.workspace_config, actor, team, now=_now(), proposals=False)
    rows = register.stale if status == "stale" else [r for r in register.risks if status in ("all", r["status"])]
    return paginate([RiskOut.model_validate(r) for r in rows], paging)


@router.post("/{team}/risks", response_model=RiskOut, status_code=201)
def create_risk(request: Request, team: str, body: RiskIn, actor: Actor = Depends(require_actor)) -> RiskOut:
    """Record a risk and its first score (member role)."""
    state = request.app.state
    row = svc.create_risk(state.db, state.workspace_config, actor, team, now=_now(), **body.model_dump())
    return RiskOut.model_validate(row)


@router.get("/{team}/risks/proposed", response_model=Page[ProposalOut])
def proposed(
    request: Request, team: str, paging: Paging = Depends(), actor: Actor = Depends(require_actor)
) -> Page[ProposalOut]:
    """Risks the team's data suggests, with their evidence, neither accepted nor dismissed yet (viewer role)."""
    state = request.app.state
    rows = svc.proposed_risks(state.db, state.workspace_config, actor, team, now=_now())
    return paginate([ProposalOut.model_validate(r) for r in rows], paging)


@router.post("/{team}/risks/proposed/{signal_key}/accept", response_model=RiskOut, status_code=201)
def accept(
    request: Request, team: str, signal_key: str, body: DecisionIn | None = None, actor: Actor = Depends(require_actor)
) -> RiskOut:
    """Accept a proposal as a risk with its evidence and suggested score (manager role); the same call again returns
    the same risk; 409 when it was dismissed."""
    state = request.app.state
    note = (body or DecisionIn()).note
    row = svc.accept_proposal(state.db, state.workspace_config, actor, team, signal_key, now=_now(), note=note)
    return RiskOut.model_validate(row)


@router.post("/{team}/risks/proposed/{signal_key}/dismiss", response_model=RiskOut)
def dismiss(
    request: Request, team: str, signal_key: str, body: DecisionIn | None = None, actor: Actor = Depends(require_actor)
) -> RiskOut:
    """Dismiss a proposal (manager role): it is not proposed again; 409 when it was accepted."""
    state = request.app.state
    note = (body or DecisionIn()).note
    row = svc.dismiss_proposal(state.db, state.workspace_config, actor, team, signal_key, now=_now(), note=note)
    return RiskOut.model_validate(row)


@router.get("/{team}/risks/{risk_id}", response_model=RiskDetailOut)
def detail(request: Request, team: str, risk_id: RowId, actor: Actor = Depends(require_actor)) -> RiskDetailOut:
    """One risk with its history, mitigations and the forecast of the scope it threatens (viewer role)."""
    state = request.app.state
    return RiskDetailOut.model_validate(
        svc.risk_detail(state.db, state.workspace_config, actor, team, risk_id, now=_now())
    )


@router.patch("/{team}/risks/{risk_id}", response_model=RiskOut)
def update(
    request: Request, team: str, risk_id: RowId, body: RiskUpdate, actor: Actor = Depends(require_actor)
) -> RiskOut:
    """Change a risk's fields, close or reopen it (member role)."""
    state = request.app.state
    sent = {name: getattr(body, name) for name in body.model_fields_set}
    row = svc.update_risk(state.db, state.workspace_config, actor, team, risk_id, now=_now(), **sent)
    return RiskOut.model_validate(row)


@router.post("/{team}/risks/{risk_id}/score", response_model=RiskOut)
def score(request: Request, team: str, risk_id: RowId, body: ScoreIn, actor: Actor = Depends(require_actor)) -> RiskOut:
    """Re-score an open risk; a history row with who, when and the note (member role)."""
    state = request.app.state
    row = svc.rescore_risk(
        state.db, state.workspace_config, actor, team, risk_id, probability=body.probability, impact=body.impact,
        now=_now(), note=body.note,
    )  # fmt: skip
    return RiskOut.model_validate(row)


@router.post("/{team}/risks/{risk_id}/mitigations", response_model=RiskOut, status_code=201)
def mitigate(
    request: Request, team: str, risk_id: RowId, body: MitigationIn, actor: Actor = Depends(require_actor)
) -> RiskOut:
    """Add an action item that mitigates the risk (member role)."""
    state = request.app.state
    row = svc.add_mitigation(
        state.db, state.workspace_config, actor, team, risk_id, title=body.title, now=_now(),
        owner_person_id=body.owner_person_id, due_on=body.due_on,
    )  # fmt: skip
    return RiskOut.model_validate(row)
