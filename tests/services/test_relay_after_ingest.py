"""The relay runs by itself when history arrives: at the end of a sync and after a Jira webhook delivery."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from cryptography.fernet import Fernet

from cadence.connectors.source import SourceBatch
from cadence.domain.batch import RecordBatch
from cadence.services.access import Actor
from cadence.services.escalation import escalate
from cadence.services.sources import connect_jira
from cadence.services.support_desk import create_ticket, triage_ticket
from cadence.services.support_views import ticket_detail
from cadence.services.sync import run_sync
from cadence.services.webhooks import receive_jira_webhook
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database
from cadence.store.sources import find_source
from tests.connectors.jira.payloads import cloud_issue
from tests.services.support_world import NOW, TICKET, support_world

KEY = Fernet.generate_key().decode()
CONFIG = WorkspaceConfig()
NO_TYPICAL = "Work on the fix for your issue has started; this team has no measured time to release yet."
"""Today is long after the factory's only release: no time to release is measured in the last twelve weeks."""


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    return support_world(db)


def _linked(db: Database, agent: Actor, item_key: str | None = None) -> str:
    key = create_ticket(db, agent, "OPS", TICKET, now=NOW).key
    triage_ticket(db, CONFIG, agent, "OPS", key, action="accept", now=NOW)
    escalate(db, CONFIG, agent, "OPS", key, now=NOW, item_key=item_key)
    return key


def _relayed(db: Database, agent: Actor, key: str) -> list[str]:
    return [u.text for u in ticket_detail(db, CONFIG, agent, "OPS", key, now=NOW).updates if u.kind == "relay"]


class OneMove:
    """A source whose one batch starts the Cadence item OPS-3 (what a sync of its board would bring)."""

    name = "board"

    def fetch(self, since: dt.datetime | None) -> Iterator[SourceBatch]:
        at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        item = pl.DataFrame({"source_id": ["OPS-3"], "team": ["OPS"], "key": ["OPS-3"], "type": ["bug"],
                             "title": ["the fix"], "status": ["In Progress"], "created_at": [NOW]})  # fmt: skip
        move = pl.DataFrame({"item_source_id": ["OPS-3"], "event_key": ["m1"], "from_status": ["Backlog"],
                             "to_status": ["In Progress"], "at": [at]})  # fmt: skip
        yield SourceBatch(RecordBatch(source="cadence", items=item, transitions=move), watermark=at)


def test_a_sync_ends_with_a_relay_pass(db: Database, actors: dict[str, Actor]) -> None:
    ticket = _linked(db, actors["agent"])  # a new Cadence item, OPS-3
    connect_jira(db, key=KEY, name="board", url="https://jira.example", token="t", team="OPS")
    with db.connect() as conn:
        row = find_source(conn, "board")
    assert row is not None
    run_sync(db, OneMove(), row.id, row.team_id, config=CONFIG)
    assert _relayed(db, actors["agent"], ticket) == [NO_TYPICAL]


def test_a_webhook_delivery_is_relayed(db: Database, actors: dict[str, Actor]) -> None:
    connect_jira(db, key=KEY, name="jira", url="https://jira.example", token="t", email="bot@example.org",
                 team="OPS", projects=["EX"], webhook_secret="s3cret")  # fmt: skip
    created = cloud_issue(1, 0)  # EX-1 in To Do
    assert receive_jira_webhook(db, "jira", "s3cret", {"webhookEvent": "jira:issue_created", "issue": created}).stored
    ticket = _linked(db, actors["agent"], item_key="EX-1")
    assert _relayed(db, actors["agent"], ticket) == []

    started: dict[str, Any] = copy.deepcopy(created)
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    started["fields"]["status"] = {"name": "In Progress"}
    started["fields"]["updated"] = moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    delivery = {
        "webhookEvent": "jira:issue_updated",
        "timestamp": int(moment.timestamp() * 1000),
        "issue": started,
        "changelog": {"id": "77001", "items": [{"field": "status", "fieldtype": "jira", "fromString": "To Do",
                                                "toString": "In Progress"}]},
    }  # fmt: skip
    assert receive_jira_webhook(db, "jira", "s3cret", delivery, CONFIG).stored
    assert _relayed(db, actors["agent"], ticket) == [NO_TYPICAL]
    assert receive_jira_webhook(db, "jira", "s3cret", delivery, CONFIG).stored == 0  # repeated: nothing new
    assert _relayed(db, actors["agent"], ticket) == [NO_TYPICAL]
