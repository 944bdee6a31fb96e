"""A Jira site (Cloud or Data Center) as a :class:`~cadence.connectors.source.Source`.

``fetch(since)`` discovers the site's fields (and, with Jira Software, its boards and sprints), then searches the
issues updated at or after ``since`` oldest first, completes each page's changelogs and yields the page as one
batch whose watermark is the page's latest update. The caller subtracts an overlap from the stored watermark
before calling (JQL has minute precision and clocks drift); re-reading is idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Literal

import polars as pl

from cadence.connectors.jira.agile import Board, read_boards
from cadence.connectors.jira.changelog import ChangelogFetcher
from cadence.connectors.jira.client import JiraClient, NotFoundAnswer
from cadence.connectors.jira.fields import FieldMap, discover_fields
from cadence.connectors.jira.issues import IssueConverter
from cadence.connectors.jira.search import build_jql, search_pages
from cadence.connectors.jira.service_desk import TicketConverter, read_slas
from cadence.connectors.jira.values import parse_time
from cadence.connectors.source import SourceBatch
from cadence.domain.batch import RecordBatch

__all__ = ["JiraSite", "JiraSource"]


@dataclass(frozen=True)
class JiraSite:
    """What a configured Jira source says about the site (stored in the source's config)."""

    name: str
    flavour: Literal["cloud", "dc"]
    team: str
    projects: tuple[str, ...] = ()
    agile: bool = True
    page_size: int = 100
    concurrency: int = 4
    jql: str | None = None
    """An extra JQL restriction (e.g. ``issuetype != Sub-task``), and-ed with the project and date bounds."""
    service_projects: tuple[str, ...] = ()
    """Jira Service Management projects: their issues are support tickets (with SLAs), not work items."""

    @property
    def version(self) -> str:
        return "3" if self.flavour == "cloud" else "2"


class JiraSource:
    def __init__(self, site: JiraSite, client: JiraClient) -> None:
        self.name = site.name
        self.site = site
        self.client = client
        self.boards: list[Board] = []
        self.fields = FieldMap()

    def fetch(self, since: dt.datetime | None) -> Iterator[SourceBatch]:
        zone = self._time_zone()
        sprints = self._prepare()
        converter = IssueConverter(source=self.name, team=self.site.team, fields=self.fields, sprints=sprints)
        changelogs = ChangelogFetcher(
            self.client, self.site.flavour, self._changelog_fields(), concurrency=self.site.concurrency
        )
        converter.include_sprints(sprints)
        tickets = TicketConverter(source=self.name, team=self.site.team)
        projects = (*self.site.projects, *self.site.service_projects) if self.site.projects else ()
        jql = build_jql(projects, since, zone=zone, extra=self.site.jql)
        boards = tuple({"source_id": b.source_id, "name": b.name, "config": b.config()} for b in self.boards)
        for number, issues in enumerate(
            search_pages(self.client, self.site.flavour, jql, self.fields.requested, page_size=self.site.page_size)
        ):
            histories = changelogs.complete(issues)
            requests = [i for i in issues if _project(i) in self.site.service_projects]
            with ThreadPoolExecutor(max_workers=self.site.concurrency) as pool:
                slas = dict(zip((str(i["id"]) for i in requests), pool.map(self._slas, requests), strict=True))
            for issue in issues:
                ident = str(issue.get("id"))
                if ident in slas:
                    tickets.add(issue, histories.get(ident, []), slas[ident])
                    _latest(converter, issue)
                else:
                    converter.add(issue, histories.get(ident, []))
            watermark, skipped = converter.latest_update, converter.skipped
            batch = _merge(converter.batch(), tickets.batch())
            if changelogs.problems:
                batch = replace(batch, problems=(*batch.problems, *changelogs.problems))
                changelogs.problems = []
            yield SourceBatch(
                batch=batch,
                watermark=watermark,
                skipped=skipped,
                read=len(issues),
                boards=boards if number == 0 else (),
            )

    def existing_ids(self) -> set[str]:
        """Ids of every issue in the source's scope now (for reconciliation: what is stored but absent was deleted
        or moved out of scope). Only ids and keys are requested, so this is cheap even for a large site."""
        projects = (*self.site.projects, *self.site.service_projects) if self.site.projects else ()
        jql = build_jql(projects, None, extra=self.site.jql)
        found: set[str] = set()
        pages = search_pages(
            self.client, self.site.flavour, jql, ["key"], page_size=self.site.page_size, changelog=False
        )
        for issues in pages:
            found.update(str(issue["id"]) for issue in issues)
        return found

    def _time_zone(self) -> str:
        """The searching account's zone: JQL reads date literals in it."""
        try:
            me = self.client.get(f"/rest/api/{self.site.version}/myself")
        except NotFoundAnswer:
            return "UTC"
        return str(me.get("timeZone") or "UTC")

    def _prepare(self) -> dict[str, dict[str, Any]]:
        """Field discovery and agile boards; returns the sprint registry the boards describe."""
        catalog = self.client.get(f"/rest/api/{self.site.version}/field")
        self.boards = read_boards(self.client, self.site.projects, self.site.version) if self.site.agile else []
        estimation = next((b.estimation_field for b in self.boards if b.estimation_field), None)
        self.fields = discover_fields(catalog, board_estimation=estimation)
        return {s["source_id"]: s for board in self.boards for s in board.sprints}

    def _slas(self, issue: dict[str, Any]) -> list[Any]:
        return read_slas(self.client, str(issue["id"]))

    def _changelog_fields(self) -> list[str]:
        wanted = ["status", "assignee", "priority", self.fields.sprint, self.fields.flagged, *self.fields.story_points]
        return [f for f in wanted if f]


def _project(issue: Mapping[str, Any]) -> str:
    project = (issue.get("fields") or {}).get("project") or {}
    return str(project.get("key") or str(issue.get("key", "")).split("-")[0])


def _latest(converter: IssueConverter, issue: Mapping[str, Any]) -> None:
    """A request's update moves the page's watermark like an item's does."""
    try:
        updated = parse_time((issue.get("fields") or {}).get("updated"))
    except ValueError:
        return
    if updated is not None and (converter.latest_update is None or updated > converter.latest_update):
        converter.latest_update = updated


def _merge(items: RecordBatch, tickets: RecordBatch) -> RecordBatch:
    """One batch (one transaction) for a page holding both work items and service requests."""
    if tickets.tickets is None or tickets.tickets.height == 0:
        return items if not tickets.problems else replace(items, problems=(*items.problems, *tickets.problems))
    frames = [f for f in (items.people, tickets.people) if f is not None and f.height]
    people = pl.concat(frames).unique("source_id", keep="first", maintain_order=True) if frames else None
    return replace(
        items,
        people=people,
        tickets=tickets.tickets,
        ticket_events=tickets.ticket_events,
        problems=(*items.problems, *tickets.problems),
    )
