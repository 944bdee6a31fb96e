"""A hand-made team history with six planted stalls, one per signal, for the impediment tests.

At NOW (Thursday 2026-06-18 12:00 UTC, team zone UTC, no country) the team OPS has:

* six delivered items D1..D6: In Progress 1 day, Review 5 days -> stage medians In Progress 1.0, Review 5.0 days
  (with the short finished visits of A-F: nine In Progress visits, median 1.0; eight Review visits, median 5.0);
  cycle time 6.0 days each, so the age P85 is 6.0;
* OPS-A in In Progress since Mon 06-15 10:00 (3.1 days > 2 x 1.0), touched (estimate) on 06-17: stage_dwell only;
* OPS-B flagged since 06-17 15:00: flagged only;
* OPS-C blocked by WEB-1 (team WEB, unfinished), linked 06-17 12:00: linked_blocker only;
* OPS-D in Review since Mon 06-15 10:00, nothing since: Tue and Wed quiet -> stale only (since 06-18 00:00);
* OPS-E Review -> In Progress twice (the second on 06-18 09:00): ping_pong only;
* OPS-F reassigned three times on 06-17 (10:00, 11:00, 12:00) between Ann and Bo: reassigned only;
* OPS-W started this morning: nothing.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.domain.batch import RecordBatch
from cadence.store.database import Database
from cadence.store.ingest import ingest

NOW = dt.datetime(2026, 6, 18, 12, tzinfo=dt.UTC)
PLANTED = {
    ("OPS-A", "stage_dwell", "20260615T100000Z"),
    ("OPS-B", "flagged", "20260617T150000Z"),
    ("OPS-C", "linked_blocker", "20260617T120000Z"),
    ("OPS-D", "stale", "20260618T000000Z"),
    ("OPS-E", "ping_pong", "20260618T090000Z"),
    ("OPS-F", "reassigned", "20260617T120000Z"),
}
"""(item key, signal, since in the signal key) of every planted stall."""


def at(day: int, hour: int, month: int = 6) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def world() -> RecordBatch:
    keys: list[str] = []
    teams: list[str] = []
    statuses: list[str] = []
    created: list[dt.datetime] = []
    resolved: list[dt.datetime | None] = []
    moves: list[tuple[str, str, str, dt.datetime]] = []

    def item(key: str, status: str, made: dt.datetime, path: list[tuple[str, dt.datetime]], team: str = "OPS") -> None:
        keys.append(key)
        teams.append(team)
        statuses.append(status)
        created.append(made)
        resolved.append(path[-1][1] if status == "Done" else None)
        previous = "Backlog"
        for to, when in path:
            moves.append((key, previous, to, when))
            previous = to

    for n in range(1, 7):
        item(f"OPS-D{n}", "Done", at(1, 8), [("In Progress", at(1, 9)), ("Review", at(2, 9)), ("Done", at(7, 9))])
    item("OPS-A", "In Progress", at(12, 9), [("In Progress", at(15, 10))])
    item("OPS-B", "In Progress", at(16, 9), [("In Progress", at(17, 9))])
    item("OPS-C", "In Progress", at(16, 9), [("In Progress", at(18, 8))])
    item("OPS-D", "Review", at(12, 9), [("In Progress", at(15, 9)), ("Review", at(15, 10))])
    item("OPS-E", "In Progress", at(16, 9), [("In Progress", at(17, 9)), ("Review", at(17, 11)),
                                            ("In Progress", at(17, 13)), ("Review", at(17, 15)),
                                            ("In Progress", at(18, 9))])  # fmt: skip
    item("OPS-F", "In Progress", at(16, 9), [("In Progress", at(17, 9))])
    item("OPS-W", "In Progress", at(18, 7), [("In Progress", at(18, 10))])
    item("WEB-1", "In Progress", at(10, 9), [("In Progress", at(17, 9))], team="WEB")
    return RecordBatch(
        source="test",
        teams=pl.DataFrame({"key": ["OPS", "WEB"], "name": ["Operations", "Web"], "timezone": ["UTC", "UTC"]}),
        people=pl.DataFrame({"source_id": ["u1", "u2"], "display_name": ["Ann Lee", "Bo Chen"]}),
        memberships=pl.DataFrame({"team": ["OPS", "OPS"], "person_id": ["u1", "u2"], "role": ["manager", "member"]}),
        items=pl.DataFrame(
            {
                "source_id": keys,
                "team": teams,
                "key": keys,
                "type": ["story"] * len(keys),
                "title": [f"Work on {k}" for k in keys],
                "status": statuses,
                "created_at": created,
                "resolved_at": pl.Series(resolved, dtype=pl.Datetime("us", "UTC")),
                "resolution": ["Done" if s == "Done" else None for s in statuses],
            }
        ),
        transitions=pl.DataFrame(
            {
                "item_source_id": [m[0] for m in moves],
                "event_key": [f"t{i}" for i in range(len(moves))],
                "from_status": [m[1] for m in moves],
                "to_status": [m[2] for m in moves],
                "at": [m[3] for m in moves],
            }
        ),
        estimate_changes=pl.DataFrame(
            {
                "item_source_id": ["OPS-A"],
                "event_key": ["e1"],
                "from_value": [None],
                "to_value": [3.0],
                "at": [at(17, 10)],
            },
            schema_overrides={"from_value": pl.Float64},
        ),
        flag_changes=pl.DataFrame(
            {"item_source_id": ["OPS-B"], "event_key": ["f1"], "flagged": [True], "at": [at(17, 15)]}
        ),
        assignee_changes=pl.DataFrame(
            {
                "item_source_id": ["OPS-F"] * 3,
                "event_key": ["a1", "a2", "a3"],
                "from_id": ["u1", "u2", "u1"],
                "to_id": ["u2", "u1", "u2"],
                "at": [at(17, 10), at(17, 11), at(17, 12)],
            }
        ),
        item_links=pl.DataFrame(
            {
                "from_source_id": ["WEB-1"],
                "to_source_id": ["OPS-C"],
                "link_type": ["blocks"],
                "created_at": [at(17, 12)],
            }
        ),
    )


def seed(db: Database) -> None:
    with db.begin() as conn:
        report = ingest(conn, world())
    assert not getattr(report, "problems", ()), report
