"""``/api/v1/teams/{team}/support/...`` and ``/sla-policies``: SLA clocks and support metrics (support role), SLA
policies (manager role)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request

from cadence.analytics.serialize import json_rows
from cadence.api.v1.envelope import Page, PageInfo, Paging
from cadence.domain.errors import InputError
from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.sla import find_clocks, save_policy, team_policies, team_policy
from cadence.services.support_metrics import team_support_metrics

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["support"])
_STATES = "running|paused|met|breached|untracked"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} '{value}' is not a date; use YYYY-MM-DD", parameter=name) from None


@router.get("/{team}/support/metrics")
def support_metrics(
    request: Request,
    team: str,
    start: str | None = Query(None, alias="from", description="First day, YYYY-MM-DD (default: 27 days before to)."),
    end: str | None = Query(None, alias="to", description="Last day, YYYY-MM-DD (default: today, team's zone)."),
    actor: Actor = Depends(require_actor),
) -> dict[str, Any]:
    """SLA attainment, response and resolution times, ticket age, escalations and interrupt load (support role);
    definitions in docs/metrics.md."""
    return team_support_metrics(
        request.app.state.db, request.app.state.workspace_config, actor, team, now=_now(),
        start=_date(start, "from"), end=_date(end, "to"),
    )  # fmt: skip


@router.get("/{team}/support/clocks", response_model=Page[dict[str, Any]])
def support_clocks(
    request: Request,
    team: str,
    state: str | None = Query(None, pattern=f"^({_STATES})$", description="Only clocks in this state."),
    goal: str | None = Query(None, pattern="^(first_response|resolution)$"),
    at_risk: bool | None = Query(None, description="Only clocks at risk (true) or not (false)."),
    current: bool = Query(True, description="Only the latest cycle of each ticket and goal."),
    paging: Paging = Depends(),
    actor: Actor = Depends(require_actor),
) -> Page[dict[str, Any]]:
    """The team's SLA clocks (support role), ordered by due date, soonest first; columns in docs/sla.md."""
    frame = find_clocks(
        request.app.state.db, request.app.state.workspace_config, actor, team, now=_now(), state=state, goal=goal,
        at_risk=at_risk, current=current,
    )  # fmt: skip
    window = frame.slice(paging.offset, paging.limit)
    return Page[dict[str, Any]](
        data=json_rows(window), page=PageInfo(limit=paging.limit, offset=paging.offset, total=frame.height)
    )


@router.get("/{team}/sla-policies")
def list_sla_policies(request: Request, team: str, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """The team's stored SLA policies, the fallback for other tickets, and their version (manager role)."""
    return team_policies(request.app.state.db, actor, team).to_dict()


@router.get("/{team}/sla-policies/{name}")
def get_sla_policy(request: Request, team: str, name: str, actor: Actor = Depends(require_actor)) -> dict[str, Any]:
    """One SLA policy (manager role); ``default`` answers the built-in policy while none is stored."""
    return team_policy(request.app.state.db, actor, team, name).to_dict()


@router.put("/{team}/sla-policies/{name}")
def put_sla_policy(
    request: Request, team: str, name: str, body: dict[str, Any] = Body(...), actor: Actor = Depends(require_actor)
) -> dict[str, Any]:
    """Create or replace an SLA policy (manager role); 422 names the bad field. Clocks are recomputed from history
    on the next read."""
    return save_policy(request.app.state.db, actor, team, body, now=_now(), name=name).to_dict()
