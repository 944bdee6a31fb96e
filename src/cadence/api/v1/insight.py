"""``/api/v1/teams/{team}/insight``: the team's insight distribution (no names) and one person's insight.

For coaching, never for ranking: a person's numbers go to that person and the team's managers only, the team view
lists people by name without numbers, and any sorting or ranking parameter is refused (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from cadence.api.v1.ids import RowId
from cadence.http.security import require_actor
from cadence.services import insight as svc
from cadence.services.access import Actor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["insight"])


class PersonOut(BaseModel):
    person_id: int
    name: str


class PersonInsightOut(BaseModel):
    team: str
    person: PersonOut
    is_you: bool
    since: dt.datetime
    until: dt.datetime
    weeks: int
    values: dict[str, Any]
    """queued_items, wip_items, wip_points, age_median_days, age_oldest_days, delivered, unplanned,
    interrupt_share, blocked_days, blocked_items, review_items (see docs/insight.md)."""
    guard_rail: str


class TeamInsightOut(BaseModel):
    team: str
    since: dt.datetime
    until: dt.datetime
    weeks: int
    members: int
    distribution: dict[str, dict[str, float | int | None]]
    """Per measure: people, total, p25, median, p75 — without names."""
    me: PersonInsightOut | None
    people: list[PersonOut]
    """The members by name (managers only; empty otherwise)."""
    guard_rail: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _person(view: svc.PersonInsight) -> PersonInsightOut:
    return PersonInsightOut(
        team=view.team.key, person=PersonOut(person_id=view.person.person_id, name=view.person.name),
        is_you=view.is_you, since=view.since, until=view.until, weeks=view.weeks, values=view.values,
        guard_rail=svc.GUARD_RAIL,
    )  # fmt: skip


@router.get("/{team}/insight", response_model=TeamInsightOut)
def team_insight(
    request: Request, team: str, weeks: int = Query(svc.DEFAULT_WEEKS), actor: Actor = Depends(require_actor)
) -> TeamInsightOut:
    svc.check_query(request.query_params.keys())
    state = request.app.state
    view = svc.team_view(state.db, state.workspace_config, actor, team, now=_now(), weeks=weeks)
    return TeamInsightOut(
        team=view.team.key, since=view.since, until=view.until, weeks=view.weeks, members=view.members,
        distribution=view.distribution, me=_person(view.me) if view.me else None,
        people=[PersonOut(person_id=p.person_id, name=p.name) for p in view.people], guard_rail=svc.GUARD_RAIL,
    )  # fmt: skip


@router.get("/{team}/insight/people/{person_id}", response_model=PersonInsightOut)
def person_insight(
    request: Request,
    team: str,
    person_id: RowId,
    weeks: int = Query(svc.DEFAULT_WEEKS),
    actor: Actor = Depends(require_actor),
) -> PersonInsightOut:
    svc.check_query(request.query_params.keys())
    state = request.app.state
    return _person(svc.person_view(state.db, state.workspace_config, actor, team, person_id, now=_now(), weeks=weeks))
