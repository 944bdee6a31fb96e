"""``/api/v1/teams/{team}/sprint-plans`` and ``/time-off``: sprint planning and the availability it is built on.

A route parses and calls one service function; ``services.sprint_planning`` and ``services.time_off`` decide who may
see or change what. A committed plan answers 409 to any change. Keys of a plan are documented in docs/planning.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.api.v1.ids import RowId
from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.sprint_planning import commit_plan, create_plan, list_plans, sprint_plan, update_plan
from cadence.services.time_off import add_time_off, delete_time_off, list_time_off, set_member_availability

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["planning"])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PlanIn(BaseModel):
    start: dt.date | None = Field(None, description="First day of the sprint (default: the next sprint's).")
    end: dt.date | None = Field(None, description="Last day of the sprint, included.")
    name: str | None = Field(None, max_length=200)
    goal: str | None = Field(None, max_length=2000)
    items: list[str] | None = Field(
        None, description="Item keys in the order chosen; omitted = the backlog top up to the P85 line.", max_length=500
    )


class PlanPatch(BaseModel):
    name: str | None = Field(None, max_length=200)
    goal: str | None = Field(None, max_length=2000, description="The sprint goal; null clears it.")
    start: dt.date | None = None
    end: dt.date | None = None
    items: list[str] | None = Field(None, description="The whole selection, in order.", max_length=500)


class PlanSummary(BaseModel):
    id: int
    team: str
    name: str
    goal: str | None
    state: str
    """draft | committed."""
    start: str
    end: str
    sprint_id: int | None
    created_at: str | None
    committed_at: str | None
    committed_by: str | None
    items: int


class TimeOffIn(BaseModel):
    start_on: dt.date
    end_on: dt.date = Field(description="Included.")
    person_id: RowId | None = Field(None, description="Whose time off (default: yours; others' need manager).")
    day_fraction: float = Field(1.0, gt=0, le=1, description="1 for whole days, 0.5 for half days.")
    note: str | None = Field(None, max_length=200)


class AvailabilityIn(BaseModel):
    part_time: float = Field(ge=0, le=1, description="Share of a full-time week given to the team; 0 leaves them out.")
    focus_factor: float | None = Field(None, gt=0, le=1, description="Their own focus factor; null = the team's.")


class AvailabilityOut(BaseModel):
    person_id: int
    name: str
    part_time: float
    focus_factor: float | None


class TimeOffOut(BaseModel):
    id: int
    person_id: int
    name: str
    start_on: str
    end_on: str
    day_fraction: float
    note: str | None


@router.get("/{team}/sprint-plans", response_model=Page[PlanSummary])
def plans(
    request: Request, team: str, paging: Paging = Depends(), actor: Actor = Depends(require_actor)
) -> Page[PlanSummary]:
    """The team's sprint plans, latest sprint first (member role)."""
    rows = [PlanSummary.model_validate(p) for p in list_plans(request.app.state.db, actor, team)]
    return paginate(rows, paging)


@router.post("/{team}/sprint-plans", status_code=201)
def create(request: Request, team: str, body: PlanIn, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """Start a draft plan (manager role): capacity, backlog with readiness, forecast, cut lines and selection."""
    return create_plan(
        request.app.state.db, request.app.state.workspace_config, actor, team, now=_now(), start=body.start,
        end=body.end, name=body.name, goal=body.goal, items=body.items,
    )  # fmt: skip


@router.get("/{team}/sprint-plans/{plan_id}")
def show(request: Request, team: str, plan_id: RowId, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """A plan (member role): a draft computed now, a committed plan exactly as frozen."""
    return sprint_plan(request.app.state.db, request.app.state.workspace_config, actor, team, plan_id, now=_now())


@router.patch("/{team}/sprint-plans/{plan_id}")
def change(
    request: Request, team: str, plan_id: RowId, body: PlanPatch, actor: Actor = Depends(require_actor)
) -> dict[str, Any]:
    """Change a draft's name, goal, dates or selection (manager role); 409 once committed."""
    fields = body.model_dump(exclude_unset=True)
    extra: dict[str, Any] = {"goal": fields["goal"]} if "goal" in fields else {}
    return update_plan(
        request.app.state.db, request.app.state.workspace_config, actor, team, plan_id, now=_now(),
        name=body.name, start=body.start, end=body.end, items=body.items, **extra,
    )  # fmt: skip


@router.post("/{team}/sprint-plans/{plan_id}/commit")
def commit(request: Request, team: str, plan_id: RowId, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """Commit the plan (manager role): a frozen snapshot of capacity, forecast and items; 409 when already done."""
    return commit_plan(request.app.state.db, request.app.state.workspace_config, actor, team, plan_id, now=_now())


@router.get("/{team}/time-off", response_model=Page[TimeOffOut])
def time_off(
    request: Request,
    team: str,
    start: dt.date | None = Query(None, description="Only entries ending on or after this day."),
    end: dt.date | None = Query(None, description="Only entries starting on or before this day."),
    paging: Paging = Depends(),
    actor: Actor = Depends(require_actor),
) -> Page[TimeOffOut]:
    """The team's time off (member role)."""
    rows = list_time_off(request.app.state.db, actor, team, start=start, end=end)
    return paginate([TimeOffOut.model_validate(r) for r in rows], paging)


@router.post("/{team}/time-off", response_model=TimeOffOut, status_code=201)
def enter_time_off(request: Request, team: str, body: TimeOffIn, actor: Actor = Depends(require_actor)) -> TimeOffOut:
    """Enter time off: your own (member role) or a team member's (manager role)."""
    entry = add_time_off(
        request.app.state.db, actor, team, start_on=body.start_on, end_on=body.end_on, now=_now(),
        person_id=body.person_id, day_fraction=body.day_fraction, note=body.note,
    )  # fmt: skip
    return TimeOffOut.model_validate(entry)


@router.delete("/{team}/time-off/{entry_id}", status_code=204)
def remove_time_off(request: Request, team: str, entry_id: RowId, actor: Actor = Depends(require_actor)) -> Response:
    """Remove time off: your own (member role) or anyone's in the team (manager role)."""
    delete_time_off(request.app.state.db, actor, team, entry_id, now=_now())
    return Response(status_code=204)


@router.put("/{team}/members/{person_id}/availability", response_model=AvailabilityOut)
def availability(
    request: Request, team: str, person_id: RowId, body: AvailabilityIn, actor: Actor = Depends(require_actor)
) -> AvailabilityOut:
    """Set a member's part-time share and own focus factor (manager role); they shape sprint capacity."""
    result = set_member_availability(
        request.app.state.db, actor, team, person_id=person_id, part_time=body.part_time,
        focus_factor=body.focus_factor, now=_now(),
    )  # fmt: skip
    return AvailabilityOut.model_validate(result)
