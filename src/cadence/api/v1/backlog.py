"""``/api/v1/teams/{team}/backlog``: Definition-of-Ready checks, ready work, refinement queue, likely duplicates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request

from cadence.api.v1.envelope import Paging, paginate
from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.backlog import backlog_health

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["backlog"])


@router.get("/{team}/backlog")
def backlog(
    request: Request, team: str, paging: Paging = Depends(), actor: Actor = Depends(require_actor)
) -> dict[str, Any]:
    """The team's backlog health (viewers and above); keys documented in docs/metrics.md under "Backlog health".

    ``items`` (every backlog item with its checks, by rank) is paginated like other lists
    (``{"data", "page"}``); the shorter lists (refinement queue, stale, oversized) come whole, and ``duplicates``
    holds the 100 most similar pairs (``summary.duplicate_pairs`` counts them all).
    """
    health = backlog_health(
        request.app.state.db, request.app.state.workspace_config, actor, team, now=dt.datetime.now(dt.UTC)
    )
    return health | {"items": paginate(health["items"], paging).model_dump()}
