"""Paging through an issue search, the way each flavour of Jira pages.

* **Cloud** (REST v3): ``POST /rest/api/3/search/jql`` with ``nextPageToken``; there is no ``total`` and the token
  is *absent* (not null) on the last page. The JQL must be bounded and fields are requested explicitly. The old
  ``/rest/api/{2,3}/search`` answers HTTP 410 on Cloud and is never called there.
* **Data Center** (REST v2): ``GET /rest/api/2/search`` with ``startAt``/``maxResults``/``total`` and
  ``expand=changelog``. The server may return fewer issues than asked (it caps ``maxResults``), so the next page
  starts after the issues actually received.

Both order by ``updated ASC, key ASC`` so a page's latest update is a safe watermark once the page is stored.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator, Sequence
from typing import Any

from cadence.connectors.errors import SourceUnavailable
from cadence.connectors.jira.client import JiraClient

__all__ = ["build_jql", "search_pages"]


def build_jql(
    projects: Sequence[str], since: dt.datetime | None, *, zone: str = "UTC", extra: str | None = None
) -> str:
    """A bounded JQL query. JQL date literals are read in the *searching user's* time zone, hence ``zone``."""
    clauses = []
    if projects:
        clauses.append("project in (" + ", ".join(f'"{p}"' for p in projects) + ")")
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    start = (since or dt.datetime(1970, 1, 2, tzinfo=dt.UTC)).astimezone(tz)
    clauses.append(f'updated >= "{start:%Y-%m-%d %H:%M}"')  # minute precision: the caller's overlap covers it
    if extra:
        clauses.append(f"({extra})")
    return " AND ".join(clauses) + " ORDER BY updated ASC, key ASC"


def search_pages(
    client: JiraClient, flavour: str, jql: str, fields: Sequence[str], *, page_size: int = 100, changelog: bool = True
) -> Iterator[list[dict[str, Any]]]:
    """Pages of issues; ``changelog`` embeds the (truncated) changelog on Data Center, where it saves requests."""
    if flavour == "cloud":
        yield from _cloud_pages(client, jql, fields, page_size)
    else:
        yield from _dc_pages(client, jql, fields, page_size, changelog)


def _cloud_pages(client: JiraClient, jql: str, fields: Sequence[str], page_size: int) -> Iterator[list[dict[str, Any]]]:
    token: str | None = None
    seen: set[str] = set()
    while True:
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": page_size}
        if token:
            body["nextPageToken"] = token
        page = client.post("/rest/api/3/search/jql", body)
        issues = list(page.get("issues") or [])
        yield issues
        token = page.get("nextPageToken")
        if not token or page.get("isLast") is True:
            return
        if token in seen:
            raise SourceUnavailable(f"Jira at {client.base_url} repeated a search page token; the search was stopped")
        seen.add(token)


def _dc_pages(
    client: JiraClient, jql: str, fields: Sequence[str], page_size: int, changelog: bool
) -> Iterator[list[dict[str, Any]]]:
    start = 0
    while True:
        params: dict[str, Any] = {"jql": jql, "startAt": start, "maxResults": page_size, "fields": ",".join(fields)}
        if changelog:
            params["expand"] = "changelog"
        page = client.get("/rest/api/2/search", params)
        issues = list(page.get("issues") or [])
        yield issues
        start = int(page.get("startAt", start)) + len(issues)
        total = int(page.get("total") or 0)
        if not issues or start >= total:
            return
