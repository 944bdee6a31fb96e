"""A generic status-event log (one row per status change of a ticket) -> support tickets and their events.

For helpdesks and trackers without an API: every row becomes one ``status`` event; the optional priority, level
and assignee columns become events of their own kind when their value first appears or changes. Rows are ordered
by (ticket, time, line), so a file need not be sorted. A ticket's current values are those of its last row; it was
created at its first row and resolved at its last row when that row's status is listed as resolved in the mapping.

Event keys are ``<kind>:<instant>#<n>`` (n counts rows of the same ticket and instant in file order): stable
across re-imports of the same or a longer log, so importing twice stores nothing new.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import Any

import polars as pl

from cadence.connectors.files.event_mapping import EventMapping
from cadence.connectors.files.text import numbered_rows, open_text
from cadence.connectors.source import SourceBatch
from cadence.domain import frames as F
from cadence.domain.batch import Problem, RecordBatch
from cadence.domain.errors import InputError

__all__ = ["read_event_log"]

_MAX_PROBLEMS = 1000


def read_event_log(path: Path, mapping: EventMapping, *, source: str, team: str) -> SourceBatch:
    """Read the whole log into one batch; bad rows are skipped with a (line, column, problem) each."""
    rows, problems, skipped = _read_rows(path, mapping)
    frame = _events_frame(rows, mapping)
    batch = RecordBatch(
        source=source,
        teams=pl.DataFrame([{"key": team, "name": team, "timezone": "UTC"}], schema=dict(F.TEAMS)),
        tickets=_tickets(frame, mapping, team),
        ticket_events=_ticket_events(frame, mapping),
        problems=tuple(problems),
    )
    return SourceBatch(batch=batch, skipped=skipped, read=len(rows) + skipped)


def _read_rows(path: Path, mapping: EventMapping) -> tuple[list[dict[str, Any]], list[Problem], int]:
    zone = zoneinfo.ZoneInfo(mapping.timezone)
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    skipped = 0

    def bad(line: int, column: str | None, problem: str) -> None:
        nonlocal skipped
        skipped += 1
        if len(problems) < _MAX_PROBLEMS:
            problems.append(Problem(problem=problem, line=line, column=column))

    with open_text(path, mapping.encoding) as handle:
        numbered = numbered_rows(handle, mapping.delimiter)
        header_line, header = next(numbered, (1, []))
        positions = {name.strip(): index for index, name in enumerate(header)}
        wanted = {c for names in mapping.columns.values() for c in names}
        absent = sorted(wanted - set(positions))
        if absent:
            raise InputError(
                f"{path.name} line {header_line}: column(s) {', '.join(absent)} named in the mapping are absent"
            )
        for line, cells in numbered:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) < len(header):
                bad(line, None, f"row has {len(cells)} cells, the header {len(header)}")
                continue
            values: dict[str, Any] = {
                concept: mapping.status_separator.join(
                    cells[positions[c]].strip() for c in names if cells[positions[c]].strip()
                )
                or None
                for concept, names in mapping.columns.items()
            }
            if not values["ticket"]:
                bad(line, mapping.columns["ticket"][0], "ticket id is empty")
                continue
            if not values["status"]:
                bad(line, mapping.columns["status"][0], "status is empty")
                continue
            try:
                values["at"] = _instant(values["at"], mapping.timestamp_format, zone)
            except ValueError as error:
                bad(line, mapping.columns["at"][0], f"timestamp {error}")
                continue
            values["line"] = line
            rows.append(values)
    return rows, problems, skipped


def _instant(value: str | None, fmt: str | None, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    if not value:
        raise ValueError("is empty")
    try:
        parsed = _strptime(value, fmt) if fmt else dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' does not match {fmt or 'ISO 8601'}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(dt.UTC)


def _strptime(value: str, fmt: str) -> dt.datetime:
    return dt.datetime.strptime(value, fmt)  # noqa: DTZ007 - the caller attaches the zone


def _events_frame(rows: list[dict[str, Any]], mapping: EventMapping) -> pl.DataFrame:
    schema: dict[str, Any] = {c: pl.String for c in mapping.columns} | {"at": F.UTC_TS, "line": pl.Int64}
    frame = pl.DataFrame(rows, schema=schema)
    frame = frame.sort("ticket", "at", "line")
    stamp = pl.col("at").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
    nth = pl.int_range(pl.len()).over("ticket", "at").cast(pl.String)
    return frame.with_columns((stamp + pl.lit("#") + nth).alias("stamp"))


def _ticket_events(frame: pl.DataFrame, mapping: EventMapping) -> pl.DataFrame:
    parts = []
    for kind in ("status", *mapping.tracked):
        previous = pl.col(kind).shift(1).over("ticket")
        events = frame.with_columns(previous.alias("from_value"))
        if kind != "status":  # a tracked value is an event when it first appears or changes
            events = events.filter(pl.col(kind).is_not_null() & (pl.col(kind) != pl.col("from_value")).fill_null(True))
        parts.append(
            events.select(
                pl.col("ticket").alias("ticket_source_id"),
                (pl.lit(f"{kind}:") + pl.col("stamp")).alias("event_key"),
                pl.lit(kind).alias("kind"),
                "from_value",
                pl.col(kind).alias("to_value"),
                "at",
                pl.lit(None, pl.String).alias("by_id"),
            )
        )
    return F.conform(pl.concat(parts), F.TICKET_EVENTS, name="ticket_events")


def _tickets(frame: pl.DataFrame, mapping: EventMapping, team: str) -> pl.DataFrame:
    described = ("priority", "impact", "urgency", "level", "assignee", "title", "customer", "product_area", "channel")
    optional = [c for c in described if c in mapping.columns]
    last = [pl.col(c).drop_nulls().last().alias(c) for c in optional]
    tickets = frame.group_by("ticket", maintain_order=True).agg(
        pl.col("at").first().alias("created_at"),
        pl.col("at").last().alias("updated_at"),
        pl.col("status").last().alias("status"),
        *last,
    )
    resolved = pl.col("status").is_in(sorted(mapping.resolved))
    tickets = tickets.with_columns(
        pl.col("ticket").alias("source_id"),
        pl.col("ticket").alias("key"),
        pl.lit(team).alias("team"),
        pl.when(resolved).then(pl.col("updated_at")).otherwise(None).alias("resolved_at"),
        (pl.col("title") if "title" in mapping.columns else pl.lit(None, pl.String))
        .fill_null(pl.col("ticket"))
        .alias("title"),
        (pl.col("impact").str.to_lowercase() if "impact" in mapping.columns else pl.lit(None, pl.String)).alias(
            "impact"
        ),
        (pl.col("assignee") if "assignee" in mapping.columns else pl.lit(None, pl.String)).alias("assignee_id"),
    )
    return F.conform(tickets, F.TICKETS, name="tickets")
