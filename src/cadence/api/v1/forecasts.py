"""``/api/v1/teams/{team}/forecast``: Monte Carlo "when" and "how many", with the team's track record."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from cadence.http.security import require_actor
from cadence.services.access import Actor, access_team
from cadence.services.forecasts import team_forecast

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["forecasts"])


@router.get("/{team}/forecast")
def forecast(
    request: Request,
    team: str,
    items: int | None = Query(None, ge=1, description="'When' will this many more items be done?"),
    until: dt.date | None = Query(None, description="'How many' items by this day?"),
    window: int = Query(56, ge=7, le=730, description="Days of recent throughput to sample from."),
    days: Literal["calendar", "working"] = Query("calendar", description="Sample calendar or working days."),
    scope_growth: float = Query(0.0, ge=0.0, le=5.0, description="New items per item finished (with 'items')."),
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """P50/P70/P85/P95 of "when" (dates) and/or "how many" (at least N items), plus ``track_record``: how often
    the team's own past forecasts at that horizon came true (viewers and above)."""
    db = request.app.state.db
    access_team(db, actor, team)
    return team_forecast(
        db,
        request.app.state.workspace_config,
        team,
        now=dt.datetime.now(dt.UTC),
        items=items,
        until=until,
        window_days=window,
        days=days,
        scope_growth=scope_growth,
    )
