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
from cadence.services.forecasts import team_forecast
from cadence.services.workspace_config import load_workspace_config

__all__ = ["forecast"]


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


class Days(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


def forecast(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    items: int | None = typer.Option(None, "--items", min=1, help="'When' will this many more items be done?"),
    until: str | None = typer.Option(None, "--until", help="'How many' items by this day, YYYY-MM-DD?"),
    window: int = typer.Option(56, "--window", min=7, help="Days of recent throughput to sample from."),
    days: Days = typer.Option(Days.CALENDAR, "--days", help="Sample calendar days, or working days only."),
    scope_growth: float = typer.Option(
        0.0, "--scope-growth", min=0.0, help="With --items: new items arriving per item finished (e.g. 0.2)."
    ),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people, json for programs."),
) -> None:
    """Monte Carlo forecast from the team's own throughput, shown with how often such forecasts came true."""
    try:
        last_day = dt.date.fromisoformat(until) if until else None
    except ValueError:
        raise InputError(f"--until '{until}' is not a date; use YYYY-MM-DD") from None
    result = team_forecast(
        database(),
        load_workspace_config(settings().workspace_file),
        team,
        now=dt.datetime.now(dt.UTC),
        items=items,
        until=last_day,
        window_days=window,
        days=days.value,  # type: ignore[arg-type]
        scope_growth=scope_growth,
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
    console.print(
        f"[bold]{result['team']['name']}[/]: {sample['delivered']} items delivered {sample['from']} .. {sample['to']} "
        f"({sample['days']} days sampled, {result['trials']:,} trials)",
        soft_wrap=True,
    )
    table = Table("chance", title="Forecast")
    if "how_many" in result:
        table.add_column(f"at least this many by {result['how_many']['to']}")
    if "when" in result:
        table.add_column(f"{result['when']['items']} items done by")
    for p in ("50", "70", "85", "95"):
        row = [f"{p} %"]
        if "how_many" in result:
            row.append(str(result["how_many"]["items"][p]))
        if "when" in result:
            row.append(result["when"]["dates"][p] or "beyond the simulated span")
        table.add_row(*row)
    console.print(table)
    record = result["track_record"]
    console.print(
        f"Track record at {record['horizon_days']} days over {record['origins']} past weeks: P85 came true "
        f"{_pct(record['p85_coverage'])} of the time, P50 {_pct(record['p50_coverage'])} (definitions: "
        "docs/forecasting.md).",
        soft_wrap=True,
    )
