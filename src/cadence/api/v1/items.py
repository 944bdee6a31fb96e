"""``/api/v1/teams/{team}/items/{item_key}``: one work item with its whole history, as the item page shows it."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.item_timeline import item_timeline

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["items"])


class ItemEventOut(BaseModel):
    at: dt.datetime
    kind: str
    """status | sprint | estimate | assignee | flag"""
    before: str | None
    after: str | None
    by: str | None


class ItemOut(BaseModel):
    team: str
    key: str
    type: str
    title: str
    status: str
    estimate: float | None
    assignee: str | None
    priority: str | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    flagged: bool
    events: list[ItemEventOut]
    """Every change, oldest first."""


@router.get("/{team}/items/{item_key}", response_model=ItemOut)
def item(request: Request, team: str, item_key: str, actor: Actor = Depends(require_actor)) -> ItemOut:
    """The item and every status, sprint, estimate, assignee and flag change, oldest first (viewers and above)."""
    found = item_timeline(request.app.state.db, actor, team, item_key)
    record = found.item
    return ItemOut(
        team=found.team.key,
        key=record.key,
        type=record.type,
        title=record.title,
        status=record.status,
        estimate=record.estimate,
        assignee=record.assignee,
        priority=record.priority,
        created_at=record.created_at,
        resolved_at=record.resolved_at,
        flagged=record.flagged,
        events=[ItemEventOut(at=e.at, kind=e.kind, before=e.before, after=e.after, by=e.by) for e in found.events],
    )
