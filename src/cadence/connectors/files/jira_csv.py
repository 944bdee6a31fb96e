"""A Jira issue-navigator CSV export -> work items, their labels, components, fix versions, estimates and sprints.

Jira repeats a header once per value of a multi-valued field (``Labels,Labels,Sprint,Sprint``), so rows are read
by position, never with ``csv.DictReader`` (which keeps only the last of equal headers and silently drops the
rest). Dates are written in the exporting site's format and the exporting user's time zone, both of which the
caller passes (default ``dd/MMM/yy h:mm a``, Jira's out-of-the-box format). Comment cells
(``date;author;text``, often spanning lines) are not stored: a quoted cell may span lines, and problems name the
line the row *starts* on.

A CSV export holds no changelog. A row listing sprints records the item as added to each of them, stamped at the
item's creation (the only instant the file offers; sync the site for the real sprint history).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import Any

import polars as pl

from cadence.connectors.files.text import numbered_rows, open_text
from cadence.connectors.jira.issues import issue_type
from cadence.connectors.source import SourceBatch
from cadence.domain import frames as F
from cadence.domain.batch import Problem, RecordBatch
from cadence.domain.errors import InputError

__all__ = ["read_jira_csv"]

_REQUIRED = ("Summary", "Issue key", "Status", "Created")
_ESTIMATES = ("Custom field (Story point estimate)", "Custom field (Story Points)")
_MAX_PROBLEMS = 1000


class _Row:
    """One CSV row addressed by header name: ``one`` for single fields, ``many`` for repeated headers."""

    def __init__(self, positions: dict[str, list[int]], cells: list[str]):
        self.positions = positions
        self.cells = cells

    def one(self, name: str) -> str | None:
        for index in self.positions.get(name, ()):
            value = self.cells[index].strip() if index < len(self.cells) else ""
            if value:
                return value
        return None

    def many(self, name: str) -> list[str]:
        values = (self.cells[i].strip() for i in self.positions.get(name, ()) if i < len(self.cells))
        return [v for v in values if v]


def read_jira_csv(path: Path, *, source: str, team: str, date_format: str, timezone: str) -> SourceBatch:
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"time zone '{timezone}' is not an IANA zone name (e.g. Europe/Paris)") from None
    items: list[dict[str, Any]] = []
    people: dict[str, dict[str, Any]] = {}
    sprints: dict[str, dict[str, Any]] = {}
    sprint_changes: list[dict[str, Any]] = []
    problems: list[Problem] = []
    skipped = 0
    with open_text(path) as handle:
        numbered = numbered_rows(handle)
        header_line, header = next(numbered, (1, []))
        positions: dict[str, list[int]] = {}
        for index, name in enumerate(header):
            positions.setdefault(name.strip(), []).append(index)
        missing = [name for name in _REQUIRED if name not in positions]
        if missing:
            raise InputError(
                f"{path.name} line {header_line}: column(s) {', '.join(missing)} are absent; is it a Jira CSV export?"
            )
        for line, cells in numbered:
            if not any(c.strip() for c in cells):
                continue
            row = _Row(positions, cells)
            try:
                item = _item(row, team, date_format, zone)
            except ValueError as error:
                skipped += 1
                column, problem = error.args if len(error.args) == 2 else (None, str(error))
                if len(problems) < _MAX_PROBLEMS:
                    problems.append(Problem(problem=problem, line=line, column=column, record=row.one("Issue key")))
                continue
            items.append(item)
            for role in ("assignee", "reporter"):
                ident, display = item[f"{role}_id"], row.one(role.capitalize())
                if ident:
                    people.setdefault(ident, {"source_id": ident, "display_name": display or ident, "email": None})
            for name in row.many("Sprint"):
                sprint_id = f"name:{name}"
                sprints.setdefault(sprint_id, {"source_id": sprint_id, "team": team, "name": name, "state": "unknown"})
                sprint_changes.append(
                    {
                        "item_source_id": item["source_id"],
                        "event_key": f"csv:sprint:{name}"[:100],
                        "sprint_id": sprint_id,
                        "change": "added",
                        "at": item["created_at"],
                    }
                )
    batch = RecordBatch(
        source=source,
        teams=pl.DataFrame([{"key": team, "name": team, "timezone": "UTC"}], schema=dict(F.TEAMS)),
        people=_frame(list(people.values()), F.PEOPLE),
        sprints=_frame(list(sprints.values()), F.SPRINTS),
        items=_frame(items, F.ITEMS),
        sprint_changes=_frame(sprint_changes, F.SPRINT_CHANGES),
        problems=tuple(problems),
    )
    return SourceBatch(batch=batch, skipped=skipped, read=len(items) + skipped)


def _item(row: _Row, team: str, date_format: str, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    key = row.one("Issue key")
    if not key:
        raise ValueError("Issue key", "issue key is empty")
    estimate = None
    for column in _ESTIMATES:
        value = row.one(column)
        if value is not None:
            try:
                estimate = float(value)
            except ValueError:
                raise ValueError(column, f"'{value}' is not a number") from None
            break
    kind = row.one("Issue Type") or "task"
    return {
        "source_id": row.one("Issue id") or key,
        "team": team,
        "key": key,
        "type": issue_type({"issuetype": {"name": kind}}),
        "title": row.one("Summary") or "",
        "description": row.one("Description"),
        "priority": row.one("Priority"),
        "status": row.one("Status") or "Unknown",
        "estimate": estimate,
        "assignee_id": row.one("Assignee Id") or row.one("Assignee"),
        "reporter_id": row.one("Reporter Id") or row.one("Reporter"),
        "labels": row.many("Labels"),
        "components": row.many("Component/s"),
        "fix_versions": row.many("Fix Version/s") or row.many("Fix versions"),
        "epic_key": row.one("Custom field (Epic Link)"),
        "parent_key": row.one("Parent key") or row.one("Parent"),
        "created_at": _time(row, "Created", date_format, zone, required=True),
        "updated_at": _time(row, "Updated", date_format, zone),
        "resolved_at": _time(row, "Resolved", date_format, zone),
        "resolution": row.one("Resolution"),
        "flagged": bool(row.one("Custom field (Flagged)")),
    }


def _time(row: _Row, column: str, fmt: str, zone: zoneinfo.ZoneInfo, *, required: bool = False) -> dt.datetime | None:
    value = row.one(column)
    if value is None:
        if required:
            raise ValueError(column, f"{column.lower()} date is empty")
        return None
    try:
        parsed = dt.datetime.strptime(value, fmt)  # noqa: DTZ007 - zone attached below
    except ValueError:
        raise ValueError(column, f"'{value}' does not match the date format {fmt} (pass --date-format)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(dt.UTC)


def _frame(rows: list[dict[str, Any]], schema: F.Schema) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=dict(schema), strict=False) if rows else F.empty(schema)
