"""``cadence sla policy show|set`` and ``cadence sla clocks``: SLA policies and clocks; ``cadence support metrics``."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import sys
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from cadence.analytics.serialize import json_rows
from cadence.cli.context import database, settings
from cadence.cli.errors import CadenceGroup
from cadence.domain.errors import InputError
from cadence.services.audit_log import SYSTEM
from cadence.services.sla import find_clocks, save_policy, team_policies, team_policy
from cadence.services.support_metrics import team_support_metrics
from cadence.services.workspace_config import load_workspace_config

__all__ = ["app", "support_metrics"]

app = typer.Typer(cls=CadenceGroup, help="SLA policies and clocks (docs/sla.md).", no_args_is_help=True)
policy_app = typer.Typer(cls=CadenceGroup, help="Show or set a team's SLA policies.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")

_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""Whoever runs the command line on the server acts for every team (like ``cadence user``)."""


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} '{value}' is not a date; use YYYY-MM-DD") from None


def _toml(value: object, path: str = "") -> list[str]:
    """A policy dictionary as TOML (strings, booleans, lists of strings and nested tables are all it holds)."""

    def scalar(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        return json.dumps(v)

    assert isinstance(value, dict)
    lines = [f"{json.dumps(k) if not k.isidentifier() else k} = {scalar(v)}" for k, v in value.items()
             if not isinstance(v, dict)]  # fmt: skip
    for k, v in value.items():
        if isinstance(v, dict):
            lines += ["", f"[{path}{k}]", *_toml(v, f"{path}{k}.")]
    return [line for line in lines if not (line == "" and path)] if path else lines


@policy_app.command("show")
def show_policy(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    name: str | None = typer.Option(None, "--name", help="One policy (default: all, and the fallback)."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table (TOML text) for people; json for programs."),
) -> None:
    """A team's SLA policies as TOML (re-usable with 'cadence sla policy set'), or as JSON."""
    db = database()
    if name is not None:
        result: dict[str, Any] = team_policy(db, _SHELL, team, name).to_dict()
        typer.echo(json.dumps(result) if fmt is Format.JSON else "\n".join(_toml(result)))
        return
    found = team_policies(db, _SHELL, team)
    if fmt is Format.JSON:
        typer.echo(json.dumps(found.to_dict()))
        return
    for policy in found.policies.values():
        typer.echo("\n".join(_toml(policy.to_dict())) + "\n")
    if "default" not in found.policies:
        typer.echo(
            "# Tickets of no stored policy follow the built-in default:\n" + "\n".join(_toml(found.fallback.to_dict()))
        )


@policy_app.command("set")
def set_policy(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    file: Path = typer.Option(..., "--file", help="A TOML (or .json) policy; see docs/sla.md for its fields."),
    name: str | None = typer.Option(None, "--name", help="Policy name (default: the file's 'name', else 'default')."),
) -> None:
    """Create or replace a team's SLA policy from a file; every clock is recomputed from history on the next read."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read {file}: {error.strerror or error}") from None
    try:
        raw = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise InputError(
            f"{file} is not valid {'JSON' if file.suffix.lower() == '.json' else 'TOML'}: {error}"
        ) from None
    policy = save_policy(database(), _SHELL, team, raw, now=_now(), name=name)
    typer.echo(f"Saved SLA policy '{policy.name}' of team {team}.")


@app.command("clocks")
def clocks(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    state: str | None = typer.Option(None, "--state", help="Only running, paused, met, breached or untracked."),
    at_risk: bool = typer.Option(False, "--at-risk", help="Only clocks at risk."),
    all_cycles: bool = typer.Option(False, "--all-cycles", help="Every cycle, not only each ticket's latest."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people; json or csv for programs."),
) -> None:
    """A team's SLA clocks, soonest due first (columns: docs/sla.md)."""
    if state is not None and state not in {"running", "paused", "met", "breached", "untracked"}:
        raise InputError(f"--state '{state}' is not one of running, paused, met, breached, untracked")
    config = load_workspace_config(settings().workspace_file)
    frame = find_clocks(
        database(), config, _SHELL, team, now=_now(), state=state, at_risk=True if at_risk else None,
        current=not all_cycles,
    )  # fmt: skip
    rows = json_rows(frame)
    if fmt is Format.JSON:
        typer.echo(json.dumps(rows))
        return
    if fmt is Format.CSV:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(frame.columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    table = Table(
        "ticket", "goal", "cycle", "priority", "state", "elapsed h", "goal h", "due", title=f"SLA clocks of {team}"
    )
    for r in rows:
        hours = [f"{r[c] / 3600:.1f}" if r[c] is not None else "-" for c in ("elapsed_s", "goal_s")]
        flag = " (at risk)" if r["at_risk"] else ""
        table.add_row(r["key"], r["goal"], str(r["cycle"]), r["priority"] or "-", r["state"] + flag, *hours,
                      (r["due_at"] or "-")[:16])  # fmt: skip
    Console(highlight=False).print(table)


def support_metrics(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    start: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD (default: 27 days before --to)."),
    end: str | None = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (default: today in the team's zone)."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people; json for programs."),
) -> None:
    """SLA attainment, response/resolution times, ticket age, escalations and interrupt load (docs/metrics.md)."""
    config = load_workspace_config(settings().workspace_file)
    result = team_support_metrics(
        database(), config, _SHELL, team, now=_now(), start=_date(start, "--from"), end=_date(end, "--to")
    )
    if fmt is not Format.TABLE:
        typer.echo(json.dumps(result))
        return
    table = Table("metric", "value", title=f"Support metrics of {team}, {result['parameters']['from']} to "
                  f"{result['parameters']['to']}")  # fmt: skip
    for goal, figures in result["sla_attainment"].items():
        share = figures["attainment"]
        table.add_row(f"SLA attainment, {goal}", "-" if share is None else f"{share:.0%} ({figures['met']} met, "
                      f"{figures['breached']} breached)")  # fmt: skip
    for name in ("time_to_first_response", "time_to_resolution"):
        for kind in ("business_hours", "calendar_hours"):
            p = result[name][kind]
            table.add_row(f"{name.replace('_', ' ')} ({kind.replace('_', ' ')})", _p(p))
    table.add_row("open ticket age (hours)", _p(result["open_ticket_age"]))
    esc = result["escalation_rate"]
    table.add_row("escalation rate", "-" if esc["rate"] is None else f"{esc['rate']:.0%} of {esc['tickets']}")
    table.add_row("time waiting on dev (hours)", _p(result["time_waiting_on_dev"]))
    table.add_row("L1 -> L2 hand-off (business hours)", _p(result["l1_l2_handoff"]["business_hours"]))
    load = result["interrupt_load"]
    table.add_row(
        "interrupt load", "-" if load["share"] is None else f"{load['share']:.0%} of {load['delivered']} delivered"
    )
    Console(highlight=False).print(table)


def _p(figures: dict[str, Any]) -> str:
    if not figures["n"]:
        return "-"
    return f"P50 {figures['p50']:.1f}, P85 {figures['p85']:.1f} (n={figures['n']})"
