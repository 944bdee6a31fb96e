"""Escalating to a team that syncs Jira: the issue is created through the Jira client, against the local fake Jira
extended with Jira's documented ``POST /rest/api/{2,3}/issue`` (201 with id, key and self; 400 with ``errors``
naming the field when the project or issue type is unknown)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cadence.connectors.errors import SourceUnavailable
from cadence.services.access import Actor
from cadence.services.escalation import escalate
from cadence.services.relay import relay_changes
from cadence.services.sources import connect_jira
from cadence.services.support_desk import create_ticket, triage_ticket
from cadence.services.support_views import ticket_detail
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import schema as S
from cadence.store.database import Database
from tests.connectors.jira.fake_jira import FakeJira, Served, read_body
from tests.services.support_world import NOW, TICKET, move, support_world

KEY = Fernet.generate_key().decode()
CONFIG = WorkspaceConfig()


class CreatingJira(FakeJira):
    """The fake Jira plus issue creation in the projects and issue types it knows."""

    def __init__(self, flavour: str, *, projects: set[str], types: set[str]) -> None:
        super().__init__(flavour, [])
        self.projects, self.types = projects, types
        self.created: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith("/issue"):
            return await super().__call__(scope, receive, send)
        body = await read_body(receive)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if headers.get("authorization") != self.auth:
            return await _answer(send, 401, {"errorMessages": ["You are not authenticated."]})
        fields = json.loads(body)["fields"]
        errors = {}
        if fields["project"]["key"] not in self.projects:
            errors["project"] = "valid project is required"
        if fields["issuetype"]["name"] not in self.types:
            errors["issuetype"] = "valid issue type is required"
        if errors:
            return await _answer(send, 400, {"errorMessages": [], "errors": errors})
        self.created.append(fields)
        ident = str(10100 + len(self.created))
        key = f"{fields['project']['key']}-{100 + len(self.created)}"
        return await _answer(send, 201, {"id": ident, "key": key, "self": f"/rest/api/2/issue/{ident}"})


async def _answer(send: Any, status: int, payload: Any) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    return support_world(db)


def _accepted(db: Database, agent: Actor) -> str:
    key = create_ticket(db, agent, "OPS", TICKET, now=NOW).key
    triage_ticket(db, CONFIG, agent, "OPS", key, action="accept", now=NOW)
    return key


@pytest.mark.parametrize("flavour", ["dc", "cloud"])
def test_escalation_creates_the_jira_issue(db: Database, actors: dict[str, Actor], flavour: str) -> None:
    fake = CreatingJira(flavour, projects={"JRA"}, types={"Bug", "Story"})
    if flavour == "cloud":
        fake.auth = "Basic " + base64.b64encode(b"bot@example.org:good-token").decode()
    with Served(fake) as server:
        connect_jira(db, key=KEY, name="jira", url=server.url, token="good-token", team="OPS", projects=["JRA"],
                     email="bot@example.org" if flavour == "cloud" else None, allow_http=True)  # fmt: skip
        ticket = _accepted(db, actors["agent"])
        done = escalate(db, CONFIG, actors["agent"], "OPS", ticket, now=NOW, credentials_key=KEY)
    assert (done.item_key, done.created, done.where, done.level) == ("JRA-101", True, "jira", "L2")
    [fields] = fake.created
    assert fields["project"] == {"key": "JRA"} and fields["issuetype"] == {"name": "Bug"}
    assert fields["summary"] == "Export to CSV fails"
    text = "The export button shows an error.\n\nEscalated from support ticket SUP-1 by agent."
    if flavour == "dc":
        assert fields["description"] == text
    else:
        paragraphs = [p["content"][0]["text"] for p in fields["description"]["content"]]
        assert paragraphs == ["The export button shows an error.", "Escalated from support ticket SUP-1 by agent."]
    items = S.table(S.WorkItem)
    with db.connect() as conn:
        row = conn.execute(
            select(items.c.source, items.c.source_id, items.c.type).where(items.c.key == "JRA-101")
        ).one()
    assert tuple(row) == ("jira", "10101", "bug")  # the next sync of 'jira' updates this row in place
    detail = ticket_detail(db, CONFIG, actors["agent"], "OPS", ticket, now=NOW)
    assert detail.updates[-1].text == "Escalated to the developers as JRA-101 in Jira (jira) by agent."

    # A sync brings the issue's first move: the ticket hears of it.
    move(db, source="jira", source_id="10101", key="JRA-101", old="Open", new="In Progress", at=NOW, created=NOW)
    relay_changes(db, CONFIG, now=NOW)
    assert [u.stage for u in ticket_detail(db, CONFIG, actors["agent"], "OPS", ticket, now=NOW).updates
            if u.kind == "relay"] == ["started"]  # fmt: skip


def test_a_jira_refusal_changes_nothing_in_cadence(db: Database, actors: dict[str, Actor]) -> None:
    fake = CreatingJira("dc", projects={"JRA"}, types={"Story"})  # no "Bug" type in the project
    with Served(fake) as server:
        connect_jira(db, key=KEY, name="jira", url=server.url, token="good-token", team="OPS", projects=["JRA"],
                     allow_http=True)  # fmt: skip
        ticket = _accepted(db, actors["agent"])
        with pytest.raises(SourceUnavailable) as refused:
            escalate(db, CONFIG, actors["agent"], "OPS", ticket, now=NOW, credentials_key=KEY)
    assert "refused to create a Bug in project JRA" in refused.value.message
    assert "valid issue type is required" in refused.value.message
    detail = ticket_detail(db, CONFIG, actors["agent"], "OPS", ticket, now=NOW)
    assert (detail.items, detail.ticket.level) == ([], "L1")
