"""``/api/v1/teams/{team}/forecast``: Monte Carlo "when" and "how many", with the team's track record; with
``epic``, ``version`` or ``label``, the forecast of that scope's remaining items and its burn-up cone."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from cadence.http.security import require_actor
from cadence.services.access import Actor, access_team
from cadence.services.forecasts import scope_forecast, team_forecast

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["forecasts"])


@router.get("/{team}/forecast")
def forecast(
    request: Request,
    team: str,
    items: int | None = Query(None, ge=1, description="'When' will this many more items be done? (team forecast)"),
    until: dt.date | None = Query(None, description="'How many' items by this day?"),
    epic: str | None = Query(None, description="Forecast the remaining items of this epic (by key)."),
    version: str | None = Query(None, description="Forecast the remaining items of this fix version."),
    label: str | None = Query(None, description="Forecast the remaining items carrying this label."),
    window: int = Query(56, ge=7, le=730, description="Days of recent throughput to sample from."),
    days: Literal["calendar", "working"] = Query("calendar", description="Sample calendar or working days."),
    scope_growth: float | None = Query(
        None,
        ge=0.0,
        lt=1.0,
        description="New items per item finished. Team forecast: applied to 'items' (default 0). Scope forecast: "
        "overrides the growth measured over the window.",
    ),
    throughput: Literal["team", "scope"] = Query(
        "team", description="Scope forecast: sample the team's throughput (default) or only the scope's deliveries."
    ),
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """P50/P70/P85/P95 of "when" (dates) and/or "how many" (at least N items), plus ``track_record``: how often
    the team's own past forecasts at that horizon came true (viewers and above).

    With one of ``epic``, ``version`` or ``label``: that scope's ``counts`` (total, delivered, removed, remaining),
    its measured ``growth``, ``when`` its remaining items will be done (no dates when the scope grows as fast as it
    is delivered: ``growth.finishes`` is false), ``how_many`` of them by ``until``, the ``burn_up`` history and
    forecast cone (P50/P85/P95 per day), and ``choices`` (epics, versions and labels with open items). Definitions:
    docs/forecasting.md."""
    db = request.app.state.db
    access_team(db, actor, team)
    now = dt.datetime.now(dt.UTC)
    config = request.app.state.workspace_config
    if epic or version or label:
        return scope_forecast(
            db,
            config,
            team,
            now=now,
            epic=epic,
            version=version,
            label=label,
            until=until,
            window_days=window,
            days=days,
            scope_growth=scope_growth,
            sample_from=throughput,
        )
    return team_forecast(
        db,
        config,
        team,
        now=now,
        items=items,
        until=until,
        window_days=window,
        days=days,
        scope_growth=scope_growth or 0.0,
    )
