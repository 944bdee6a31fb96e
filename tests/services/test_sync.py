"""Syncing Jira sites served by the fake Jira: complete histories, idempotent re-syncs, resumable interruptions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest
from cryptography.fernet import Fernet

from cadence.connectors.errors import SourceAuthError
from cadence.connectors.source import SourceBatch
from cadence.domain.errors import ConfigurationError, Conflict
from cadence.services.sources import connect_jira, describe_sources, load_source, open_source
from cadence.services.sync import run_sync, sync_source
from cadence.store.database import Database
from cadence.store.read_models import (
    read_estimate_changes,
    read_items,
    read_sprint_changes,
    read_sprints,
    read_ticket_events,
    read_tickets,
    read_transitions,
)
from tests.connectors.jira.fake_jira import FakeJira, Served
from tests.connectors.jira.payloads import cloud_board, cloud_issue, drill_issues, field_catalog

KEY = Fernet.generate_key().decode()


def _no_sleep(_: float) -> None:
    return None


def _counts(db: Database) -> dict[str, int]:
    with db.connect() as conn:
        return {
            "items": read_items(conn).height,
            "transitions": read_transitions(conn).height,
            "sprint_changes": read_sprint_changes(conn).height,
            "estimate_changes": read_estimate_changes(conn).height,
        }


def test_data_center_sync_completes_drill_138(db: Database) -> None:
    fake = FakeJira("dc", drill_issues(), fields=field_catalog("Apache"), embed_limit=3, search_cap=2)
    with Served(fake) as server:
        connect_jira(
            db, key=KEY, name="apache", url=server.url, token="good-token", projects=["drill"], allow_http=True
        )
        report = sync_source(db, "apache", key=KEY, sleep=_no_sleep)
        assert fake.calls("/rest/api/2/issue/DRILL-138") >= 1  # its embedded changelog held 3 of 8
        assert fake.calls("/rest/api/2/search") == 2  # startAt paging: 2 + 1 issues
        assert report.read == 3 and report.skipped == 0, report.problems
        assert _counts(db) == {"items": 3, "transitions": 7, "sprint_changes": 1, "estimate_changes": 1}
        with db.connect() as conn:
            items = read_items(conn).sort("key")
            transitions = read_transitions(conn)
        drill_138 = items.filter(pl.col("key") == "DRILL-138").row(0, named=True)
        moves = transitions.filter(pl.col("item_id") == drill_138["item_id"]).sort("at")
        assert moves.get_column("to_status").to_list() == ["In Progress", "Resolved", "Reopened", "Resolved"]
        again = sync_source(db, "apache", key=KEY, sleep=_no_sleep)
    assert again.stored == 0 and again.unchanged > 0
    assert again.since is not None and again.since == report.watermark - dt.timedelta(minutes=10)
    [status] = describe_sources(db)
    assert status.last_status == "ok" and status.watermark == report.watermark


def _cloud_fake() -> FakeJira:
    issues = [cloud_issue(n, moves=n) for n in range(1, 8)]
    return FakeJira(
        "cloud",
        issues,
        fields=field_catalog("IntelDAOS"),
        boards=[cloud_board()],
        search_cap=3,
        bulk_page=5,
        auth="Basic " + __import__("base64").b64encode(b"pm@example.com:good-token").decode(),
    )


def test_cloud_sync_uses_token_paging_and_bulk_changelogs(db: Database) -> None:
    fake = _cloud_fake()
    with Served(fake) as server:
        connect_jira(
            db, key=KEY, name="cloud", url=server.url, email="pm@example.com", token="good-token", allow_http=True
        )
        report = sync_source(db, "cloud", key=KEY, sleep=_no_sleep)
    assert fake.calls("/rest/api/3/search/jql") == 3  # 3 + 3 + 1, the last page without a token
    assert fake.calls("/rest/api/3/search") == fake.calls("/rest/api/3/search/jql")  # never the removed endpoint
    assert fake.calls("/rest/api/2/search") == 0
    assert fake.calls("/rest/api/3/changelog/bulkfetch") > 3  # 42 filtered histories, 5 per page
    assert report.skipped == 0, report.problems
    counts = _counts(db)
    assert counts == {"items": 7, "transitions": 28, "sprint_changes": 7, "estimate_changes": 7}
    with db.connect() as conn:
        items = read_items(conn)
        sprints = read_sprints(conn)
    assert items.get_column("estimate").to_list() == [3.0] * 7  # either story-point field, counted once
    sprint = sprints.filter(pl.col("name") == "sprint 1").row(0, named=True)
    assert sprint["state"] == "closed"
    assert sprints.height == 2  # sprint 1 (closed) and sprint 2 (future), from the board
    from sqlalchemy import select

    from cadence.store import schema as S

    with db.connect() as conn:
        [board] = conn.execute(select(S.table(S.Board))).mappings().all()
    assert board["name"] == "EX board"
    assert [stage["name"] for stage in board["config"]["stages"]] == ["To Do", "In progress", "Done"]
    assert board["config"]["estimation_field"] == "customfield_10016"


def test_interrupted_sync_resumes_without_loss_or_duplicates(db: Database) -> None:
    fake = _cloud_fake()
    with Served(fake) as server:
        row = connect_jira(
            db, key=KEY, name="cloud", url=server.url, email="pm@example.com", token="good-token", allow_http=True
        )
        source = open_source(load_source(db, "cloud"), KEY, sleep=_no_sleep)
        real_fetch = source.fetch

        def interrupted(since: dt.datetime | None) -> Iterator[SourceBatch]:
            for number, batch in enumerate(real_fetch(since)):
                if number == 2:
                    raise KeyboardInterrupt
                yield batch

        source.fetch = interrupted  # type: ignore[method-assign]
        with pytest.raises(KeyboardInterrupt):
            run_sync(db, source, row.id, row.team_id)
        source.client.close()
        [status] = describe_sources(db)
        assert status.last_status == "failed" and status.watermark is not None
        assert _counts(db)["items"] == 6  # two pages committed, with their watermark
        sync_source(db, "cloud", key=KEY, sleep=_no_sleep)
    assert _counts(db) == {"items": 7, "transitions": 28, "sprint_changes": 7, "estimate_changes": 7}


def test_wrong_token_names_the_credential(db: Database) -> None:
    fake = FakeJira("dc", [], fields=[])
    with Served(fake) as server:
        connect_jira(db, key=KEY, name="dc", url=server.url, token="bad", allow_http=True, credential_hint="$JIRA_PAT")
        with pytest.raises(SourceAuthError, match=r"personal access token \(\$JIRA_PAT\)"):
            sync_source(db, "dc", key=KEY, sleep=_no_sleep)
    [status] = describe_sources(db)
    assert status.last_status == "failed" and "401" in (status.last_error or "")


def test_connect_refuses_duplicates_plain_http_and_a_missing_key(db: Database) -> None:
    connect_jira(db, key=KEY, name="site", url="https://jira.example.com", token="t")
    with pytest.raises(Conflict):
        connect_jira(db, key=KEY, name="site", url="https://jira.example.com", token="t")
    with pytest.raises(ConfigurationError, match="not https"):
        connect_jira(db, key=KEY, name="plain", url="http://jira.example.com", token="t")
    with pytest.raises(ConfigurationError, match="CADENCE_ENCRYPTION_KEY"):
        connect_jira(db, key=None, name="nokey", url="https://jira.example.com", token="t")
    row = load_source(db, "site")
    assert row.secret is not None and b"t" not in row.secret[:0] and b'"token"' not in row.secret
    with pytest.raises(ConfigurationError, match="cannot decrypt"):
        open_source(row, Fernet.generate_key().decode())


def _sla(
    ident: str, name: str, completed: list[dict[str, object]], ongoing: dict[str, object] | None
) -> dict[str, object]:
    return {"id": ident, "name": name, "completedCycles": completed, "ongoingCycle": ongoing}


def _moment(iso: str) -> dict[str, object]:
    return {"iso8601": iso, "epochMillis": 0}


def test_service_requests_become_tickets_with_sla_cycles(db: Database) -> None:
    request = cloud_issue(50, moves=2, project="HELP")
    request["fields"]["project"] = {"key": "HELP"}
    request["fields"]["priority"] = {"name": "High"}
    fake = _cloud_fake()
    fake.issues.append(request)
    fake.slas[request["id"]] = [
        _sla(
            "1",
            "Time to first response",
            [
                {
                    "startTime": _moment("2024-03-04T10:00:00+0000"),
                    "stopTime": _moment("2024-03-04T11:00:00+0000"),
                    "breached": False,
                    "goalDuration": {"millis": 14400000},
                    "elapsedTime": {"millis": 3600000},
                    "remainingTime": {"millis": 10800000},
                }
            ],
            None,
        ),
        _sla(
            "2",
            "Time to resolution",
            [],
            {
                "startTime": _moment("2024-03-04T10:00:00+0000"),
                "breached": False,
                "paused": True,
                "goalDuration": {"millis": 28800000},
                "elapsedTime": {"millis": 7200000},
                "remainingTime": {"millis": 21600000},
            },
        ),
    ]
    with Served(fake) as server:
        connect_jira(
            db,
            key=KEY,
            name="cloud",
            url=server.url,
            email="pm@example.com",
            token="good-token",
            service_projects=["help"],
            allow_http=True,
        )
        report = sync_source(db, "cloud", key=KEY, sleep=_no_sleep)
        again = sync_source(db, "cloud", key=KEY, sleep=_no_sleep)
    assert report.skipped == 0, report.problems
    assert again.stored == 0
    with db.connect() as conn:
        tickets = read_tickets(conn)
        events = read_ticket_events(conn).sort("kind", "at")
    assert tickets.get_column("key").to_list() == ["HELP-50"]
    assert _counts(db)["items"] == 7  # the request is not a work item
    assert events.filter(pl.col("kind") == "status").height == 2
    slas = events.filter(pl.col("kind") == "sla").sort("from_value")
    assert slas.get_column("from_value").to_list() == ["Time to first response", "Time to resolution"]
    assert slas.get_column("to_value").to_list() == [
        "state=met;goal=14400000;elapsed=3600000;remaining=10800000;stop=2024-03-04T11:00:00Z",
        "state=paused;goal=28800000;elapsed=7200000;remaining=21600000",
    ]
