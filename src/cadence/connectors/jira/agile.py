"""Jira Software (agile REST 1.0): boards, their column -> status mapping and estimation field, and sprints.

A board's columns are the team's own workflow stages, so they become the *default* stages of the workflow mapping
(a person can still edit them): each column keeps its statuses (by name) and a category taken from Jira's status
categories (``new`` -> backlog, ``indeterminate`` -> in progress, ``done`` -> done). The board's estimation field
is the field its velocity counts, so it decides which story-point field wins (see :mod:`.fields`).

Boards without sprints (Kanban) answer HTTP 400 to the sprint list; they simply have none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cadence.connectors.errors import SourceAuthError, SourceUnavailable
from cadence.connectors.jira.client import JiraClient, NotFoundAnswer
from cadence.connectors.jira.values import parse_sprint

__all__ = ["Board", "board_stages", "read_boards"]

_CATEGORIES = {"new": "backlog", "indeterminate": "in progress", "done": "done"}


@dataclass(frozen=True)
class Board:
    source_id: str
    name: str
    stages: list[dict[str, Any]]
    estimation_field: str | None
    sprints: list[dict[str, Any]] = field(default_factory=list)

    def config(self) -> dict[str, Any]:
        return {"stages": self.stages, "estimation_field": self.estimation_field}


def _pages(client: JiraClient, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Mapping[str, Any]]:
    """Agile lists page with ``startAt``/``maxResults`` and say ``isLast``."""
    start = 0
    while True:
        page = client.get(path, {**(params or {}), "startAt": start, "maxResults": 50})
        values = list(page.get("values") or [])
        yield from values
        start += len(values)
        if not values or page.get("isLast", True):
            return


def board_stages(configuration: Mapping[str, Any], statuses: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Board columns -> ordered stages: ``{"name", "statuses": [status names], "category"}``."""
    stages = []
    for column in (configuration.get("columnConfig") or {}).get("columns") or ():
        names, categories = [], []
        for status in column.get("statuses") or ():
            known = statuses.get(str(status.get("id")), {})
            names.append(str(known.get("name") or status.get("id")))
            categories.append(str((known.get("statusCategory") or {}).get("key") or ""))
        category = next((_CATEGORIES[c] for c in reversed(categories) if c in _CATEGORIES), None)
        stages.append({"name": column.get("name"), "statuses": names, "category": category})
    if stages and stages[0]["category"] in (None, "backlog") and len(stages) > 2:
        stages[0]["category"] = "backlog"
    return stages


def read_boards(client: JiraClient, projects: Sequence[str], version: str) -> list[Board]:
    """The boards of ``projects`` (all visible boards when none is named), with configuration and sprints."""
    try:
        statuses = {str(s.get("id")): s for s in client.get(f"/rest/api/{version}/status")}
    except NotFoundAnswer:
        statuses = {}
    found: dict[str, Mapping[str, Any]] = {}
    for project in projects or (None,):
        params = {"projectKeyOrId": project} if project else {}
        try:
            for board in _pages(client, "/rest/agile/1.0/board", params):
                found.setdefault(str(board.get("id")), board)
        except NotFoundAnswer:
            return []  # Jira without Jira Software: no boards, no sprints
    boards = []
    for ident, board in found.items():
        try:
            configuration = client.get(f"/rest/agile/1.0/board/{ident}/configuration")
        except (SourceAuthError, NotFoundAnswer):
            continue  # a board whose filter the account cannot see: its issues still sync, its columns are unknown
        estimation = ((configuration.get("estimation") or {}).get("field") or {}).get("fieldId")
        sprints: list[dict[str, Any]] = []
        try:
            for raw in _pages(client, f"/rest/agile/1.0/board/{ident}/sprint"):
                sprint = parse_sprint(raw)
                if sprint is not None:
                    sprints.append({**sprint, "board": sprint.get("board") or ident})
        except SourceUnavailable as error:
            if error.data.get("status") != 400:  # a Kanban board "does not support sprints"
                raise
        boards.append(
            Board(ident, str(board.get("name") or ident), board_stages(configuration, statuses), estimation, sprints)
        )
    return boards
