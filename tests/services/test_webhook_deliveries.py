"""Webhook deliveries are applied once: Jira's retries and one event reaching two instances write nothing twice."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from cadence.app import create_app
from cadence.services.sources import connect_jira
from cadence.services.webhooks import KEEP_DELIVERIES, delivery_key, receive_jira_webhook
from cadence.settings import Settings
from cadence.store.database import Database
from cadence.store.read_models import read_items, read_transitions
from cadence.store.webhook_deliveries import count_deliveries
from tests.connectors.jira.payloads import cloud_issue

KEY = Fernet.generate_key().decode()
NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def hooked(db: Database) -> Database:
    connect_jira(db, key=KEY, name="jira", url="https://jira.example", token="t", email="bot@example.org",
                 team="EX", projects=["EX"], webhook_secret="s3cret")  # fmt: skip
    created = cloud_issue(1, 0)
    assert receive_jira_webhook(db, "jira", "s3cret", {"webhookEvent": "jira:issue_created", "issue": created,
                                                       "timestamp": 1}, now=NOW).stored  # fmt: skip
    return db


def _moved(change: str, to: str = "In Progress", updated: str = "2026-11-26T07:59:00.000+0000") -> dict[str, Any]:
    issue = copy.deepcopy(cloud_issue(1, 0))
    issue["fields"]["status"] = {"name": to, "statusCategory": {"key": "indeterminate"}}
    issue["fields"]["updated"] = updated
    return {
        "timestamp": 1_764_143_940_000,
        "webhookEvent": "jira:issue_updated",
        "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Mia Krystof"},
        "issue": issue,
        "changelog": {"id": change, "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status",
                                               "fromString": "To Do", "toString": to}]},
    }  # fmt: skip


def _moves(db: Database) -> int:
    with db.connect() as conn:
        return read_transitions(conn).height


def _deliveries(db: Database) -> int:
    with db.connect() as conn:
        return count_deliveries(conn)


def test_a_retried_delivery_writes_nothing_the_second_time(hooked: Database) -> None:
    db = hooked
    before = (_moves(db), _deliveries(db))
    first = receive_jira_webhook(db, "jira", "s3cret", _moved("777"), delivery_id="d-1", now=NOW)
    assert first.stored > 0 and not first.duplicate
    assert (_moves(db), _deliveries(db)) == (before[0] + 1, before[1] + 1)
    again = receive_jira_webhook(db, "jira", "s3cret", _moved("777"), delivery_id="d-1", now=NOW)
    assert again.duplicate and again.stored == 0 and again.unchanged == 0
    assert (_moves(db), _deliveries(db)) == (before[0] + 1, before[1] + 1)
    # Jira's identifier names the delivery, whatever the body says.
    other_body = receive_jira_webhook(db, "jira", "s3cret", _moved("778", "Done"), delivery_id="d-1", now=NOW)
    assert other_body.duplicate and _moves(db) == before[0] + 1


def test_without_the_header_the_event_digest_recognises_a_retry(hooked: Database) -> None:
    db = hooked
    assert delivery_key(_moved("777")) == delivery_key(_moved("777"))
    assert delivery_key(_moved("777")) != delivery_key(_moved("778"))
    assert delivery_key(_moved("777"), " d-1 ") == "id:d-1"
    assert not receive_jira_webhook(db, "jira", "s3cret", _moved("777"), now=NOW).duplicate
    assert receive_jira_webhook(db, "jira", "s3cret", _moved("777"), now=NOW).duplicate
    later = receive_jira_webhook(db, "jira", "s3cret", _moved("778", "Done", "2026-11-26T08:00:00.000+0000"), now=NOW)
    assert not later.duplicate and later.stored > 0


def test_a_retried_deletion_is_a_duplicate(hooked: Database) -> None:
    db = hooked
    deletion = {"webhookEvent": "jira:issue_deleted", "issue": cloud_issue(1, 0), "timestamp": 5}
    assert receive_jira_webhook(db, "jira", "s3cret", deletion, delivery_id="del-1", now=NOW).deleted == 1
    again = receive_jira_webhook(db, "jira", "s3cret", deletion, delivery_id="del-1", now=NOW)
    assert again.duplicate and again.deleted == 0
    with db.connect() as conn:
        assert read_items(conn).height == 0


def test_old_delivery_keys_are_pruned(hooked: Database) -> None:
    db = hooked
    old = NOW - KEEP_DELIVERIES - dt.timedelta(minutes=1)
    receive_jira_webhook(db, "jira", "s3cret", _moved("777"), delivery_id="old", now=old)
    assert _deliveries(db) == 2
    receive_jira_webhook(db, "jira", "s3cret", _moved("778", "Done"), delivery_id="new", now=NOW)
    assert _deliveries(db) == 2  # the creation (kept: received at NOW) and "new"; "old" was forgotten


def test_one_delivery_reaching_two_instances_at_once_is_applied_once(database_url: str, hooked: Database) -> None:
    db = hooked
    before = _moves(db)
    engines = [Database(database_url) for _ in range(4)]
    results: list[Any] = []
    barrier = threading.Barrier(len(engines))

    def deliver(engine: Database) -> None:
        barrier.wait()
        results.append(receive_jira_webhook(engine, "jira", "s3cret", _moved("777"), delivery_id="d-9", now=NOW))

    try:
        threads = [threading.Thread(target=deliver, args=(engine,)) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for engine in engines:
            engine.dispose()
    assert sorted(r.duplicate for r in results) == [False, True, True, True]
    assert _moves(db) == before + 1 and _deliveries(db) == 2


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_route_reads_jiras_identifier_header(hooked: Database) -> None:
    app = create_app(Settings(database_url=str(hooked.url)), hooked)
    headers = {"X-Atlassian-Webhook-Identifier": "42-abc"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cadence.test") as client:
        first = await client.post("/hooks/jira/jira?secret=s3cret", json=_moved("777"), headers=headers)
        # A retry of the same delivery: same header (Jira keeps it across retries), here a different body.
        again = await client.post("/hooks/jira/jira?secret=s3cret", json=_moved("778", "Done"), headers=headers)
    assert first.status_code == 200 and first.json()["stored"] > 0 and first.json()["duplicate"] is False
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["stored"] == 0
