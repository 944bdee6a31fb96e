"""``/api/v1/teams/{team}/sprint-forecast`` and ``/estimation-health``: will the sprint deliver, does size predict?"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from cadence.http.security import require_actor
from cadence.services.access import Actor, access_team
from cadence.services.estimation_health import DEFAULT_WEEKS, estimation_health
from cadence.services.sprint_forecast import DEFAULT_SPRINTS, sprint_forecast

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["sprints"])


@router.get("/{team}/sprint-forecast")
def forecast(
    request: Request,
    team: str,
    sprints: int = Query(DEFAULT_SPRINTS, ge=1, le=52, description="Closed sprints to learn from."),
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """The active sprint (else the next, else a hypothetical one) against the team's recent sprints: committed points
    against the P50/P85 "at least" velocity, open items against a Monte Carlo of the days left, and say/do
    reliability, each with a one-sentence verdict (viewers and above; keys in docs/forecasting.md)."""
    db = request.app.state.db
    access_team(db, actor, team)
    return sprint_forecast(db, request.app.state.workspace_config, team, now=dt.datetime.now(dt.UTC), sprints=sprints)


@router.get("/{team}/estimation-health")
def estimation(
    request: Request,
    team: str,
    weeks: int = Query(DEFAULT_WEEKS, ge=1, le=260, description="Weeks of delivered items to read."),
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """Does size predict duration for this team: Spearman/Kendall/Pearson between points and cycle time (ESEM 2022
    filter), cycle time per estimate value (median, P85) and the sizes whose median is no longer than a smaller
    size's (viewers and above; keys in docs/forecasting.md)."""
    db = request.app.state.db
    access_team(db, actor, team)
    return estimation_health(db, request.app.state.workspace_config, team, now=dt.datetime.now(dt.UTC), weeks=weeks)
