"""Small, hand-made batches for store and service tests: every value chosen so the expected result is obvious."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.domain.batch import RecordBatch

UTC = dt.UTC


def ts(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def team_batch(source: str = "test", *, title_of_2: str = "Fix the export") -> RecordBatch:
    """One team, two people, a sprint, two items with history, a ticket escalated to one item."""
    return RecordBatch(
        source=source,
        teams=pl.DataFrame({"key": ["OPS"], "name": ["Operations"], "timezone": ["Europe/Paris"], "country": ["FR"]}),
        people=pl.DataFrame(
            {"source_id": ["u1", "u2"], "display_name": ["Ann Lee", "Bo Chen"], "email": ["ann@example.com", None]}
        ),
        memberships=pl.DataFrame({"team": ["OPS", "OPS"], "person_id": ["u1", "u2"], "role": ["manager", "member"]}),
        sprints=pl.DataFrame(
            {
                "source_id": ["s1"],
                "team": ["OPS"],
                "name": ["OPS Sprint 1"],
                "state": ["closed"],
                "start_at": [ts(2024, 3, 4, 8)],
                "end_at": [ts(2024, 3, 15, 17)],
                "completed_at": [ts(2024, 3, 15, 17, 30)],
            }
        ),
        items=pl.DataFrame(
            {
                "source_id": ["1", "2"],
                "team": ["OPS", "OPS"],
                "key": ["OPS-1", "OPS-2"],
                "type": ["story", "bug"],
                "title": ["Add SSO", title_of_2],
                "status": ["Done", "In Progress"],
                "estimate": [5.0, None],
                "assignee_id": ["u1", "u2"],
                "labels": [["auth", 'with "quotes"'], []],
                "created_at": [ts(2024, 3, 1, 9), ts(2024, 3, 5, 10)],
                "resolved_at": [ts(2024, 3, 12, 16), None],
                "resolution": ["Done", None],
            }
        ),
        transitions=pl.DataFrame(
            {
                "item_source_id": ["1", "1", "1", "2"],
                "event_key": ["h1", "h2", "h3", "h4"],
                "from_status": ["Backlog", "In Progress", "Review", "Backlog"],
                "to_status": ["In Progress", "Review", "Done", "In Progress"],
                "at": [ts(2024, 3, 4, 9), ts(2024, 3, 8, 11), ts(2024, 3, 12, 16), ts(2024, 3, 6, 9)],
                "by_id": ["u1", "u1", "u2", "u2"],
            }
        ),
        sprint_changes=pl.DataFrame(
            {
                "item_source_id": ["1", "2"],
                "event_key": ["sp1", "sp2"],
                "sprint_id": ["s1", "s1"],
                "change": ["added", "added"],
                "at": [ts(2024, 3, 4, 8), ts(2024, 3, 6, 8)],
            }
        ),
        tickets=pl.DataFrame(
            {
                "source_id": ["t1"],
                "team": ["OPS"],
                "key": ["SD-1"],
                "title": ["Export fails"],
                "status": ["Escalated"],
                "priority": ["P2"],
                "level": ["L2"],
                "created_at": [ts(2024, 3, 5, 8)],
            }
        ),
        ticket_events=pl.DataFrame(
            {
                "ticket_source_id": ["t1", "t1"],
                "event_key": ["e1", "e2"],
                "kind": ["status", "level"],
                "from_value": ["Open", "L1"],
                "to_value": ["Escalated", "L2"],
                "at": [ts(2024, 3, 5, 9), ts(2024, 3, 5, 9)],
            }
        ),
        ticket_links=pl.DataFrame(
            {
                "ticket_source_id": ["t1"],
                "item_source_id": ["2"],
                "kind": ["escalated"],
                "created_at": [ts(2024, 3, 5, 10)],
            }
        ),
    )
