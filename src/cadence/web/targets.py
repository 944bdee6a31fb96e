"""The dashboard's target form: save (create or change) and remove a team's metric target, then back to the page."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from cadence.domain.errors import InputError
from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.targets import remove_target, save_target

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.post("/teams/{key}/targets")
def save(
    request: Request,
    key: str,
    metric: str = Form(...),
    comparator: str = Form(...),
    threshold: str = Form(...),
    actor: Actor = Depends(require_actor),
) -> RedirectResponse:
    try:
        value = float(threshold)
    except ValueError:
        raise InputError(f"threshold '{threshold}' is not a number", threshold=threshold) from None
    save_target(
        request.app.state.db,
        request.app.state.workspace_config,
        actor,
        key,
        metric=metric.strip(),
        comparator=comparator,
        threshold=value,
        now=dt.datetime.now(dt.UTC),
    )
    return RedirectResponse(f"/teams/{key}#targets-title", status_code=303)


@router.post("/teams/{key}/targets/delete")
def delete(
    request: Request, key: str, metric: str = Form(...), actor: Actor = Depends(require_actor)
) -> RedirectResponse:
    remove_target(request.app.state.db, actor, key, metric=metric, now=dt.datetime.now(dt.UTC))
    return RedirectResponse(f"/teams/{key}#targets-title", status_code=303)
