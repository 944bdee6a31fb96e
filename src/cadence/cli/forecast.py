"""``cadence forecast``: when will N items be done, and how many by a date, with the team's track record."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from cadence.cli.context import database, settings
from cadence.domain.errors import InputError
from cadence.services.forecasts import scope_forecast, team_forecast
from cadence.services.workspace_config import load_workspace_config

__all__ = ["forecast"]


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


class Sample(StrEnum):
    TEAM = "team"
    SCOPE = "scope"


class Days(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


def forecast(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    items: int | None = typer.Option(None, "--items", min=1, help="'When' will this many more items be done?"),
    until: str | None = typer.Option(None, "--until", help="'How many' items by this day, YYYY-MM-DD?"),
    window: int = typer.Option(56, "--window", min=7, help="Days of recent throughput to sample from."),
    days: Days = typer.Option(Days.CALENDAR, "--days", help="Sample calendar days, or working days only."),
    scope_growth: float | None = typer.Option(
        None,
        "--scope-growth",
        min=0.0,
        help="New items arriving per item finished (e.g. 0.2): with --items, added to the team forecast (default "
        "0); with a scope, replaces the growth measured over the window.",
    ),
    epic: str | None = typer.Option(None, "--epic", help="Forecast the remaining items of this epic (its key)."),
    version: str | None = typer.Option(None, "--version", help="Forecast the remaining items of this fix version."),
    label: str | None = typer.Option(None, "--label", help="Forecast the remaining items carrying this label."),
    throughput: Sample = typer.Option(
        Sample.TEAM, "--throughput", help="With a scope: sample the team's throughput, or only the scope's."
    ),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people, json for programs."),
) -> None:
    """Monte Carlo forecast from the team's own throughput, shown with how often such forecasts came true.

    With --epic, --version or --label: when that scope's remaining items will be done, and how many of them by
    --until, with the scope's growth."""
    try:
        last_day = dt.date.fromisoformat(until) if until else None
    except ValueError:
        raise InputError(f"--until '{until}' is not a date; use YYYY-MM-DD") from None
    db = database()
    config = load_workspace_config(settings().workspace_file)
    now = dt.datetime.now(dt.UTC)
    if epic or version or label:
        if items is not None:
            raise InputError("--items asks about the team's next items; a scope forecast counts its remaining items")
        result = scope_forecast(
            db,
            config,
            team,
            now=now,
            epic=epic,
            version=version,
            label=label,
            until=last_day,
            window_days=window,
            days=days.value,
            scope_growth=scope_growth,
            sample_from=throughput.value,
        )
    else:
        result = team_forecast(
            db,
            config,
            team,
            now=now,
            items=items,
            until=last_day,
            window_days=window,
            days=days.value,
            scope_growth=scope_growth or 0.0,
        )
    if fmt is Format.JSON:
        typer.echo(json.dumps(result))
        return
    _print(result)


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def _print(result: dict[str, Any]) -> None:
    console = Console(highlight=False)
    sample = result["sample"]
    if "scope" in result:
        _print_scope(console, result)
    console.print(
        f"[bold]{result['team']['name']}[/]: {sample['delivered']} items delivered {sample['from']} .. {sample['to']} "
        f"({sample['days']} days sampled, {result['trials']:,} trials)",
        soft_wrap=True,
    )
    table = Table("chance", title="Forecast")
    if "how_many" in result:
        table.add_column(f"at least this many by {result['how_many']['to']}")
    if "when" in result:
        what = "remaining items" if "scope" in result else "items"
        table.add_column(f"{result['when']['items']} {what} done by")
    for p in ("50", "70", "85", "95"):
        row = [f"{p} %"]
        if "how_many" in result:
            row.append(str(result["how_many"]["items"][p]))
        if "when" in result:
            never = result["when"].get("finishes") is False
            row.append(
                result["when"]["dates"][p] or ("never at current rates" if never else "beyond the simulated span")
            )
        table.add_row(*row)
    console.print(table)
    record = result["track_record"]
    console.print(
        f"Track record at {record['horizon_days']} days over {record['origins']} past weeks: P85 came true "
        f"{_pct(record['p85_coverage'])} of the time, P50 {_pct(record['p50_coverage'])} (definitions: "
        "docs/forecasting.md).",
        soft_wrap=True,
    )


def _print_scope(console: Console, result: dict[str, Any]) -> None:
    scope, counts, growth = result["scope"], result["counts"], result["growth"]
    console.print(
        f"[bold]{scope['kind']} {scope['value']}[/]: {counts['total']} items, {counts['delivered']} delivered, "
        f"{counts['removed']} removed, [bold]{counts['remaining']} remaining[/].",
        soft_wrap=True,
    )
    measured = "—" if growth["measured"] is None else f"{growth['measured']:.2f}"
    line = (
        f"Scope growth {growth['from']} .. {growth['to']}: {growth['added']} added, {growth['removed']} removed, "
        f"{growth['delivered']} delivered (measured {measured} new items per delivered item"
    )
    line += ")." if growth["source"] == "measured" else f"; using {growth['used']:.2f} as asked)."
    console.print(line, soft_wrap=True)
    if not growth["finishes"]:
        console.print(
            "[bold]At the current rates this scope never finishes[/]: it grows at least as fast as it is delivered. "
            "Cut scope, or pass --scope-growth to forecast with a growth you expect.",
            soft_wrap=True,
        )
    if sample_from := result["sample"].get("throughput"):
        console.print(f"Throughput sampled from: the {sample_from}'s deliveries.", soft_wrap=True)
