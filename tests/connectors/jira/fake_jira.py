"""A fake Jira site on 127.0.0.1, following Jira's documented paging and fault semantics.

Cloud: ``POST /rest/api/3/search/jql`` pages with ``nextPageToken`` (absent on the last page, no ``total``), the
old ``/rest/api/{2,3}/search`` answers 410, ``/changelog/bulkfetch`` and ``/issue/{id}/changelog`` page changelogs.
Data Center: ``GET /rest/api/2/search`` pages with ``startAt``/``total`` and embeds *truncated* changelogs (at most
``embed_limit`` histories, with the true ``total``), ``/issue/{key}?expand=changelog`` returns the whole one and the
paged changelog endpoint is absent (404) unless ``dc_changelog_endpoint``. Agile boards, configuration and sprints.
Faults are queued per path prefix: ``("status", 429, retry_after)``, ``("slow", seconds)``, ``("drop",)``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import uvicorn

Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]

_UPDATED = re.compile(r'updated >= "(\d{4}-\d{2}-\d{2} \d{2}:\d{2})"')
_PROJECTS = re.compile(r"project in \(([^)]*)\)")


class FakeJira:
    def __init__(
        self,
        flavour: str,
        issues: list[dict[str, Any]],
        *,
        fields: list[dict[str, Any]] | None = None,
        boards: list[dict[str, Any]] | None = None,
        embed_limit: int = 3,
        search_cap: int = 50,
        changelog_page: int = 2,
        bulk_page: int = 5,
        dc_changelog_endpoint: bool = False,
        auth: str = "Bearer good-token",
    ) -> None:
        self.flavour = flavour
        self.issues = issues
        self.fields = fields or []
        self.boards = boards or []
        self.embed_limit = embed_limit
        self.search_cap = search_cap
        self.changelog_page = changelog_page
        self.bulk_page = bulk_page
        self.dc_changelog_endpoint = dc_changelog_endpoint
        self.auth = auth
        self.forbidden: set[str] = set()
        self.faults: dict[str, deque[tuple[Any, ...]]] = {}
        self.log: list[tuple[str, str]] = []
        self.time_zone = "UTC"
        self.slas: dict[str, list[dict[str, Any]]] = {}
        self._cache: tuple[Any, list[dict[str, Any]]] | None = None
        self._by_id: dict[str, dict[str, Any]] = {}

    # --- test controls ----------------------------------------------------------------------------------------
    def fault(self, prefix: str, *faults: tuple[Any, ...]) -> None:
        self.faults.setdefault(prefix, deque()).extend(faults)

    def calls(self, prefix: str) -> int:
        return sum(1 for _, path in self.log if path.startswith(prefix))

    # --- ASGI ---------------------------------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        method, path = scope["method"], scope["path"]
        query = {k: v[-1] for k, v in parse_qs(scope["query_string"].decode()).items()}
        body = await read_body(receive)
        self.log.append((method, path))
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        for prefix, queue in self.faults.items():
            if path.startswith(prefix) and queue:
                fault = queue.popleft()
                if fault[0] == "status":
                    extra = {"Retry-After": str(fault[2])} if len(fault) > 2 and fault[2] is not None else {}
                    return await _send(send, fault[1], {"errorMessages": ["fault"]}, extra)
                if fault[0] == "slow":
                    await asyncio.sleep(fault[1])
                if fault[0] == "drop":
                    await send(
                        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5000")]}
                    )
                    await send({"type": "http.response.body", "body": b'{"issues": [', "more_body": True})
                    raise ConnectionAbortedError("dropped on purpose")
        if headers.get("authorization") != self.auth:
            return await _send(send, 401, {"errorMessages": ["You are not authenticated."]})
        if any(path.startswith(p) for p in self.forbidden):
            return await _send(send, 403, {"errorMessages": ["You do not have permission."]})
        status, payload = self.route(method, path, query, json.loads(body) if body else {})
        await _send(send, status, payload)

    def route(self, method: str, path: str, query: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        version = "3" if self.flavour == "cloud" else "2"
        if path in {"/rest/api/2/search", "/rest/api/3/search"}:
            if self.flavour == "cloud":
                return 410, {"errorMessages": ["The requested API has been removed. Please migrate to /search/jql."]}
            return 200, self._dc_search(query)
        if path == "/rest/api/3/search/jql" and self.flavour == "cloud":
            return 200, self._cloud_search(body if method == "POST" else query)
        if path == f"/rest/api/{version}/myself":
            return 200, {"accountId": "me", "displayName": "Sync Bot", "timeZone": self.time_zone}
        if path == f"/rest/api/{version}/field":
            return 200, self.fields
        if path == f"/rest/api/{version}/status":
            return 200, [
                {"id": "1", "name": "Open", "statusCategory": {"key": "new"}},
                {"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                {"id": "4", "name": "Reopened", "statusCategory": {"key": "new"}},
                {"id": "5", "name": "Resolved", "statusCategory": {"key": "done"}},
            ]
        if path == "/rest/api/3/changelog/bulkfetch" and self.flavour == "cloud":
            return 200, self._bulk(body)
        match = re.fullmatch(r"/rest/api/(\d)/issue/([^/]+)(/changelog)?", path)
        if match:
            issue = self._issue(match.group(2))
            if issue is None:
                return 404, {"errorMessages": ["Issue does not exist"]}
            if match.group(3):
                if self.flavour == "dc" and not self.dc_changelog_endpoint:
                    return 404, {"errorMessages": ["null for uri"]}
                return 200, self._changelog_page(issue, query)
            return 200, {**issue, "changelog": _whole(issue)}
        match = re.fullmatch(r"/rest/servicedeskapi/request/([^/]+)/sla", path)
        if match:
            if match.group(1) not in self.slas:
                return 404, {"errorMessage": "not a request"}
            values = self.slas[match.group(1)]
            start = int(query.get("start", 0))
            return 200, {
                "start": start,
                "limit": 1,
                "isLastPage": start + 1 >= len(values),
                "values": values[start : start + 1],
            }
        if path.startswith("/rest/agile/1.0/board"):
            return self._agile(path, query)
        return 404, {"errorMessages": [f"no route {path}"]}

    # --- search -------------------------------------------------------------------------------------------------
    def _matching(self, jql: str) -> list[dict[str, Any]]:
        cache_key = (jql, id(self.issues), len(self.issues))
        if self._cache and self._cache[0] == cache_key:
            return self._cache[1]
        result = self._filter(jql)
        self._cache = (cache_key, result)
        return result

    def _filter(self, jql: str) -> list[dict[str, Any]]:
        issues = self.issues
        projects = _PROJECTS.search(jql)
        if projects:
            keys = {p.strip().strip('"') for p in projects.group(1).split(",")}
            issues = [i for i in issues if i["key"].split("-")[0] in keys]
        since = _UPDATED.search(jql)
        if since:
            bound = since.group(1).replace(" ", "T")
            issues = [i for i in issues if _utc(i["fields"]["updated"])[:16] >= bound]
        return sorted(issues, key=lambda i: (_utc(i["fields"]["updated"]), i["key"]))

    def _fields(self, issue: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
        return {k: v for k, v in issue["fields"].items() if k in wanted}

    def _cloud_search(self, body: dict[str, Any]) -> dict[str, Any]:
        matching = self._matching(body["jql"])
        start = int(base64.b64decode(body["nextPageToken"]).decode()) if body.get("nextPageToken") else 0
        size = min(int(body.get("maxResults", 50)), self.search_cap)
        wanted = body.get("fields") or []
        page = [
            {"id": i["id"], "key": i["key"], "fields": self._fields(i, wanted)} for i in matching[start : start + size]
        ]
        answer: dict[str, Any] = {"issues": page}
        if start + size < len(matching):
            answer["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
        else:
            answer["isLast"] = True
        return answer

    def _dc_search(self, query: dict[str, str]) -> dict[str, Any]:
        matching = self._matching(query["jql"])
        start = int(query.get("startAt", 0))
        size = min(int(query.get("maxResults", 50)), self.search_cap)
        wanted = query.get("fields", "").split(",")
        page = []
        for issue in matching[start : start + size]:
            histories = issue["changelog"]["histories"]
            embedded = {
                "startAt": 0,
                "maxResults": len(histories),
                "total": len(histories),
                "histories": histories[: self.embed_limit],
            }
            page.append(
                {"id": issue["id"], "key": issue["key"], "fields": self._fields(issue, wanted), "changelog": embedded}
            )
        return {"startAt": start, "maxResults": size, "total": len(matching), "issues": page}

    # --- changelogs ---------------------------------------------------------------------------------------------
    def _issue(self, ident: str) -> dict[str, Any] | None:
        if len(self._by_id) != 2 * len(self.issues):
            self._by_id = {i["id"]: i for i in self.issues} | {i["key"]: i for i in self.issues}
        return self._by_id.get(ident)

    def _changelog_page(self, issue: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        histories = issue["changelog"]["histories"]
        start = int(query.get("startAt", 0))
        size = min(int(query.get("maxResults", 100)), self.changelog_page)
        values = histories[start : start + size]
        key = "values" if self.flavour == "cloud" else "histories"
        return {
            "startAt": start,
            "maxResults": size,
            "total": len(histories),
            "isLast": start + size >= len(histories),
            key: values,
        }

    def _bulk(self, body: dict[str, Any]) -> dict[str, Any]:
        wanted = set(body.get("fieldIds") or [])
        entries = []
        for ident in body["issueIdsOrKeys"]:
            issue = self._issue(ident)
            for history in (issue or {}).get("changelog", {}).get("histories", []):
                items = [it for it in history["items"] if not wanted or it.get("fieldId") in wanted]
                if items:
                    entries.append((issue["id"], {**history, "items": items}))  # type: ignore[index]
        start = int(body.get("nextPageToken") or 0)
        page = entries[start : start + self.bulk_page]
        grouped: dict[str, list[Any]] = {}
        for ident, history in page:
            grouped.setdefault(ident, []).append(history)
        answer: dict[str, Any] = {"issueChangeLogs": [{"issueId": k, "changeHistories": v} for k, v in grouped.items()]}
        if start + self.bulk_page < len(entries):
            answer["nextPageToken"] = str(start + self.bulk_page)
        return answer

    # --- agile ----------------------------------------------------------------------------------------------------
    def _agile(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        parts = path.split("/")[5:]
        if not parts:
            return 200, {"startAt": 0, "maxResults": 50, "isLast": True, "values": [b["board"] for b in self.boards]}
        board = next((b for b in self.boards if str(b["board"]["id"]) == parts[0]), None)
        if board is None:
            return 404, {"errorMessages": ["no board"]}
        if parts[1:] == ["configuration"]:
            return 200, board["configuration"]
        if parts[1:] == ["sprint"]:
            if board.get("sprints") is None:
                return 400, {"errorMessages": ["The board does not support sprints"]}
            start = int(query.get("startAt", 0))
            values = board["sprints"][start : start + 1]
            return 200, {
                "startAt": start,
                "maxResults": 1,
                "isLast": start + 1 >= len(board["sprints"]),
                "values": values,
            }
        return 404, {"errorMessages": ["no route"]}


def _whole(issue: dict[str, Any]) -> dict[str, Any]:
    histories = issue["changelog"]["histories"]
    return {"startAt": 0, "maxResults": len(histories), "total": len(histories), "histories": histories}


def _utc(stamp: str) -> str:
    import datetime as dt

    return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


async def read_body(receive: Receive) -> bytes:
    """The whole request body, however many ASGI messages it came in."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _send(send: Send, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
    body = json.dumps(payload).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Served:
    """Run an ASGI app with uvicorn on 127.0.0.1 in a thread; ``url`` is where it listens."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="critical", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Jira server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
