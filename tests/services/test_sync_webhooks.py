"""Webhook deliveries (repeated, late, deleted issues) and reconciliation of deleted issues."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import polars as pl
import pytest
from cryptography.fernet import Fernet

from cadence.app import create_app
from cadence.domain.errors import Conflict, PermissionDenied
from cadence.services.reconciliation import reconcile_source
from cadence.services.sources import connect_jira
from cadence.services.sync import sync_source
from cadence.services.webhooks import receive_jira_webhook
from cadence.settings import Settings
from cadence.store.database import Database
from cadence.store.read_models import read_items, read_transitions
from tests.connectors.jira.fake_jira import FakeJira, Served
from tests.connectors.jira.payloads import drill_issues, field_catalog

KEY = Fernet.generate_key().decode()


def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
def synced(db: Database) -> tuple[Database, list[dict[str, Any]], FakeJira]:
    issues = drill_issues()
    fake = FakeJira("dc", issues, fields=field_catalog("Apache"))
    with Served(fake) as server:
        connect_jira(
            db,
            key=KEY,
            name="apache",
            url=server.url,
            token="good-token",
            projects=["DRILL"],
            team="DRILL",
            webhook_secret="s3cret",
            allow_http=True,
        )
        sync_source(db, "apache", key=KEY, sleep=_no_sleep)
    return db, issues, fake


def _delivery(issue: dict[str, Any], change: str, frm: str, to: str, updated: str) -> dict[str, Any]:
    issue = copy.deepcopy(issue)
    issue["fields"]["status"] = {"name": to}
    issue["fields"]["updated"] = updated
    return {
        "timestamp": 1_700_000_000_000,
        "webhookEvent": "jira:issue_updated",
        "user": {"name": "user08", "key": "user08", "displayName": "User 08", "emailAddress": "user08@example.org"},
        "issue": issue,
        "changelog": {
            "id": change,
            "items": [{"field": "status", "fieldtype": "jira", "fromString": frm, "toString": to}],
        },
    }


def _state(db: Database, key: str) -> tuple[str, int]:
    with db.connect() as conn:
        item = read_items(conn).filter(pl.col("key") == key).row(0, named=True)
        moves = read_transitions(conn).filter(pl.col("item_id") == item["item_id"]).height
    return item["status"], moves


def test_repeated_and_late_deliveries_are_harmless(synced: tuple[Database, list[dict[str, Any]], FakeJira]) -> None:
    db, issues, _ = synced
    drill_38 = issues[1]
    assert _state(db, "DRILL-38") == ("Closed", 2)
    newer = _delivery(drill_38, "20000001", "Closed", "Reopened", "2016-01-01T00:00:00.000+0000")
    first = receive_jira_webhook(db, "apache", "s3cret", newer)
    assert first.stored > 0 and not first.stale
    assert _state(db, "DRILL-38") == ("Reopened", 3)
    repeat = receive_jira_webhook(db, "apache", "s3cret", newer)
    assert repeat.stored == 0
    late = _delivery(drill_38, "20000000", "In Progress", "Closed", "2015-12-31T00:00:00.000+0000")
    result = receive_jira_webhook(db, "apache", "s3cret", late)
    assert result.stale
    assert _state(db, "DRILL-38") == ("Reopened", 4)  # its change is kept, its older state is not


def test_deleted_issue_is_removed(synced: tuple[Database, list[dict[str, Any]], FakeJira]) -> None:
    db, issues, _ = synced
    result = receive_jira_webhook(db, "apache", "s3cret", {"webhookEvent": "jira:issue_deleted", "issue": issues[0]})
    assert result.deleted == 1
    with db.connect() as conn:
        assert sorted(read_items(conn).get_column("key").to_list()) == ["DRILL-138", "DRILL-38"]


def test_wrong_secret_is_refused(synced: tuple[Database, list[dict[str, Any]], FakeJira]) -> None:
    db, issues, _ = synced
    with pytest.raises(PermissionDenied, match="secret"):
        receive_jira_webhook(db, "apache", "guess", {"webhookEvent": "jira:issue_deleted", "issue": issues[0]})


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_webhook_route(synced: tuple[Database, list[dict[str, Any]], FakeJira]) -> None:
    db, issues, _ = synced
    app = create_app(Settings(database_url=str(db.url)), db)
    body = _delivery(issues[1], "20000001", "Closed", "Reopened", "2016-01-01T00:00:00.000+0000")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cadence.test") as client:
        refused = await client.post("/hooks/jira/apache?secret=nope", json=body)
        accepted = await client.post("/hooks/jira/apache?secret=s3cret", json=body)
    assert refused.status_code == 403
    assert accepted.status_code == 200 and accepted.json()["stored"] > 0


def test_reconciliation_removes_deleted_issues_with_a_guard(
    synced: tuple[Database, list[dict[str, Any]], FakeJira],
) -> None:
    db, issues, fake = synced
    with Served(fake) as server:
        _point(db, server.url)
        fake.issues = [i for i in issues if i["key"] != "DRILL-1"]
        report = reconcile_source(db, "apache", key=KEY, sleep=_no_sleep)
        assert (report.present, report.stored, report.deleted) == (2, 3, 1)
        fake.issues = []
        with pytest.raises(Conflict, match="--force"):
            reconcile_source(db, "apache", key=KEY, sleep=_no_sleep)
        assert reconcile_source(db, "apache", key=KEY, force=True, sleep=_no_sleep).deleted == 2


def _point(db: Database, url: str) -> None:
    """The fake server listens on a new port each time it starts: point the stored source at it."""
    from sqlalchemy import update

    from cadence.store import schema as S

    with db.begin() as conn:
        conn.execute(update(S.table(S.Source)).values(base_url=url))


def test_reconciliation_is_due_once_a_period_has_passed(
    synced: tuple[Database, list[dict[str, Any]], FakeJira],
) -> None:
    import datetime as dt

    from cadence.services.reconciliation import reconcile_due

    db, _issues, fake = synced
    day = dt.timedelta(hours=24)
    at = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    assert reconcile_due(db, "apache", every=day, now=at)  # never reconciled
    with Served(fake) as server:
        _point(db, server.url)
        reconcile_source(db, "apache", key=KEY, sleep=_no_sleep, now=at)
    assert not reconcile_due(db, "apache", every=day, now=at + dt.timedelta(hours=23))
    assert reconcile_due(db, "apache", every=day, now=at + day)
