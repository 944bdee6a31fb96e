"""``cadence report weekly``: the weekly health report of a team or of the department, written to a file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import StrEnum
from pathlib import Path

import typer

from cadence.cli.context import database, settings
from cadence.domain.errors import InputError
from cadence.reports.weekly import render_confluence, render_html, render_markdown, render_pdf
from cadence.services.audit_log import SYSTEM
from cadence.services.weekly_report import department_report, parse_week, team_report
from cadence.services.workspace_config import load_workspace_config

__all__ = ["app"]

_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""Whoever runs the command line on the server acts for every team (like ``cadence user``)."""

app = typer.Typer(help="Reports written to files: the weekly health report.", no_args_is_help=True)


class Format(StrEnum):
    HTML = "html"
    PDF = "pdf"
    MD = "md"
    CONFLUENCE = "confluence"


@app.command("weekly")
def weekly(
    team: str | None = typer.Option(None, "--team", help="Team key, as listed by 'cadence status'."),
    every: bool = typer.Option(False, "--all", help="The department: every team, with totals."),
    fmt: Format = typer.Option(Format.HTML, "--format", help="html, pdf (from the same HTML), md or confluence."),
    out: Path = typer.Option(..., "--out", help="The file to write (replaced if it exists)."),
    week: str | None = typer.Option(
        None, "--week", help="ISO week YYYY-Www (default: the last complete week in the team's time zone)."
    ),
) -> None:
    """Write the weekly health report: delivery, flow, quality, support SLAs, risks, impediments, actions and
    forecasts, each beside the previous week's value. Exits 0 once the file is written."""
    if (team is None) == (not every):
        raise InputError("name one team with --team KEY, or --all for the department")
    chosen = parse_week(week) if week is not None else None
    db = database()
    config = load_workspace_config(settings().workspace_file)
    now = dt.datetime.now(dt.UTC)
    if every:
        report = department_report(db, config, _SHELL, now=now, week=chosen)
    else:
        assert team is not None
        report = team_report(db, config, _SHELL, team, now=now, week=chosen)
    if fmt is Format.PDF:
        out.write_bytes(render_pdf(report))
    else:
        render = {Format.HTML: render_html, Format.MD: render_markdown, Format.CONFLUENCE: render_confluence}[fmt]
        out.write_text(render(report), encoding="utf-8")
    typer.echo(f"wrote {out}")
