"""``cadence import ...``: Jira CSV and JSON exports, generic status-event logs."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from cadence.cli.context import database, settings
from cadence.services.imports import ImportReport, import_event_log, import_jira_csv, import_jira_json
from cadence.services.workspace_config import WorkspaceConfig, load_workspace_config

__all__ = ["app", "print_import_report"]

app = typer.Typer(help="Import a file: a Jira CSV or JSON export, or a status-event log.", no_args_is_help=True)
console = Console(highlight=False)

_SHOWN_PROBLEMS = 20


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


_TEAM = typer.Option(..., "--team", help="Key of the team the records belong to (created if absent).")
_DRY_RUN = typer.Option(False, "--dry-run", help="Read and check everything, report the counts, store nothing.")
_FORMAT = typer.Option(OutputFormat.text, "--format", help="'json' prints only the machine-readable report.")


def _config() -> WorkspaceConfig:
    """The teams' workflows, for the relay pass after the import."""
    return load_workspace_config(settings().workspace_file)


def print_import_report(report: ImportReport, output: OutputFormat) -> None:
    """JSON goes to stdout alone (a stable contract); the text summary is for people."""
    if output is OutputFormat.json:
        typer.echo(json.dumps(report.to_dict()))
        return
    verb = "Would store" if report.dry_run else "Stored"
    detail = ", ".join(f"{n:,} {entity.replace('_', ' ')}" for entity, n in report.details.items())
    console.print(
        f"{verb} {report.stored:,} rows{f' ({detail})' if detail else ''}; {report.unchanged:,} unchanged, "
        f"{report.skipped:,} skipped, in {report.seconds:.1f} s."
    )
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        where = ", ".join(
            part for part in (f"line {problem.line}" if problem.line else "", problem.column or "") if part
        )
        console.print(f"  {where + ': ' if where else ''}{problem.problem}")
    if len(report.problems) > _SHOWN_PROBLEMS:
        console.print(f"  ... and {len(report.problems) - _SHOWN_PROBLEMS:,} more problems (see --format json)")
    if report.dry_run:
        console.print("Dry run: nothing was stored.")


@app.command("jira-csv")
def jira_csv(
    file: Path = typer.Argument(..., help="A CSV export of Jira's issue navigator (all fields)."),
    team: str = _TEAM,
    source: str = typer.Option("jira-file", "--source", help="Source name the records are keyed under."),
    date_format: str = typer.Option(
        "%d/%b/%y %I:%M %p", "--date-format", help="The site's date format, in strftime codes (Jira: dd/MMM/yy h:mm a)."
    ),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA time zone of the exporting user (dates have none)."),
    dry_run: bool = _DRY_RUN,
    output: OutputFormat = _FORMAT,
) -> None:
    """Import the work items of a Jira CSV export (current state; a CSV has no history)."""
    report = import_jira_csv(
        database(),
        file,
        team=team,
        source=source,
        date_format=date_format,
        timezone=timezone,
        dry_run=dry_run,
        config=_config(),
    )
    print_import_report(report, output)


@app.command("jira-json")
def jira_json(
    file: Path = typer.Argument(..., help="A saved search response (v2 or v3) or a JSON list of issues."),
    team: str = _TEAM,
    source: str = typer.Option("jira-file", "--source", help="Source name the records are keyed under."),
    dry_run: bool = _DRY_RUN,
    output: OutputFormat = _FORMAT,
) -> None:
    """Import Jira issues and their changelogs from a JSON file."""
    report = import_jira_json(database(), file, team=team, source=source, dry_run=dry_run, config=_config())
    print_import_report(report, output)


@app.command("events")
def events(
    file: Path = typer.Argument(..., help="A CSV log with one row per status change (plain or .gz)."),
    mapping: Path = typer.Option(..., "--mapping", help="TOML file naming the columns (see docs/connectors.md)."),
    team: str = _TEAM,
    source: str = typer.Option("events", "--source", help="Source name the tickets are keyed under."),
    dry_run: bool = _DRY_RUN,
    output: OutputFormat = _FORMAT,
) -> None:
    """Import support tickets and their status events from a generic event log."""
    report = import_event_log(database(), file, mapping, team=team, source=source, dry_run=dry_run, config=_config())
    print_import_report(report, output)
