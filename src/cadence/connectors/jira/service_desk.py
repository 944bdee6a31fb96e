"""Jira Service Management: the requests of a service-desk project become support tickets, with their SLA cycles.

A request is a Jira issue, so it is found by the same incremental search and its complete changelog gives the
ticket's status, priority and assignee events. Its SLAs come from ``/rest/servicedeskapi/request/{id}/sla``
(paged with ``start``/``limit``/``isLastPage``): every *completed* cycle and the *ongoing* one become ticket events
of kind ``sla``, ``from_value`` naming the SLA and ``to_value`` holding the cycle's figures as
``state=met;goal=<ms>;elapsed=<ms>;remaining=<ms>;stop=<instant>`` (``state`` is met, breached, running or
paused). Events are only ever added, so an ongoing cycle is recorded once per state it is seen in (its figures as
first seen), and once more, with final figures, when it completes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from cadence.connectors.jira.client import JiraClient, NotFoundAnswer
from cadence.connectors.jira.values import parse_time, person_id, person_row
from cadence.domain import frames as F
from cadence.domain.batch import Problem, RecordBatch

__all__ = ["TicketConverter", "read_slas", "sla_events"]

_KINDS = {"status": "status", "priority": "priority", "assignee": "assignee"}


def read_slas(client: JiraClient, issue_id: str) -> list[Mapping[str, Any]]:
    """Every SLA of a request (empty when the issue is not a service request)."""
    slas: list[Mapping[str, Any]] = []
    start = 0
    while True:
        try:
            page = client.get(f"/rest/servicedeskapi/request/{issue_id}/sla", {"start": start, "limit": 50})
        except NotFoundAnswer:
            return slas
        values = list(page.get("values") or [])
        slas.extend(values)
        start += len(values)
        if not values or page.get("isLastPage", True):
            return slas


def _millis(value: object) -> str:
    return str(value.get("millis")) if isinstance(value, Mapping) and value.get("millis") is not None else ""


def _instant(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return None
    moment = parse_time(value.get("iso8601")) if value.get("iso8601") else None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def sla_events(ticket: str, slas: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Ticket events (kind ``sla``) for the completed and ongoing cycles of each SLA."""
    events = []
    for sla in slas:
        name = str(sla.get("name") or sla.get("id"))
        cycles = [(c, False) for c in sla.get("completedCycles") or ()]
        if sla.get("ongoingCycle"):
            cycles.append((sla["ongoingCycle"], True))
        for cycle, ongoing in cycles:
            start = _instant(cycle.get("startTime"))
            if start is None:
                continue
            if ongoing:
                state = "breached" if cycle.get("breached") else "paused" if cycle.get("paused") else "running"
            else:
                state = "breached" if cycle.get("breached") else "met"
            figures = [
                f"state={state}",
                f"goal={_millis(cycle.get('goalDuration'))}",
                f"elapsed={_millis(cycle.get('elapsedTime'))}",
                f"remaining={_millis(cycle.get('remainingTime'))}",
            ]
            stop = _instant(cycle.get("stopTime"))
            if stop:
                figures.append(f"stop={stop}")
            suffix = state if ongoing else "done"
            events.append(
                {
                    "ticket_source_id": ticket,
                    "event_key": f"sla:{sla.get('id')}:{start}:{suffix}"[:100],
                    "kind": "sla",
                    "from_value": name[:200],
                    "to_value": ";".join(figures),
                    "at": parse_time(start),
                    "by_id": None,
                }
            )
    return events


class TicketConverter:
    """Service requests (issues of service-desk projects) and their histories -> tickets and ticket events."""

    def __init__(self, *, source: str, team: str) -> None:
        self.source = source
        self.team = team
        self._reset()

    def _reset(self) -> None:
        self.tickets: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.people: dict[str, dict[str, Any]] = {}
        self.problems: list[Problem] = []

    def add(
        self, issue: Mapping[str, Any], histories: Iterable[Mapping[str, Any]], slas: Iterable[Mapping[str, Any]]
    ) -> None:
        fields = issue.get("fields") or {}
        ident = str(issue["id"])
        created = parse_time(fields.get("created"))
        if created is None:
            self.problems.append(Problem(problem=f"request {issue.get('key')} has no 'created' time", record=ident))
            return
        for user in (fields.get("assignee"), fields.get("reporter")):
            row = person_row(user)
            if row is not None:
                self.people.setdefault(row["source_id"], row)
        self.tickets.append(
            {
                "source_id": ident,
                "team": self.team,
                "key": str(issue.get("key") or ident),
                "title": fields.get("summary") or "",
                "requester": (fields.get("reporter") or {}).get("displayName"),
                "priority": (fields.get("priority") or {}).get("name"),
                "status": (fields.get("status") or {}).get("name") or "Unknown",
                "assignee_id": person_id(fields.get("assignee")),
                "created_at": created,
                "updated_at": parse_time(fields.get("updated")),
                "resolved_at": parse_time(fields.get("resolutiondate")),
            }
        )
        for history in histories:
            at = parse_time(history.get("created"))
            by = person_id(history.get("author"))
            for index, item in enumerate(history.get("items") or ()):
                kind = _KINDS.get(str(item.get("fieldId") or item.get("field") or "").lower())
                if kind is None or at is None:
                    continue
                plain = kind != "assignee"
                self.events.append(
                    {
                        "ticket_source_id": ident,
                        "event_key": f"{history.get('id')}:{index}",
                        "kind": kind,
                        "from_value": item.get("fromString") if plain else item.get("from"),
                        "to_value": item.get("toString") if plain else item.get("to"),
                        "at": at,
                        "by_id": by,
                    }
                )
        self.events.extend(sla_events(ident, slas))

    def batch(self) -> RecordBatch:
        batch = RecordBatch(
            source=self.source,
            teams=pl.DataFrame([{"key": self.team, "name": self.team, "timezone": "UTC"}], schema=dict(F.TEAMS)),
            people=_frame(list(self.people.values()), F.PEOPLE),
            tickets=_frame(self.tickets, F.TICKETS),
            ticket_events=_frame(self.events, F.TICKET_EVENTS),
            problems=tuple(self.problems),
        )
        self._reset()
        return batch


def _frame(rows: list[dict[str, Any]], schema: F.Schema) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=dict(schema), strict=False) if rows else F.empty(schema)
