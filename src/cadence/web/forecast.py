"""The forecast page (``/teams/{key}/forecast``): the team's or one scope's Monte Carlo forecast, its track record
beside it, and a scope's burn-up with the forecast cone.

A plain GET form (it works without JavaScript): team-level "how many by a date" and "when will N items be done",
or — with an epic, a fix version or a label picked — when that scope's remaining items will be done, how many of
them by the date, and its burn-up. Bad input (an unknown epic, two scopes at once, a date in the past) comes back
as the same page with the sentence explaining it, so the form keeps what was typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from cadence.domain.errors import InputError
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor, access_team
from cadence.services.forecasts import forecast_choices, scope_forecast, team_forecast
from cadence.web import charts
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DEFAULT_HORIZON_DAYS = 28
"""The "how many by" date a page opens with: four weeks ahead, the horizon the back-test scores best."""


def _date(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} '{value}' is not a date; use YYYY-MM-DD") from None


def _number(name: str, value: str | None, kind: type[int] | type[float]) -> Any:
    if value is None or not value.strip():
        return None
    try:
        return kind(value)
    except ValueError:
        raise InputError(f"{name} '{value}' is not a number") from None


@router.get("/teams/{key}/forecast", response_class=HTMLResponse)
def forecast_page(
    request: Request,
    key: str,
    epic: str | None = None,
    version: str | None = None,
    label: str | None = None,
    until: str | None = None,
    items: str | None = None,
    scope_growth: str | None = None,
    actor: Actor = Depends(require_actor),
) -> HTMLResponse:
    db = request.app.state.db
    config = request.app.state.workspace_config
    team = access_team(db, actor, key)
    now = dt.datetime.now(dt.UTC)
    form = {
        "epic": epic or "",
        "version": version or "",
        "label": label or "",
        "until": until or "",
        "items": items or "",
        "scope_growth": scope_growth or "",
    }
    context: dict[str, Any] = {"team": team, "form": form, "result": None, "burn_up_spec": None, "error": None}
    context["choices"] = forecast_choices(db, config, key, now=now)
    try:
        last_day = _date("the date", until) or (now.date() + dt.timedelta(days=DEFAULT_HORIZON_DAYS))
        form["until"] = last_day.isoformat()
        how_many = _number("the number of items", items, int)
        growth = _number("the scope growth", scope_growth, float)
        if how_many is not None and how_many < 1:
            raise InputError(f"the number of items must be at least 1, not {how_many}")
        if epic or version or label:
            result = scope_forecast(
                db, config, key, now=now, epic=epic, version=version, label=label, until=last_day, scope_growth=growth
            )
            scope = result["scope"]
            context["burn_up_spec"] = charts.burn_up_chart(result["burn_up"], f"{scope['kind']} {scope['value']}")
        else:
            result = team_forecast(db, config, key, now=now, items=how_many, until=last_day, scope_growth=growth or 0.0)
        context["result"] = result
    except InputError as error:
        context["error"] = str(error)
    return templates.TemplateResponse(request, "forecast.html", context, status_code=422 if context["error"] else 200)
