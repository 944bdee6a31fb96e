"""``cadence sprint ...``: the sprint forecast, the team's estimation health and sprint planning.

Each command calls one service and prints a table for people or JSON for programs (the API's answer, unchanged).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from cadence.cli.context import database, settings
from cadence.domain.errors import InputError
from cadence.services.audit_log import SYSTEM
from cadence.services.estimation_health import DEFAULT_WEEKS, estimation_health
from cadence.services.sprint_forecast import DEFAULT_SPRINTS, sprint_forecast
from cadence.services.sprint_planning import commit_plan, create_plan, planning_preview
from cadence.services.workspace_config import load_workspace_config

__all__ = ["app"]

app = typer.Typer(help="Sprint forecasts, estimation health and sprint planning, from the team's own history.")
_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""Whoever runs the command line administers the installation."""


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


@app.command("plan")
def plan(
    team: str = TEAM,
    start: str = typer.Option(None, "--start", help="First day of the sprint, YYYY-MM-DD (default: the next sprint)."),
    end: str = typer.Option(None, "--end", help="Last day of the sprint, included."),
    goal: str = typer.Option(None, "--goal", help="The sprint goal (with --save or --commit)."),
    items: list[str] = typer.Option(
        None, "--item", help="An item to plan, repeatable, in order (default: the backlog top up to the P85 line)."
    ),
    save: bool = typer.Option(False, "--save", help="Save the plan as a draft to finish on the planning page."),
    commit: bool = typer.Option(False, "--commit", help="Save the plan and commit it: a frozen, read-only snapshot."),
    fmt: Format = FORMAT,
) -> None:
    """Plan a sprint: capacity net of interrupts, the backlog top with readiness, the P50/P85 cut lines."""
    first, last = _day(start, "--start"), _day(end, "--end")
    if (goal or items) and not (save or commit):
        raise InputError("--goal and --item shape a saved plan: add --save (a draft) or --commit")
    db, config, now = database(), load_workspace_config(settings().workspace_file), dt.datetime.now(dt.UTC)
    if save or commit:
        result = create_plan(db, config, _SHELL, team, now=now, start=first, end=last, goal=goal, items=items or None)
        if commit:
            result = commit_plan(db, config, _SHELL, team, result["plan"]["id"], now=now)
    else:
        result = planning_preview(db, config, _SHELL, team, now=now, start=first, end=last)
    if fmt is Format.JSON:
        typer.echo(json.dumps(result))
        return
    _print_plan(result)


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} '{value}' is not a date such as 2026-07-06") from None


def _print_plan(result: dict[str, Any]) -> None:
    console = Console(highlight=False)
    p, c, f = result["plan"], result["capacity"], result["forecast"]
    state = p["state"] if p["state"] != "preview" else "preview, not saved"
    console.print(f"[bold]{p['name']}[/] ({p['start']} .. {p['end']}, {state})", soft_wrap=True)
    if p.get("id"):
        console.print(f"plan {p['id']}" + (f"; goal: {p['goal']}" if p["goal"] else ""), soft_wrap=True)
    holidays = ", ".join(c["holidays"]) or "none"
    console.print(
        f"{c['working_days']} working days; public holidays ({c['country'] or '—'}): {holidays}", soft_wrap=True
    )
    people = Table("member", "time off", "part time", "focus", "person-days", title="Capacity")
    for m in c["members"]:
        people.add_row(
            m["name"], _number(m["time_off_days"]), _pct(m["part_time"]), _number(m["focus_factor"]),
            f"{m['capacity_days']:.2f}",
        )  # fmt: skip
    console.print(people)
    band = c["interrupt"]["points"]
    net = c["net_person_days"]
    console.print(
        f"{c['person_days']:.2f} person-days; interrupt load P50 {_pct(band['p50'])}, P85 {_pct(band['p85'])} "
        f"over {band['sprints']} sprints; net {_round(net['50'])} (P50) / {_round(net['85'])} (P85) person-days"
        f" = {_round(c['net_points']['50'])} / {_round(c['net_points']['85'])} points",
        soft_wrap=True,
    )
    for note in c["notes"]:
        console.print(f"note: {note}", soft_wrap=True)
    cut = f["cut"]
    top = Table("#", "key", "title", "points", "cumulative", "ready", title="Backlog top")
    for row in f["backlog"]["items"]:
        top.add_row(
            str(row["position"]) + (" *" if row["selected"] else ""), row["key"], row["title"],
            _number(row["estimate"]), _number(row["cumulative_points"]),
            "ready" if row["ready"] else _pct(row["score"]),
        )  # fmt: skip
        for level in ("50", "85"):
            if cut[level] == row["position"]:
                top.add_row("", f"— P{level} line —", "", "", "", "")
    console.print(top)
    sel = f["selection"]
    console.print(
        f"selected (*): {sel['count']} items, {_number(sel['points'])} points; by points {sel['fit_points']}, "
        f"by items {sel['fit_items']}; P50 line after {cut['50']} items, P85 line after {cut['85']}",
        soft_wrap=True,
    )


def _round(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
