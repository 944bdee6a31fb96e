"""Complete changelogs: a search embeds at most a few dozen histories per issue, so Cadence always fetches the rest.

* **Cloud**: ``POST /rest/api/3/changelog/bulkfetch`` for up to 1000 issues at once, filtered to the (at most 10)
  fields Cadence reads, paged with ``nextPageToken``. Where it is unavailable (404), each issue's
  ``/rest/api/3/issue/{id}/changelog`` is paged with ``startAt`` until ``isLast``.
* **Data Center**: the embedded changelog is used when it holds all its ``total`` entries; otherwise
  ``/rest/api/2/issue/{key}/changelog`` is paged where the server has it, and ``/rest/api/2/issue/{key}?expand=
  changelog`` (which returns the issue's whole changelog) where it does not. A changelog still short of its total
  is reported, never silently stored as complete.

Per-issue requests run on a small thread pool (``concurrency``), which bounds the load Cadence puts on a site.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cadence.connectors.jira.client import JiraClient, NotFoundAnswer
from cadence.connectors.jira.issues import changelog_is_truncated, embedded_histories
from cadence.connectors.jira.values import parse_time
from cadence.domain.batch import Problem

__all__ = ["ChangelogFetcher"]

_BULK_LIMIT = 1000
_BULK_FIELDS = 10
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ChangelogFetcher:
    def __init__(self, client: JiraClient, flavour: str, field_ids: Sequence[str], *, concurrency: int = 4) -> None:
        self.client = client
        self.flavour = flavour
        self.field_ids = list(dict.fromkeys(field_ids))[:_BULK_FIELDS]
        self.concurrency = concurrency
        self._bulk_available = flavour == "cloud"
        self._paged_available = True
        self.problems: list[Problem] = []

    def complete(self, issues: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
        """Issue id -> its complete histories, oldest first."""
        if self.flavour == "cloud":
            return self._cloud(issues)
        out: dict[str, list[Mapping[str, Any]]] = {}
        short = [issue for issue in issues if changelog_is_truncated(issue)]
        for issue in issues:
            if not changelog_is_truncated(issue):
                out[str(issue["id"])] = _oldest_first(embedded_histories(issue))
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for ident, histories in zip((str(i["id"]) for i in short), pool.map(self._dc_issue, short), strict=True):
                out[ident] = histories
        return out

    # --- Cloud ---------------------------------------------------------------------------------------------
    def _cloud(self, issues: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
        ids = [str(issue["id"]) for issue in issues]
        out: dict[str, list[Mapping[str, Any]]] = {ident: [] for ident in ids}
        if self._bulk_available:
            try:
                for start in range(0, len(ids), _BULK_LIMIT):
                    self._bulk(ids[start : start + _BULK_LIMIT], out)
                return {k: _oldest_first(v) for k, v in out.items()}
            except NotFoundAnswer:
                self._bulk_available = False
                out = {ident: [] for ident in ids}
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for ident, histories in zip(ids, pool.map(self._paged_v3, ids), strict=True):
                out[ident] = histories
        return out

    def _bulk(self, ids: list[str], out: dict[str, list[Mapping[str, Any]]]) -> None:
        token: str | None = None
        while True:
            body: dict[str, Any] = {"issueIdsOrKeys": ids, "maxResults": 1000}
            if self.field_ids:
                body["fieldIds"] = self.field_ids
            if token:
                body["nextPageToken"] = token
            page = self.client.post("/rest/api/3/changelog/bulkfetch", body)
            for entry in page.get("issueChangeLogs") or ():
                out.setdefault(str(entry.get("issueId")), []).extend(entry.get("changeHistories") or ())
            new_token = page.get("nextPageToken")
            if not new_token or new_token == token:
                return
            token = new_token

    def _paged_v3(self, ident: str) -> list[Mapping[str, Any]]:
        return self._paged(f"/rest/api/3/issue/{ident}/changelog", ident)

    def _paged(self, path: str, ident: str) -> list[Mapping[str, Any]]:
        histories: list[Mapping[str, Any]] = []
        start = 0
        while True:
            page = self.client.get(path, {"startAt": start, "maxResults": 100})
            values = list(page.get("values") or page.get("histories") or [])
            histories.extend(values)
            start += len(values)
            total = page.get("total")
            if not values or page.get("isLast") is True or (total is not None and start >= int(total)):
                return _oldest_first(histories)

    # --- Data Center -----------------------------------------------------------------------------------------
    def _dc_issue(self, issue: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        key = str(issue.get("key") or issue["id"])
        total = (issue.get("changelog") or {}).get("total")
        if self._paged_available:
            try:
                return self._paged(f"/rest/api/2/issue/{key}/changelog", key)
            except NotFoundAnswer:
                self._paged_available = False  # this server has no paged endpoint; use the issue's expansion
        full = self.client.get(f"/rest/api/2/issue/{key}", {"expand": "changelog", "fields": "updated"})
        histories = embedded_histories(full)
        if total is not None and len(histories) < int(total):
            self.problems.append(
                Problem(
                    problem=f"changelog of {key}: Jira returned {len(histories)} of {total} entries; "
                    "its history is incomplete",
                    record=key,
                )
            )
        return _oldest_first(histories)


def _oldest_first(histories: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Chronological, then by id; duplicates (the same history id twice across pages) dropped."""
    unique = {str(h.get("id")): h for h in histories}
    return sorted(unique.values(), key=lambda h: (_instant(h.get("created")), _as_int(h.get("id"))))


def _instant(value: object) -> dt.datetime:
    try:
        return parse_time(value) or _EPOCH
    except ValueError:
        return _EPOCH


def _as_int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
