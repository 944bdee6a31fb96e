"""``cadence sprint ...``: the sprint forecast and the team's estimation health (planning commands join this group).

Each command calls one service and prints a table for people or JSON for programs (the API's answer, unchanged).
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from cadence.cli.context import database, settings
from cadence.services.estimation_health import DEFAULT_WEEKS, estimation_health
from cadence.services.sprint_forecast import DEFAULT_SPRINTS, sprint_forecast
from cadence.services.workspace_config import load_workspace_config

__all__ = ["app"]

app = typer.Typer(help="Sprint forecasts and estimation health, from the team's own history (docs/forecasting.md).")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


TEAM = typer.Argument(..., help="Team key, as listed by 'cadence status'.")
FORMAT = typer.Option(Format.TABLE, "--format", help="table for people, json for programs.")


def _number(value: Any, suffix: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:g}{suffix}" if isinstance(value, float) else f"{value}{suffix}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


@app.command("forecast")
def forecast(
    team: str = TEAM,
    sprints: int = typer.Option(DEFAULT_SPRINTS, "--sprints", min=1, help="Closed sprints to learn from."),
    fmt: Format = FORMAT,
) -> None:
    """Will the active sprint (else the next) deliver its commitment? Velocity, throughput and say/do readings."""
    result = sprint_forecast(
        database(), load_workspace_config(settings().workspace_file), team, now=dt.datetime.now(dt.UTC), sprints=sprints
    )
    if fmt is Format.JSON:
        typer.echo(json.dumps(result))
        return
    console = Console(highlight=False)
    sprint = result["sprint"]
    title = sprint["name"] or "a hypothetical next sprint"
    console.print(
        f"[bold]{result['team']['name']}[/]: {title} ({sprint['kind']}, {sprint['start']} .. {sprint['end']})",
        soft_wrap=True,
    )
    console.print(result["verdict"], soft_wrap=True)
    table = Table("reading", "this sprint", "P85 at least", "P50 at least", "fit", title="Sprint outlook")
    v, i = result["velocity"], result["items"]
    table.add_row("points (velocity)", _number(v["committed_points"]), _number(v["p85"]), _number(v["p50"]), v["fit"])
    table.add_row(
        f"open items ({i['days']} days left)", _number(i["open_items"]), str(i["p85"]), str(i["p50"]), i["fit"]
    )
    console.print(table)
    console.print(i["verdict"], soft_wrap=True)
    history = Table("sprint", "committed", "delivered", "say/do", title="Last closed sprints")
    for row in result["history"]:
        history.add_row(
            row["name"], _number(row["committed_points"]), _number(row["completed_points"]), _pct(row["say_do_points"])
        )
    console.print(history)
    console.print(result["reliability"]["verdict"], soft_wrap=True)


@app.command("estimation")
def estimation(
    team: str = TEAM,
    weeks: int = typer.Option(DEFAULT_WEEKS, "--weeks", min=1, help="Weeks of delivered items to read."),
    fmt: Format = FORMAT,
) -> None:
    """Does size predict duration for this team? Correlation and cycle time per estimate value."""
    result = estimation_health(
        database(), load_workspace_config(settings().workspace_file), team, now=dt.datetime.now(dt.UTC), weeks=weeks
    )
    if fmt is Format.JSON:
        typer.echo(json.dumps(result))
        return
    console = Console(highlight=False)
    c, params = result["correlation"], result["parameters"]
    rho = _number(c["spearman"] and round(c["spearman"], 2))
    console.print(
        f"[bold]{result['team']['name']}[/]: {result['estimated']} of {result['delivered']} items delivered "
        f"{params['from']} .. {params['to']} carry an estimate; Spearman {rho}"
        f" over {c['n']} items (ESEM 2022 filter): {c['verdict']}.",
        soft_wrap=True,
    )
    table = Table("points", "items", "P50 days", "P85 days", "overlaps", title="Cycle time by size")
    for row in result["sizes"]:
        overlap = f"with {row['overlaps_with']:g}" if row["overlaps"] else ""
        table.add_row(
            f"{row['points']:g}",
            str(row["items"]),
            _number(row["p50_days"] and round(row["p50_days"], 1)),
            _number(row["p85_days"] and round(row["p85_days"], 1)),
            overlap,
        )
    console.print(table)
    for warning in result["overlaps"]:
        console.print(f"warning: {warning}", soft_wrap=True)
