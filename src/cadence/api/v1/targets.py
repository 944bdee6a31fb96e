"""``/api/v1/teams/{team}/targets``: a team's metric targets with their current status; managers change them."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.dashboard import team_dashboard
from cadence.services.targets import TargetStatus, create_target, remove_target, update_target

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["targets"])


class TrendPoint(BaseModel):
    end: str
    """Last day of the 4-week window."""
    value: float | None


class TargetOut(BaseModel):
    metric: str
    comparator: str
    threshold: float
    value: float | None
    """The metric over the last twelve weeks."""
    status: str
    """on track | at risk | off track | no data (rule in docs/web.md)."""
    trend: list[TrendPoint]


class TargetIn(BaseModel):
    metric: str = Field(description="Dotted path into the metrics result, e.g. cycle_time.p85.", max_length=100)
    comparator: str = Field(pattern=r"^(<=|>=)$")
    threshold: float


class TargetChange(BaseModel):
    comparator: str = Field(pattern=r"^(<=|>=)$")
    threshold: float


def _out(status: TargetStatus) -> TargetOut:
    return TargetOut.model_validate(status.to_dict())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _status_of(request: Request, actor: Actor, team: str, metric: str) -> TargetOut:
    board = team_dashboard(request.app.state.db, request.app.state.workspace_config, actor, team, now=_now())
    return next(_out(t) for t in board.targets if t.metric == metric)


@router.get("/{team}/targets", response_model=Page[TargetOut])
def list_targets(
    request: Request, team: str, paging: Paging = Depends(), actor: Actor = Depends(require_actor)
) -> Page[TargetOut]:
    """The team's targets, ordered by metric, each with its current value, trend and status."""
    board = team_dashboard(request.app.state.db, request.app.state.workspace_config, actor, team, now=_now())
    return paginate([_out(t) for t in board.targets], paging)


@router.post("/{team}/targets", response_model=TargetOut, status_code=201)
def add_target(request: Request, team: str, body: TargetIn, actor: Actor = Depends(require_actor)) -> TargetOut:
    """Set a target on a metric (manager role); 409 if the metric already has one, 422 if the path is unknown."""
    create_target(
        request.app.state.db, request.app.state.workspace_config, actor, team,
        metric=body.metric, comparator=body.comparator, threshold=body.threshold, now=_now(),
    )  # fmt: skip
    return _status_of(request, actor, team, body.metric)


@router.put("/{team}/targets/{metric}", response_model=TargetOut)
def change_target(
    request: Request, team: str, metric: str, body: TargetChange, actor: Actor = Depends(require_actor)
) -> TargetOut:
    """Change a target's comparator and threshold (manager role)."""
    update_target(
        request.app.state.db, actor, team, metric=metric, comparator=body.comparator, threshold=body.threshold,
        now=_now(),
    )  # fmt: skip
    return _status_of(request, actor, team, metric)


@router.delete("/{team}/targets/{metric}", status_code=204)
def delete_target(request: Request, team: str, metric: str, actor: Actor = Depends(require_actor)) -> Response:
    """Remove a target (manager role)."""
    remove_target(request.app.state.db, actor, team, metric=metric, now=_now())
    return Response(status_code=204)
