"""Backlog health through the service, over a real database: the store query, access, the pace from sprints."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cadence.domain.batch import RecordBatch
from cadence.domain.errors import NotFound
from cadence.domain.model import Role
from cadence.services.access import Actor
from cadence.services.backlog import backlog_health
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.teams import find_team
from tests.factories import team_batch, ts

NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)

AC = "Exporting a large CSV file fails with a timeout.\n\nAcceptance criteria:\n- a 1 GB export finishes"


def backlog_batch() -> RecordBatch:
    """Team OPS's backlog: B-1 ready; B-2 a reworded copy of B-1 without acceptance criteria; B-3 bare and stale;
    B-4 blocked by B-5 (in progress); B-6 delivered in sprint OPS Sprint 2 (8 points, closed 2026-06-14)."""
    recent = ts(2026, 6, 25, 9)
    return RecordBatch(
        source="test",
        teams=pl.DataFrame({"key": ["OPS"], "name": ["Operations"], "timezone": ["Europe/Paris"], "country": ["FR"]}),
        sprints=pl.DataFrame(
            {
                "source_id": ["s2"],
                "team": ["OPS"],
                "name": ["OPS Sprint 2"],
                "state": ["closed"],
                "start_at": [ts(2026, 6, 1, 8)],
                "end_at": [ts(2026, 6, 14, 17)],
                "completed_at": [ts(2026, 6, 14, 17, 30)],
            }
        ),
        items=pl.DataFrame(
            {
                "source_id": ["b1", "b2", "b3", "b4", "b5", "b6"],
                "team": ["OPS"] * 6,
                "key": ["B-1", "B-2", "B-3", "B-4", "B-5", "B-6"],
                "type": ["story"] * 6,
                "title": [
                    "CSV export fails for large files",
                    "Large CSV file export fails",
                    "Add dark mode",
                    "Rotate the API keys",
                    "Move the key store",
                    "Cache the settings page",
                ],
                "description": [
                    AC,
                    "Exporting a large CSV file fails with a timeout error.",
                    None,
                    "Given old keys, when rotated, then clients keep working.",
                    None,
                    None,
                ],
                "status": ["Backlog", "To Do", "Backlog", "Backlog", "In Progress", "Done"],
                "estimate": [3.0, 3.0, None, 2.0, 5.0, 8.0],
                "labels": [[], [], [], [], [], []],
                "rank": [1, 2, 3, 4, 5, 6],
                "created_at": [ts(2026, 1, 5, 9)] * 5 + [ts(2026, 6, 1, 9)],
                "updated_at": [recent, recent, ts(2026, 3, 1, 9), recent, recent, ts(2026, 6, 10, 9)],
                "resolved_at": [None] * 5 + [ts(2026, 6, 10, 9)],
                "resolution": [None] * 5 + ["Done"],
            },
            schema_overrides={"labels": pl.List(pl.String)},
        ),
        transitions=pl.DataFrame(
            {
                "item_source_id": ["b5", "b6", "b6"],
                "event_key": ["t5", "t6a", "t6b"],
                "from_status": ["Backlog", "Backlog", "In Progress"],
                "to_status": ["In Progress", "In Progress", "Done"],
                "at": [ts(2026, 6, 20, 9), ts(2026, 6, 2, 9), ts(2026, 6, 10, 9)],
            }
        ),
        sprint_changes=pl.DataFrame(
            {
                "item_source_id": ["b6"],
                "event_key": ["sp6"],
                "sprint_id": ["s2"],
                "change": ["added"],
                "at": [ts(2026, 6, 1, 9)],
            }
        ),
        item_links=pl.DataFrame(
            {
                "from_source_id": ["b5"],
                "to_source_id": ["b4"],
                "link_type": ["blocks"],
                "created_at": [ts(2026, 6, 20, 9)],
            }
        ),
    )


def seed_backlog(db: Database) -> int:
    with db.begin() as conn:
        ingest(conn, team_batch())
        ingest(conn, backlog_batch())
        team = find_team(conn, "OPS")
    assert team is not None
    return team.id


def _viewer(team_id: int) -> Actor:
    return Actor(1, "viewer", "Viewer", roles={team_id: Role.VIEWER})


def test_backlog_health_of_a_stored_team(db: Database) -> None:
    team_id = seed_backlog(db)
    health = backlog_health(db, WorkspaceConfig(), _viewer(team_id), "OPS", now=NOW)
    items = {row["key"]: row for row in health["items"]}
    assert list(items) == ["B-1", "B-2", "B-3", "B-4"]  # B-5 has started; B-6 and OPS-1 are done; OPS-2 started
    assert {k: r["lacks"] for k, r in items.items()} == {
        "B-1": [],
        "B-2": ["acceptance_criteria"],
        "B-3": ["description", "acceptance_criteria", "estimate", "fresh"],
        "B-4": ["unblocked"],
    }
    assert items["B-4"]["blocked_by"] == ["B-5"]
    assert items["B-3"]["score"] == pytest.approx(2 / 6)
    assert health["summary"]["backlog_items"] == 4
    assert health["summary"]["ready_items"] == 1
    assert health["summary"]["passing"]["fresh"] == 3
    assert health["parameters"]["size_limit"] is None  # two estimated deliveries, fewer than five
    assert [r["key"] for r in health["refinement_queue"]] == ["B-2", "B-3", "B-4"]
    assert [r["key"] for r in health["stale"]] == ["B-3"]
    assert health["oversized"] == []
    assert [(d["key"], d["other_key"]) for d in health["duplicates"]] == [("B-1", "B-2")]
    assert health["summary"]["duplicate_pairs"] == 1
    assert {k: r["likely_duplicates"] for k, r in items.items()} == {
        "B-1": ["B-2"],
        "B-2": ["B-1"],
        "B-3": [],
        "B-4": [],
    }
    pace = health["ready_work"]
    assert (pace["basis"], pace["unit"], pace["velocity"], pace["ready_points"]) == ("velocity", "sprints", 8.0, 3.0)
    assert pace["value"] == pytest.approx(3 / 8)


def test_a_team_the_actor_cannot_see_is_not_found(db: Database) -> None:
    team_id = seed_backlog(db)
    with pytest.raises(NotFound):
        backlog_health(db, WorkspaceConfig(), Actor(2, "x", "X", roles={team_id + 1: Role.ADMIN}), "OPS", now=NOW)
