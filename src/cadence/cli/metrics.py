"""``cadence metrics`` and ``cadence quality``: a team's numbers and how far to trust them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from cadence.cli.context import database, settings
from cadence.domain.errors import InputError
from cadence.services.team_metrics import team_metrics
from cadence.services.workspace_config import load_workspace_config

__all__ = ["metrics", "quality"]


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} '{value}' is not a date; use YYYY-MM-DD") from None


def _compute(team: str, start: str | None, end: str | None) -> dict[str, Any]:
    config = load_workspace_config(settings().workspace_file)
    now = dt.datetime.now(dt.UTC)
    return team_metrics(database(), config, team, now=now, start=_date(start, "--from"), end=_date(end, "--to"))


def metrics(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    start: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD (default: 12 weeks before --to)."),
    end: str | None = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (default: today in the team's zone)."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people; json or csv for programs."),
) -> None:
    """Flow, sprint and quality metrics of a team over a date range (definitions: docs/metrics.md)."""
    result = _compute(team, start, end)
    if fmt is Format.JSON:
        typer.echo(json.dumps(result))
    elif fmt is Format.CSV:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["metric", "value"])
        writer.writerows(_flatten(result))
    else:
        _print_tables(result)


def quality(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people; json or csv for programs."),
) -> None:
    """What in a team's recorded history makes its metrics less trustworthy. Shown, never silently fixed."""
    report = _compute(team, None, None)["data_quality"]
    if fmt is Format.JSON:
        typer.echo(json.dumps(report))
        return
    if fmt is Format.CSV:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["check", "value"])
        writer.writerows(_flatten(report))
        return
    console = Console(highlight=False)
    table = Table("check", "count", "examples", title=f"Data quality of {team}")
    unmapped = report["unmapped_statuses"]
    table.add_row(
        "statuses not in the workflow",
        str(len(unmapped)),
        ", ".join(f"{u['status']} ({u['count']}, counted as {u['fallback_stage'] or 'nothing'})" for u in unmapped[:5]),
    )
    labels = {
        "done_without_commitment": "done without passing the commitment point",
        "odd_durations": "stage visits of zero or negative duration",
        "out_of_order": "transitions out of order",
        "missing_estimates": "committed items without an estimate",
        "partial_statuses": "statuses used in only part of the history",
    }
    for name, label in labels.items():
        entry = report[name]
        examples = ", ".join(
            str(row.get("key") or row.get("status") or row.get("item_id")) for row in entry["sample"][:5]
        )
        table.add_row(label, str(entry["count"]), examples)
    table.add_row("transitions of unknown items", str(report["orphan_transitions"]), "")
    table.add_row("items with no usable history", str(report["items_without_history"]), "")
    console.print(table)


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested JSON as (dotted path, scalar) rows: every number of the set, one per line."""
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for key, inner in value.items():
            rows += _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list):
        rows = []
        for index, inner in enumerate(value):
            rows += _flatten(inner, f"{prefix}[{index}]")
        return rows
    return [(prefix, "" if value is None else value)]


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}"
    return f"{value}{unit}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def _print_tables(result: dict[str, Any]) -> None:
    console = Console(highlight=False)
    params = result["parameters"]
    team = result["team"]
    console.print(f"[bold]{team['name']}[/] ({team['key']}) from {params['start']} to {params['end']} ({params['tz']})")
    durations = Table("", "n", "P50", "P70", "P85", "P95", title="Durations (days)")
    for name, label in (("cycle_time", "cycle time"), ("lead_time", "lead time")):
        d = result[name]
        durations.add_row(label, str(d["n"]), *(_fmt(d[p]) for p in ("p50", "p70", "p85", "p95")))
    console.print(durations)
    delivered = sum(row["count"] for row in result["throughput"])
    wip = [row["wip"] for row in result["wip"]] if result["wip"] and "wip" in result["wip"][0] else []
    flow = Table("measure", "value", title="Flow")
    flow.add_row("delivered (throughput)", str(delivered))
    flow.add_row("average WIP", _fmt(sum(wip) / len(wip)) if wip else "—")
    flow.add_row("open items ageing", str(len(result["age"])))
    flow.add_row("flow efficiency", _pct(result["flow_efficiency"].get("aggregate")))
    flow.add_row("reopen rate", _pct(result["reopen_rate"].get("rate")))
    flow.add_row("unplanned share (items)", _pct(result["unplanned_share"]["overall"].get("share_count")))
    flow.add_row("bug share (items)", _pct(result["bug_share"].get("share_count")))
    console.print(flow)
    sprints = Table(
        "sprint",
        "committed",
        "done of committed",
        "say/do",
        "added",
        "removed",
        "velocity",
        "carried over",
        title="Sprints (points)",
    )
    say_do = {row["sprint_id"]: row for row in result["say_do"]["sprints"]}
    scope = {row["sprint_id"]: row for row in result.get("sprint_scope", [])}
    for row in result["velocity"]:
        sd, sc = say_do.get(row["sprint_id"], {}), scope.get(row["sprint_id"], {})
        sprints.add_row(
            str(row["name"]) + ("" if row.get("closed") else " (active)"),
            _fmt(sd.get("committed_points")),
            _fmt(sd.get("completed_committed_points")),
            _pct(sd.get("say_do_points")),
            _fmt(sc.get("added_points")),
            _fmt(sc.get("removed_points")),
            _fmt(row.get("completed_points")),
            _fmt(row.get("carried_over_points")),
        )
    console.print(sprints)
    console.print("Definitions: docs/metrics.md · all figures: --format json")
