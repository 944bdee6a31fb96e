"""``cadence impediments TEAM``: the team's open impediments, or the detector's candidates with their reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import StrEnum

import typer

from cadence.analytics.serialize import json_value
from cadence.cli.context import database, settings
from cadence.services.audit_log import SYSTEM
from cadence.services.impediments import impediment_candidates, impediment_metrics, open_impediments
from cadence.services.workspace_config import load_workspace_config

__all__ = ["impediments"]

_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""Whoever runs the command line on the server acts for every team (like ``cadence user``)."""


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


def impediments(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    candidates: bool = typer.Option(
        False, "--candidates", help="List the items that look stuck (not yet confirmed or dismissed), with why."
    ),
    fmt: Format = typer.Option(Format.TEXT, "--format", help="text for people, json for programs."),
) -> None:
    """The team's open impediments (age, owner, escalation) and their metrics, or with --candidates what the
    detector proposes. Confirming and dismissing happen on the page or through the API."""
    db = database()
    now = dt.datetime.now(dt.UTC)
    if candidates:
        found = impediment_candidates(db, load_workspace_config(settings().workspace_file), _SHELL, team, now=now)
        if fmt is Format.JSON:
            typer.echo(json.dumps(json_value({"team": team, "candidates": found})))
            return
        if not found:
            typer.echo(f"{team}: nothing looks stuck.")
        for c in found:
            typer.echo(f"{c['item_key']:<12} {c['signal']:<15} {c['reason']}  [{c['signal_key']}]")
        return
    rows = open_impediments(db, _SHELL, team, now=now)
    metrics = impediment_metrics(db, _SHELL, team, now=now)
    if fmt is Format.JSON:
        typer.echo(json.dumps(json_value({"team": team, "open": rows, "metrics": metrics})))
        return
    if not rows:
        typer.echo(f"{team}: no open impediment.")
    for r in rows:
        item = f" ({r['item_key']})" if r["item_key"] else ""
        typer.echo(f"#{r['id']:<5} {r['age_days']:>6.1f} d  level {r['escalation_level']}  "
                   f"{r['owner'] or 'no owner':<20} {r['title']}{item}")  # fmt: skip
    median = metrics["resolve_median_days"]
    typer.echo(
        f"Open {metrics['open']}; resolved in the last {metrics['window_days']} days: {metrics['resolved']}"
        + (f", median {median:.1f} d, P85 {metrics['resolve_p85_days']:.1f} d" if median is not None else "")
    )
