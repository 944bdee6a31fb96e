"""Writing an agreed estimate back to Jira, against the fake Jira extended with the issue edit endpoint.

``WritableJira`` follows Jira's documented ``PUT /rest/api/{2,3}/issue/{key}``: 204 without a body when the fields
are set; 400 with ``errors: {field: "Field 'x' cannot be set. It is not on the appropriate screen, or unknown."}``
when a field is not on the issue's edit screen.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cadence.connectors.jira.client import JiraClient, JiraCredential
from cadence.connectors.jira.write import EstimateFieldNotOnScreen, write_story_points
from cadence.domain.batch import RecordBatch
from cadence.domain.model import Role
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import SYSTEM
from cadence.services.poker import cast_vote, reveal_votes, save_final, start_session
from cadence.services.sources import connect_jira
from cadence.services.users import create_user, set_role
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.database import Database
from cadence.store.ingest import ingest
from tests.connectors.jira.fake_jira import FakeJira, Served, read_body
from tests.factories import team_batch

KEY = Fernet.generate_key().decode()
NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
ESTIMATE = "customfield_10016"
CATALOG = [
    {"id": "summary", "name": "Summary", "custom": False, "schema": {"type": "string", "system": "summary"}},
    {
        "id": ESTIMATE, "name": "Story point estimate", "custom": True,
        "schema": {"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points", "customId": 10016},
    },
]  # fmt: skip


class WritableJira(FakeJira):
    """The fake Jira plus issue edits: fields in ``screen`` may be set, others are refused like Jira does."""

    def __init__(self, *args: Any, screen: set[str], issues: set[str], **kwargs: Any) -> None:
        super().__init__(*args, [], **kwargs)
        self.screen = screen
        self.known = issues
        self.edits: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "PUT" or "/issue/" not in path:
            return await super().__call__(scope, receive, send)
        body = await read_body(receive)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if headers.get("authorization") != self.auth:
            return await _answer(send, 401, {"errorMessages": ["You are not authenticated."]})
        key = path.rsplit("/", 1)[-1]
        if key not in self.known:
            return await _answer(send, 404, {"errorMessages": ["Issue does not exist or you do not have permission."]})
        fields = json.loads(body)["fields"]
        refused = {
            f: f"Field '{f}' cannot be set. It is not on the appropriate screen, or unknown."
            for f in fields
            if f not in self.screen
        }
        if refused:
            return await _answer(send, 400, {"errorMessages": [], "errors": refused})
        self.edits.append((key, fields))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return None


async def _answer(send: Any, status: int, payload: Any) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _client(url: str) -> JiraClient:
    return JiraClient(url, JiraCredential("dc", "good-token"), allow_http=True, retries=0)


def test_the_estimate_reaches_the_story_point_field() -> None:
    fake = WritableJira("dc", fields=CATALOG, screen={ESTIMATE}, issues={"JRA-7"})
    with Served(fake) as server:
        client = _client(server.url)
        try:
            assert write_story_points(client, "2", "JRA-7", 8.0) == ESTIMATE
            assert write_story_points(client, "2", "JRA-7", 2.5) == ESTIMATE
        finally:
            client.close()
    assert fake.edits == [("JRA-7", {ESTIMATE: 8}), ("JRA-7", {ESTIMATE: 2.5})]


def test_a_field_off_the_edit_screen_is_named() -> None:
    fake = WritableJira("dc", fields=CATALOG, screen=set(), issues={"JRA-7"})
    with Served(fake) as server:
        client = _client(server.url)
        try:
            with pytest.raises(EstimateFieldNotOnScreen) as refused:
                write_story_points(client, "2", "JRA-7", 5.0)
        finally:
            client.close()
    message = refused.value.message
    assert ESTIMATE in message and "edit screen" in message and "JRA" in message and "JRA-7" in message
    assert refused.value.data == {"issue": "JRA-7", "field": ESTIMATE}
    assert fake.edits == []


def _jira_team(db: Database, url: str) -> Actor:
    """Team OPS with an item JRA-7 synced from the Jira source ``jira``, and its manager ``pm``."""
    with db.begin() as conn:
        ingest(conn, team_batch())
    connect_jira(db, key=KEY, name="jira", url=url, token="good-token", team="OPS", allow_http=True)
    items = team_batch().items.head(1).with_columns(key=pl.lit("JRA-7"), source_id=pl.lit("10007"))
    with db.begin() as conn:
        ingest(conn, RecordBatch(source="jira", items=items))
    create_user(db, SYSTEM, username="pm", password="correct horse battery", now=NOW)
    set_role(db, SYSTEM, username="pm", team_key="OPS", role=Role.MANAGER, now=NOW)
    with db.connect() as conn:
        user = find_user(conn, "pm")
    assert user is not None
    return actor_for_user(db, user)


def _estimate(db: Database) -> float | None:
    items = S.table(S.WorkItem)
    with db.connect() as conn:
        value = conn.execute(select(items.c.estimate).where(items.c.key == "JRA-7")).scalar_one()
    return None if value is None else float(value)


@pytest.mark.parametrize("on_screen", [True, False])
def test_the_final_value_is_written_back_and_kept_when_jira_refuses(db: Database, on_screen: bool) -> None:
    fake = WritableJira("dc", fields=CATALOG, screen={ESTIMATE} if on_screen else set(), issues={"JRA-7"})
    with Served(fake) as server:
        pm = _jira_team(db, server.url)
        session = start_session(db, pm, "OPS", item_key="JRA-7", now=NOW)
        cast_vote(db, pm, "OPS", session.id, value="8", now=NOW)
        reveal_votes(db, pm, "OPS", session.id, now=NOW)
        outcome = save_final(db, pm, "OPS", session.id, value="8", now=NOW, credentials_key=KEY)

    assert _estimate(db) == 8.0  # saved in Cadence either way
    assert outcome.view.state == "closed" and outcome.view.final_value == 8.0
    if on_screen:
        assert (outcome.jira, outcome.jira_error) == (f"written to {ESTIMATE}", None)
        assert fake.edits == [("JRA-7", {ESTIMATE: 8})]
    else:
        assert outcome.jira == "failed" and outcome.jira_error is not None
        assert ESTIMATE in outcome.jira_error and "edit screen" in outcome.jira_error
        assert fake.edits == []
