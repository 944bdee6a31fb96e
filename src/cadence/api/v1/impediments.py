"""``/api/v1/teams/{team}/impediments``: the team's impediments, the detector's candidates, confirm and dismiss.

A route parses and calls one service function; ``services.impediments`` checks roles and writes the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.api.v1.ids import RowId
from cadence.http.security import require_actor
from cadence.services import impediments as svc
from cadence.services.access import Actor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["impediments"])


class ImpedimentOut(BaseModel):
    id: int
    title: str
    description: str | None
    item_key: str | None
    owner: str | None
    owner_id: int | None
    status: str
    """open | resolved | dismissed (a dismissed candidate)."""
    escalation_level: int
    """0 the team, 1 scrum master / manager, 2 management, 3 leadership."""
    escalation: str
    detected_by: str | None
    """The signal a confirmed candidate came from; null when raised by a person."""
    signal_key: str | None
    evidence: dict[str, Any] | None
    """The candidate's reason and numbers when it was confirmed."""
    check_in_id: int | None
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution_note: str | None
    age_days: float
    """Days open (until resolved, for a resolved one)."""


class CandidateOut(BaseModel):
    signal_key: str
    """``signal:item_id:since`` — the same while the episode lasts; confirmed or dismissed keys are not proposed."""
    item_id: int
    item_key: str
    stage: str
    signal: str
    reason: str
    value: float | None
    baseline: float | None
    threshold: float | None
    sample: int | None
    unit: str
    detail: str | None
    detected_since: dt.datetime | None
    has_open_impediment: bool
    """The item already has an open impediment (raised by hand or confirmed from another signal)."""


class MetricsOut(BaseModel):
    open: int
    age_median_days: float | None
    age_max_days: float | None
    resolved: int
    """Resolved in the window."""
    resolve_median_days: float | None
    resolve_p85_days: float | None
    window_days: int


class ImpedimentIn(BaseModel):
    title: str = Field(max_length=300)
    description: str | None = Field(None, max_length=10_000)
    item_key: str | None = Field(None, max_length=64, description="The team's item it blocks, e.g. OPS-12.")
    owner_person_id: RowId | None = Field(None, description="A member of the team.")
    escalation_level: int = Field(0, ge=0, le=3)


class ImpedimentUpdate(BaseModel):
    owner_person_id: RowId | None = Field(None, description="Set (or, with null, clear) the owner; omit to keep.")
    escalation: Literal["escalate", "de-escalate"] | None = Field(None, description="One level up or down (manager).")
    resolve: bool = False
    resolution_note: str | None = Field(None, max_length=10_000, description="Required to resolve.")


class ConfirmIn(BaseModel):
    title: str | None = Field(None, max_length=300, description="Defaults to 'KEY: reason'.")
    owner_person_id: RowId | None = None
    escalation_level: int = Field(0, ge=0, le=3)


class DismissIn(BaseModel):
    note: str | None = Field(None, max_length=10_000, description="Why it is not an impediment.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/{team}/impediments", response_model=Page[ImpedimentOut])
def list_impediments(
    request: Request,
    team: str,
    status: str = Query("open", pattern=r"^(open|resolved|dismissed|all)$"),
    paging: Paging = Depends(),
    actor: Actor = Depends(require_actor),
) -> Page[ImpedimentOut]:
    """The team's impediments of a status, oldest first (viewer role)."""
    rows = svc.list_impediments(request.app.state.db, actor, team, now=_now(), status=status)
    return paginate([ImpedimentOut.model_validate(r) for r in rows], paging)


@router.post("/{team}/impediments", response_model=ImpedimentOut, status_code=201)
def raise_impediment(
    request: Request, team: str, body: ImpedimentIn, actor: Actor = Depends(require_actor)
) -> ImpedimentOut:
    """Raise an impediment (member role)."""
    row = svc.open_impediment(
        request.app.state.db, actor, team, title=body.title, now=_now(), description=body.description,
        item_key=body.item_key, owner_person_id=body.owner_person_id, escalation_level=body.escalation_level,
    )  # fmt: skip
    return ImpedimentOut.model_validate(row)


@router.get("/{team}/impediments/metrics", response_model=MetricsOut)
def metrics(
    request: Request,
    team: str,
    window_days: int = Query(84, ge=1, le=3660),
    actor: Actor = Depends(require_actor),
) -> MetricsOut:
    """Open count, age (median, max) and time to resolve (median, P85) over the window (viewer role)."""
    found = svc.impediment_metrics(request.app.state.db, actor, team, now=_now(), window_days=window_days)
    return MetricsOut.model_validate(found)


@router.get("/{team}/impediments/candidates", response_model=Page[CandidateOut])
def candidates(
    request: Request, team: str, paging: Paging = Depends(), actor: Actor = Depends(require_actor)
) -> Page[CandidateOut]:
    """Items that look stuck, with the reason, not yet confirmed or dismissed (viewer role)."""
    state = request.app.state
    rows = svc.impediment_candidates(state.db, state.workspace_config, actor, team, now=_now())
    return paginate([CandidateOut.model_validate(r) for r in rows], paging)


@router.post("/{team}/impediments/candidates/{signal_key}/confirm", response_model=ImpedimentOut, status_code=201)
def confirm(
    request: Request, team: str, signal_key: str, body: ConfirmIn | None = None, actor: Actor = Depends(require_actor)
) -> ImpedimentOut:
    """Confirm a candidate as an impediment (manager role); 404 once it is decided or no longer holds."""
    body = body or ConfirmIn()
    state = request.app.state
    row = svc.confirm_candidate(
        state.db, state.workspace_config, actor, team, signal_key, now=_now(), title=body.title,
        owner_person_id=body.owner_person_id, escalation_level=body.escalation_level,
    )  # fmt: skip
    return ImpedimentOut.model_validate(row)


@router.post("/{team}/impediments/candidates/{signal_key}/dismiss", response_model=ImpedimentOut)
def dismiss(
    request: Request, team: str, signal_key: str, body: DismissIn | None = None, actor: Actor = Depends(require_actor)
) -> ImpedimentOut:
    """Dismiss a candidate (manager role): it is not proposed again."""
    state = request.app.state
    row = svc.dismiss_candidate(
        state.db, state.workspace_config, actor, team, signal_key, now=_now(), note=(body or DismissIn()).note
    )
    return ImpedimentOut.model_validate(row)


@router.post("/{team}/impediments/{impediment_id}", response_model=ImpedimentOut)
def update(
    request: Request, team: str, impediment_id: RowId, body: ImpedimentUpdate, actor: Actor = Depends(require_actor)
) -> ImpedimentOut:
    """Change an open impediment: owner (member), escalation (manager), resolve with a note (member)."""
    step = {"escalate": 1, "de-escalate": -1, None: 0}[body.escalation]
    owner = {"owner_person_id": body.owner_person_id} if "owner_person_id" in body.model_fields_set else {}
    row = svc.update_impediment(
        request.app.state.db, actor, team, impediment_id, now=_now(), escalate=step, resolve=body.resolve,
        resolution_note=body.resolution_note, **owner,
    )  # fmt: skip
    return ImpedimentOut.model_validate(row)
