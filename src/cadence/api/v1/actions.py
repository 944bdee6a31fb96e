"""``/api/v1/teams/{team}/actions``: action items — list (open, overdue, done, dropped or all), create, update.

A route parses and calls one service function; ``services.action_items`` decides who may act (members for
changes, viewers and above for reads) and audits every change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.api.v1.ids import RowId
from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.action_items import UNSET, action_board, create_action, update_action

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["actions"])


class MeetingOut(BaseModel):
    id: int
    kind: str | None
    title: str | None


class MetricCheckOut(BaseModel):
    baseline: float | None
    current: float | None
    change: float | None
    """Current minus baseline."""
    better: str | None
    """lower | higher: which way is better for this metric (null: unknown)."""
    improved: bool | None
    due: bool
    """The check date has come."""


class ActionOut(BaseModel):
    id: int
    team: str
    title: str
    description: str | None
    owner: str | None
    owner_person_id: int | None
    owner_email: str | None
    due_on: dt.date | None
    status: str
    """open | done | dropped."""
    overdue: bool
    days_overdue: int
    origin: str
    """retro | standup | planning | impediment | risk | manual."""
    meeting_id: int | None
    meeting: MeetingOut | None
    created_at: dt.datetime
    age_days: int
    carried_over: int
    """Meetings of the team held since the action was created: how often it has been carried over."""
    done_at: dt.datetime | None
    metric: str | None
    metric_baseline: float | None
    check_on: dt.date | None
    last_nudged_at: dt.datetime | None
    metric_check: MetricCheckOut | None = None


class CompletionOut(BaseModel):
    start: dt.date
    end: dt.date
    due: int
    done_on_time: int
    rate: float | None


class ActionPage(Page[ActionOut]):
    completion: CompletionOut
    """The completion rate over the last twelve weeks (see docs/metrics.md)."""


class ActionIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(None, max_length=4000)
    owner_person_id: RowId | None = Field(None, description="A member of the team (its person id).")
    due_on: dt.date | None = None
    meeting_id: RowId | None = Field(None, description="The meeting that raised it.")
    origin: str = Field("manual", pattern=r"^(retro|standup|planning|impediment|risk|manual)$")
    metric: str | None = Field(None, max_length=64, description="A metric key the action should move.")
    check_after_weeks: int | None = Field(None, ge=1, le=52)
    check_on: dt.date | None = None


class ActionPatch(BaseModel):
    status: str | None = Field(None, pattern=r"^(open|done|dropped)$")
    owner_person_id: RowId | None = None
    due_on: dt.date | None = None
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=4000)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.get("/{team}/actions", response_model=ActionPage)
def list_actions(
    request: Request,
    team: str,
    status: str = Query("open", pattern=r"^(open|overdue|done|dropped|all)$"),
    paging: Paging = Depends(),
    actor: Actor = Depends(require_actor),
) -> ActionPage:
    """The team's actions (default: open, oldest first; ``overdue``, ``done``, ``dropped`` or ``all``), with each
    metric-linked action's before/after check and the team's completion rate."""
    board = action_board(
        request.app.state.db, actor, team, now=_now(), config=request.app.state.workspace_config
    )  # fmt: skip
    rows: list[Any] = (
        board["open"] + board["done"] + board["dropped"] if status == "all" else board[status]
    )  # fmt: skip
    page = paginate([ActionOut.model_validate(row) for row in rows], paging)
    return ActionPage(data=page.data, page=page.page, completion=CompletionOut.model_validate(board["completion"]))


@router.post("/{team}/actions", response_model=ActionOut, status_code=201)
def create(request: Request, team: str, body: ActionIn, actor: Actor = Depends(require_actor)) -> ActionOut:
    """Record an action (member role). With ``metric``, its current value is kept as the baseline."""
    made = create_action(
        request.app.state.db, actor, team, title=body.title, now=_now(), owner_person_id=body.owner_person_id,
        due_on=body.due_on, meeting_id=body.meeting_id, origin=body.origin, description=body.description,
        metric=body.metric, check_on=body.check_on, check_after_weeks=body.check_after_weeks,
        config=request.app.state.workspace_config,
    )  # fmt: skip
    return ActionOut.model_validate(made)


@router.patch("/{team}/actions/{action_id}", response_model=ActionOut)
def update(
    request: Request, team: str, action_id: RowId, body: ActionPatch, actor: Actor = Depends(require_actor)
) -> ActionOut:
    """Change the status, owner, due date, title or description (member role); a field sent as null is cleared,
    a field left out is kept."""
    sent = body.model_fields_set
    updated = update_action(
        request.app.state.db, actor, team, action_id, now=_now(), status=body.status,
        owner_person_id=body.owner_person_id if "owner_person_id" in sent else UNSET,
        due_on=body.due_on if "due_on" in sent else UNSET, title=body.title,
        description=body.description if "description" in sent else UNSET,
    )  # fmt: skip
    return ActionOut.model_validate(updated)
