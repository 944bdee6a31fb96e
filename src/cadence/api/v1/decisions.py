"""``/api/v1/teams/{team}/decisions`` and ``/agreements``: the team's decision log and working agreements."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.api.v1.ids import RowId
from cadence.http.security import require_actor
from cadence.services import decisions as svc
from cadence.services.access import Actor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["decisions"])


class DecisionOut(BaseModel):
    id: int
    title: str
    decision: str
    options: list[str]
    """The options considered."""
    decided_by: str | None
    decided_on: dt.date
    item_keys: list[str]
    meeting_id: int | None
    meeting: str | None
    """The meeting's title."""
    created_at: dt.datetime


class DecisionIn(BaseModel):
    title: str = Field(max_length=300)
    decision: str = Field(max_length=10_000, description="What was decided.")
    options: list[str] = Field(default_factory=list, max_length=20, description="The options considered.")
    decided_by: str | None = Field(None, max_length=200, description="Defaults to your name.")
    decided_on: dt.date | None = Field(None, description="Defaults to today (UTC).")
    item_keys: list[str] = Field(default_factory=list, max_length=50, description="The team's items it touches.")
    meeting_id: RowId | None = None


class AgreementOut(BaseModel):
    id: int
    text: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
    active: bool


class AgreementIn(BaseModel):
    text: str = Field(max_length=1_000)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/{team}/decisions", response_model=Page[DecisionOut])
def decisions(
    request: Request, team: str, paging: Paging = Depends(), actor: Actor = Depends(require_actor)
) -> Page[DecisionOut]:
    """The decision log, newest first (viewer role)."""
    rows = svc.list_decisions(request.app.state.db, actor, team)
    return paginate([DecisionOut.model_validate(r) for r in rows], paging)


@router.post("/{team}/decisions", response_model=DecisionOut, status_code=201)
def record(request: Request, team: str, body: DecisionIn, actor: Actor = Depends(require_actor)) -> DecisionOut:
    """Log a decision (member role)."""
    row = svc.record_decision(
        request.app.state.db, actor, team, title=body.title, decision=body.decision, now=_now(),
        options=body.options, decided_by=body.decided_by, decided_on=body.decided_on, item_keys=body.item_keys,
        meeting_id=body.meeting_id,
    )  # fmt: skip
    return DecisionOut.model_validate(row)


@router.get("/{team}/agreements", response_model=Page[AgreementOut])
def agreements(
    request: Request, team: str, paging: Paging = Depends(), actor: Actor = Depends(require_actor)
) -> Page[AgreementOut]:
    """Working agreements: those in force first, then the retired ones (viewer role)."""
    rows = svc.list_agreements(request.app.state.db, actor, team)
    return paginate([AgreementOut.model_validate(r) for r in rows], paging)


@router.post("/{team}/agreements", response_model=AgreementOut, status_code=201)
def add(request: Request, team: str, body: AgreementIn, actor: Actor = Depends(require_actor)) -> AgreementOut:
    """Add a working agreement (member role)."""
    return AgreementOut.model_validate(svc.add_agreement(request.app.state.db, actor, team, text=body.text, now=_now()))


@router.post("/{team}/agreements/{agreement_id}/retire", response_model=AgreementOut)
def retire(request: Request, team: str, agreement_id: RowId, actor: Actor = Depends(require_actor)) -> AgreementOut:
    """Retire a working agreement (member role); it stays listed as retired. 409 when retired already."""
    row = svc.retire_agreement(request.app.state.db, actor, team, agreement_id, now=_now())
    return AgreementOut.model_validate(row)
