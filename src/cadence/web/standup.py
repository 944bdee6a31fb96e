"""The stand-up page: today's check-in form, the facilitator view and its time-box timer.

Every form works without JavaScript (a POST redirects back to the page); the timer is plain text until
``standup-timer.js`` turns it into a countdown. The global CSRF guard checks every POST.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cadence.domain.errors import InputError
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor
from cadence.services.standup import raise_impediment_from_check_in, standup_view, submit_check_in
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _page(request: Request, actor: Actor, key: str, *, error: str | None = None, form: dict[str, Any] | None = None,
          message: str | None = None, status_code: int = 200) -> HTMLResponse:  # fmt: skip
    view = standup_view(request.app.state.db, request.app.state.workspace_config, actor, key, now=_now())
    mine = view["your_check_in"] or {}
    if form is None:
        form = {"yesterday": mine.get("yesterday") or "", "today": mine.get("today") or "",
                "blockers": mine.get("blockers") or "", "items": ", ".join(mine.get("items") or [])}  # fmt: skip
    context = {"view": view, "team": view["team"], "form": form, "error": error, "message": message}
    return templates.TemplateResponse(request, "standup.html", context, status_code=status_code)


@router.get("/teams/{key}/standup", response_class=HTMLResponse)
def standup_page(
    request: Request, key: str, saved: str | None = None, actor: Actor = Depends(require_actor)
) -> Response:
    message = {"checkin": "Check-in saved.", "impediment": "The blocker is now a tracked impediment."}.get(saved or "")
    return _page(request, actor, key, message=message)


@router.post("/teams/{key}/standup/checkin")
def check_in(
    request: Request,
    key: str,
    yesterday: str = Form(""),
    today: str = Form(""),
    blockers: str = Form(""),
    items: str = Form(""),
    actor: Actor = Depends(require_actor),
) -> Response:
    keys = [k for k in items.replace(";", ",").replace(" ", ",").split(",") if k.strip()]
    try:
        submit_check_in(
            request.app.state.db, request.app.state.workspace_config, actor, key, now=_now(), yesterday=yesterday,
            today=today, blockers=blockers, item_keys=keys,
        )  # fmt: skip
    except InputError as error:
        form = {"yesterday": yesterday, "today": today, "blockers": blockers, "items": items}
        return _page(request, actor, key, error=error.message, form=form, status_code=422)
    return RedirectResponse(f"/teams/{key}/standup?saved=checkin#check-ins", status_code=303)


@router.post("/teams/{key}/standup/checkins/{check_in_id}/impediment")
def raise_impediment(request: Request, key: str, check_in_id: int, actor: Actor = Depends(require_actor)) -> Response:
    raise_impediment_from_check_in(
        request.app.state.db, request.app.state.workspace_config, actor, key, check_in_id, now=_now()
    )
    return RedirectResponse(f"/teams/{key}/standup?saved=impediment#impediments", status_code=303)
