"""``/api/v1/teams``: the teams a caller may see, and each team's metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from cadence.api.v1.envelope import Page, Paging, paginate
from cadence.domain.errors import NotFound
from cadence.http.security import require_actor
from cadence.services.access import Actor, access_team, visible_teams
from cadence.services.team_metrics import team_metrics

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["teams"])


class TeamOut(BaseModel):
    key: str
    name: str
    timezone: str
    role: str
    """The caller's role in the team."""
    data_version: int


@router.get("", response_model=Page[TeamOut])
def list_teams(request: Request, paging: Paging = Depends(), actor: Actor = Depends(require_actor)) -> Page[TeamOut]:
    """Teams the caller is a member of (all teams for an administrator), ordered by key."""
    rows = [
        TeamOut(key=t.key, name=t.name, timezone=t.timezone, role=role.value, data_version=t.data_version)
        for t, role in visible_teams(request.app.state.db, actor)
    ]
    return paginate(rows, paging)


def _metrics(request: Request, actor: Actor, team: str, start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    db = request.app.state.db
    access_team(db, actor, team)
    return team_metrics(db, request.app.state.workspace_config, team, now=dt.datetime.now(dt.UTC), start=start, end=end)


@router.get("/{team}/metrics")
def metrics(
    request: Request,
    team: str,
    start: dt.date | None = Query(None, alias="from", description="First day (default: 12 weeks before 'to')."),
    end: dt.date | None = Query(None, alias="to", description="Last day (default: today in the team's zone)."),
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """Every flow, sprint and quality metric of the team over the range; keys documented in docs/metrics.md."""
    return _metrics(request, actor, team, start, end)


@router.get("/{team}/metrics/{metric}")
def metric(
    request: Request,
    team: str,
    metric: str,
    start: dt.date | None = Query(None, alias="from"),
    end: dt.date | None = Query(None, alias="to"),
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """One metric (e.g. ``throughput``, ``cfd``, ``cycle_time``) with the range it covers, for charts."""
    result = _metrics(request, actor, team, start, end)
    if metric in {"parameters", "team"} or metric not in result:
        names = sorted(k for k in result if k not in {"parameters", "team"})
        raise NotFound(f"no metric named '{metric}'; known: {', '.join(names)}", metric=metric)
    return {"team": result["team"], "parameters": result["parameters"], "metric": metric, "value": result[metric]}


@router.get("/{team}/quality")
def quality(request: Request, team: str, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """The team's data-quality report: what makes its numbers less trustworthy."""
    return {"team": team, "data_quality": _metrics(request, actor, team, None, None)["data_quality"]}
