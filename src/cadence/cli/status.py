"""``cadence status``: what the configured database holds."""

from __future__ import annotations

import json
from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from cadence.cli.context import database
from cadence.services.workspace_status import workspace_status

__all__ = ["status"]


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def status(fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people, json for programs.")) -> None:
    """Teams, record counts and the span of recorded history."""
    state = workspace_status(database())
    if fmt is Format.JSON:
        payload = {
            "teams": [{"key": t.key, "name": t.name} for t in state.teams],
            "counts": state.counts,
            "history": {
                "from": state.history_from.isoformat() if state.history_from else None,
                "to": state.history_to.isoformat() if state.history_to else None,
            },
        }
        typer.echo(json.dumps(payload))
        return
    console = Console(highlight=False)
    table = Table("team", "name", "people", "items", "tickets", "history", title="Cadence workspace")
    for t in state.teams:
        span = f"{t.history_from} → {t.history_to}" if t.history_from else "—"
        table.add_row(t.key, t.name, str(t.people), f"{t.items:,}", f"{t.tickets:,}", span)
    console.print(table)
    console.print(", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in state.counts.items()))
