"""The team switcher and each team's health dashboard (``/teams``, ``/teams/{key}``).

The dashboard takes an optional ``from``/``to`` range; the range form swaps only the dashboard body over HTMX
(``HX-Request``), and works as a plain GET without JavaScript.

The chart grid (specs and their data tables, most of the page) depends only on the metrics result, which
``team_metrics`` caches per (team, data version, range, minute); it is rendered once per result object and reused,
so concurrent viewers of a team cost one render, not one each.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor
from cadence.services.dashboard import Dashboard, team_dashboard, team_switcher
from cadence.web import charts
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_GRIDS: OrderedDict[tuple[str, str, str], tuple[object, Markup]] = OrderedDict()
_GRIDS_LOCK = threading.Lock()
_GRIDS_SIZE = 32


@router.get("/teams", response_class=HTMLResponse)
def teams(request: Request, actor: Actor = Depends(require_actor)) -> HTMLResponse:
    rows = team_switcher(request.app.state.db, actor)
    return templates.TemplateResponse(request, "teams.html", {"teams": rows})


def _charts(board: Dashboard, points: list[dict[str, Any]], ages: list[dict[str, Any]]) -> dict[str, Any]:
    m = board.metrics
    key = board.team.key
    stages = [s["name"] for s in m["parameters"]["stages"]]
    return {
        "velocity": charts.velocity_chart(m["velocity"], m["say_do"]["sprints"]),
        "throughput": charts.throughput_chart(m["throughput_weekly"]),
        "cycle_time": charts.cycle_time_chart(points, m["cycle_time"], key),
        "age": charts.age_chart(ages, stages, m["cycle_time"], key),
        "cfd": charts.cfd_chart(m["cfd"]),
        "unplanned": charts.unplanned_chart(m["unplanned_share"]["sprints"]),
    }


def _chart_grid(board: Dashboard) -> Markup:
    """The rendered chart cards, reused while ``team_metrics`` hands out the same result object."""
    params = board.metrics["parameters"]
    key = (board.team.key, str(params["start"]), str(params["end"]))
    with _GRIDS_LOCK:
        cached = _GRIDS.get(key)
    if cached is not None and cached[0] is board.metrics:
        return cached[1]
    p85 = board.metrics["cycle_time"].get("p85")
    points = charts.thin(board.cycle_points, "cycle_time_days", p85)
    ages = charts.thin(board.metrics["age"], "age_days", p85)
    html = templates.get_template("dashboard_charts.html").render(
        board=board,
        m=board.metrics,
        points=points,
        ages=ages,
        charts=_charts(board, points, ages),
        percentiles=charts.PERCENTILES,
        completed={row["sprint_id"]: row["completed_points"] for row in board.metrics["velocity"]},
    )
    grid = Markup(html)  # noqa: S704 - rendered by the autoescaping environment
    with _GRIDS_LOCK:
        _GRIDS[key] = (board.metrics, grid)
        _GRIDS.move_to_end(key)
        while len(_GRIDS) > _GRIDS_SIZE:
            _GRIDS.popitem(last=False)
    return grid


@router.get("/teams/{key}", response_class=HTMLResponse)
def dashboard(
    request: Request,
    key: str,
    start: dt.date | None = Query(None, alias="from"),
    end: dt.date | None = Query(None, alias="to"),
    actor: Actor = Depends(require_actor),
) -> HTMLResponse:
    board = team_dashboard(
        request.app.state.db,
        request.app.state.workspace_config,
        actor,
        key,
        now=dt.datetime.now(dt.UTC),
        start=start,
        end=end,
    )
    context = {
        "board": board,
        "m": board.metrics,
        "chart_grid": _chart_grid(board),
        "teams": team_switcher(request.app.state.db, actor),
    }
    partial = request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "dashboard-body"
    return templates.TemplateResponse(request, "dashboard_body.html" if partial else "dashboard.html", context)
