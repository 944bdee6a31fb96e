"""``cadence risks TEAM``: the team's risk register and the risks its data proposes, with their evidence."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import StrEnum
from typing import Any

import typer

from cadence.analytics.serialize import json_value
from cadence.cli.context import database, settings
from cadence.services.audit_log import SYSTEM
from cadence.services.risks import risk_register
from cadence.services.workspace_config import load_workspace_config

__all__ = ["risks"]

_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""Whoever runs the command line on the server acts for every team (like ``cadence user``)."""

_RISK_KEYS = (
    "id", "title", "probability", "impact", "score", "roam", "status", "owner", "review_on", "epic_key",
    "fix_version", "mitigations", "history",
)  # fmt: skip
_PROPOSAL_KEYS = ("signal_key", "rule", "title", "reason", "evidence", "probability", "impact")


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


def contract(team: str, risks: list[dict[str, Any]], proposed: list[dict[str, Any]]) -> dict[str, Any]:
    """The stable JSON of ``cadence risks --format json`` (docs/cli.md): only the documented keys."""
    return {
        "team": team,
        "risks": [{k: r[k] for k in _RISK_KEYS} for r in risks],
        "proposed": [{k: p[k] for k in _PROPOSAL_KEYS} for p in proposed],
    }


def risks(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    fmt: Format = typer.Option(Format.TEXT, "--format", help="text for people, json for programs (a stable contract)."),
) -> None:
    """The team's risks (open and closed, highest score first) with mitigations and score history, and the risks
    its data proposes. Scoring, accepting and dismissing happen on the page or through the API."""
    register = risk_register(
        database(), load_workspace_config(settings().workspace_file), _SHELL, team, now=dt.datetime.now(dt.UTC)
    )
    if fmt is Format.JSON:
        typer.echo(json.dumps(json_value(contract(register.team.key, register.risks, register.proposed))))
        return
    if not register.risks:
        typer.echo(f"{register.team.key}: no risk recorded.")
    for r in register.risks:
        stale = "  [to review]" if r["stale"] else ""
        typer.echo(f"#{r['id']:<5} {r['score']:>2} ({r['probability']}x{r['impact']})  {r['status']:<6} "
                   f"{r['roam'] or '-':<9} {r['owner'] or 'no owner':<20} {r['title']}{stale}")  # fmt: skip
    for p in register.proposed:
        typer.echo(f"proposed  {p['probability']}x{p['impact']}  {p['title']}: {p['reason']}  [{p['signal_key']}]")
