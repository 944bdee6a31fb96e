"""``/api/v1/teams/{team}/checkins`` and ``/standup``: stand-up check-ins and the facilitator view.

A route parses and calls one service function; ``services.standup`` decides who may act (members and above).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.api.v1.ids import RowId
from cadence.domain.errors import InputError
from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.standup import raise_impediment_from_check_in, standup_view, submit_check_in, team_check_ins

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["stand-up"])


class PersonOut(BaseModel):
    id: int
    name: str


class CheckInOut(BaseModel):
    id: int
    person: PersonOut
    on_date: dt.date
    """The team-local day of the stand-up."""
    yesterday: str | None
    today: str | None
    blockers: str | None
    items: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime | None
    """Set when the check-in was edited (submitted again the same day)."""
    impediment_id: int | None
    """The impediment raised from this check-in's blocker, if any."""


class CheckInIn(BaseModel):
    yesterday: str | None = Field(None, max_length=4000)
    today: str | None = Field(None, max_length=4000)
    blockers: str | None = Field(None, max_length=4000)
    items: list[str] = Field(default_factory=list, description="Keys of the team's items the check-in mentions.",
                             max_length=20)  # fmt: skip
    as_person: str | None = Field(
        None, alias="as", description="Check in for this member (e-mail or username; manager role).", max_length=320
    )


class ImpedimentRaised(BaseModel):
    impediment: dict[str, Any]
    """The impediment as ``GET /impediments`` lists it."""
    created: bool
    """False when the blocker already was an impediment (that one is returned)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@router.post("/{team}/checkins", response_model=CheckInOut, status_code=201)
def check_in(
    request: Request, response: Response, team: str, body: CheckInIn, actor: Actor = Depends(require_actor)
) -> CheckInOut:
    """Today's check-in (member role): 201 when created, 200 when it edits today's. Unknown item keys are refused
    (422, naming them)."""
    saved = submit_check_in(
        request.app.state.db, request.app.state.workspace_config, actor, team, now=_now(), yesterday=body.yesterday,
        today=body.today, blockers=body.blockers, item_keys=body.items, person=body.as_person,
    )  # fmt: skip
    if not saved["created"]:
        response.status_code = 200
    return CheckInOut.model_validate(saved)


@router.get("/{team}/checkins", response_model=Page[CheckInOut])
def check_ins(
    request: Request,
    team: str,
    date: str | None = Query(None, description="YYYY-MM-DD (default: today in the stand-up's time zone)."),
    paging: Paging = Depends(),
    actor: Actor = Depends(require_actor),
) -> Page[CheckInOut]:
    """The team's check-ins of one day, by name (member role)."""
    try:
        day = None if date is None else dt.date.fromisoformat(date)
    except ValueError:
        raise InputError(f"date '{date}' is not a date; use YYYY-MM-DD", field="date") from None
    rows = team_check_ins(request.app.state.db, request.app.state.workspace_config, actor, team, now=_now(),
                          on_date=day)  # fmt: skip
    return paginate([CheckInOut.model_validate(r) for r in rows], paging)


@router.post("/{team}/checkins/{check_in_id}/impediment", response_model=ImpedimentRaised, status_code=201)
def raise_impediment(
    request: Request, response: Response, team: str, check_in_id: RowId, actor: Actor = Depends(require_actor)
) -> ImpedimentRaised:
    """Turn the check-in's blocker into a tracked impediment (member role); 200 with the existing one when it
    already was."""
    raised = raise_impediment_from_check_in(
        request.app.state.db, request.app.state.workspace_config, actor, team, check_in_id, now=_now()
    )
    if not raised["created"]:
        response.status_code = 200
    return ImpedimentRaised.model_validate(raised)


@router.get("/{team}/standup")
def facilitator_view(
    request: Request,
    team: str,
    since: dt.datetime | None = Query(None, description="Override the last stand-up (ISO instant with offset)."),
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """The facilitator view (member role): the walk of the board with changes since the last stand-up, blocked,
    ageing and stale items, SLA risks (support role and above; null otherwise), new escalations, open impediments,
    check-ins and who has not checked in, action items due soon and conflict signals (docs/standup.md)."""
    if since is not None and since.tzinfo is None:
        raise InputError("since needs a UTC offset, e.g. 2026-06-29T07:30:00Z", field="since")
    return standup_view(request.app.state.db, request.app.state.workspace_config, actor, team, now=_now(),
                        since=since)  # fmt: skip
