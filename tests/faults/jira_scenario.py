"""A Cloud Jira site for the sync fault tests, its expected history, and a seeded storm of 429/502/503 answers.

The storm is decided per *request* (method, path, query, body) from a seeded hash, so the same request always
meets the same burst however the connector's threads interleave: a share of requests first get 1-3 error answers
(429 with a ``Retry-After`` of 1-9 s, 502 without one, 503 with or without one), then the real answer.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import polars as pl
from cryptography.fernet import Fernet

from cadence.services.sources import connect_jira
from cadence.store.database import Database
from cadence.store.read_models import read_items, read_transitions
from tests.connectors.jira.fake_jira import FakeJira, Receive, Send, read_body
from tests.connectors.jira.payloads import cloud_board, cloud_issue, field_catalog

KEY = Fernet.generate_key().decode()
PAGE = 4
"""Issues per search page (the fake's cap), so a batch is 4 issues."""

Answer = tuple[int, str | None]
"""(HTTP status, Retry-After header or None)."""


def issues(first: int, last: int) -> list[dict[str, Any]]:
    """Cloud issues ``EX-first`` .. ``EX-last``, each with 1-3 status moves, a sprint and an estimate change."""
    return [cloud_issue(n, moves=1 + n % 3) for n in range(first, last + 1)]


def updated(issue: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(issue["fields"]["updated"]).astimezone(dt.UTC)


def in_update_order(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order the search answers in (oldest update first, then key): the order batches are made in."""
    return sorted(found, key=lambda i: (updated(i), i["key"]))


def expected_history(found: list[dict[str, Any]]) -> list[tuple[str, str, dt.datetime]]:
    """(key, status moved to, when) of every status change the site holds."""
    rows = []
    for issue in found:
        for history in issue["changelog"]["histories"]:
            for item in history["items"]:
                if item["field"] == "status":
                    at = dt.datetime.fromisoformat(history["created"]).astimezone(dt.UTC)
                    rows.append((issue["key"], item["toString"], at))
    return sorted(rows)


def stored_history(db: Database) -> list[tuple[str, str, dt.datetime]]:
    """(key, status moved to, when) of every stored transition: a duplicate would appear twice."""
    with db.connect() as conn:
        keys = read_items(conn).select("item_id", "key")
        moves = read_transitions(conn)
    joined = moves.join(keys, on="item_id").select("key", "to_status", "at")
    return sorted((k, s, a.astimezone(dt.UTC)) for k, s, a in joined.iter_rows())


def stored_keys(db: Database) -> list[str]:
    with db.connect() as conn:
        items = read_items(conn)
    keys: list[str] = items.get_column("key").to_list()
    return sorted(keys, key=lambda k: int(k.split("-")[1]))


def stored_items(db: Database) -> pl.DataFrame:
    with db.connect() as conn:
        return read_items(conn).sort("key")


def connect(db: Database, url: str) -> None:
    connect_jira(db, key=KEY, name="cloud", url=url, email="pm@example.com", token="good-token", allow_http=True)


class StormyJira(FakeJira):
    """The fake Cloud site, answering a seeded share of requests with bursts of 429/502/503 first.

    ``endless(method, path, body)`` names requests that get a 503 on every attempt (a storm that never ends).
    ``sent`` keeps every storm answer; ``attempts`` counts every request by identity.
    """

    def __init__(
        self,
        found: list[dict[str, Any]],
        *,
        seed: int = 0,
        share: float = 0.0,
        endless: Callable[[str, str, dict[str, Any]], bool] | None = None,
        retry_after: Callable[[random.Random], str | None] | None = None,
    ) -> None:
        super().__init__(
            "cloud",
            found,
            fields=field_catalog("IntelDAOS"),
            boards=[cloud_board()],
            search_cap=PAGE,
            bulk_page=5,
            auth="Basic " + base64.b64encode(b"pm@example.com:good-token").decode(),
        )
        self.seed = seed
        self.share = share
        self.endless = endless
        self.retry_after = retry_after or (lambda rng: str(rng.randint(1, 9)))
        self.sent: list[Answer] = []
        self.attempts: Counter[str] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        body = await read_body(receive)
        identity = f"{scope['method']} {scope['path']}?{scope['query_string'].decode()} {body.decode()}"
        answer = self._storm(identity, scope["method"], scope["path"], json.loads(body) if body else {})
        if answer is not None:
            self.sent.append(answer)
            status, retry_after = answer
            payload = json.dumps({"errorMessages": [f"storm: {status}"]}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
            if retry_after is not None:
                headers.append((b"retry-after", retry_after.encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return None
        replay = [{"type": "http.request", "body": body, "more_body": False}]

        async def again() -> Any:
            return replay.pop() if replay else {"type": "http.disconnect"}

        return await super().__call__(scope, again, send)

    def _storm(self, identity: str, method: str, path: str, body: dict[str, Any]) -> Answer | None:
        attempt = self.attempts[identity]
        self.attempts[identity] += 1
        if self.endless is not None and self.endless(method, path, body):
            return 503, None
        rng = random.Random(f"{self.seed}|{identity}")
        if rng.random() >= self.share or attempt >= rng.randint(1, 3):
            return None
        status = rng.choice((429, 429, 502, 503))
        if status == 429:
            return status, self.retry_after(rng)
        return status, (str(rng.randint(1, 9)) if status == 503 and rng.random() < 0.5 else None)
