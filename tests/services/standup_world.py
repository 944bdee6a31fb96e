"""A hand-made team for the stand-up tests: every number in the facilitator view is chosen to be checkable by hand.

OPS (Europe/Paris, FR) stands up at 09:30 local (07:30 UTC in May) on weekdays. ``NOW`` is Thursday 16 May 2024,
10:00 UTC, so the last stand-up was Wednesday 15 May at 07:30 UTC.

* OPS-3 (QA, Cy) entered QA on 14 May 15:00: nothing changed since the last stand-up; started 13 May.
* OPS-1 (Review, Bo) committed (Ready) 3 May 09:00, in Review since Friday 10 May: 13.04 days old, above the
  cycle-time P85 (the five done items took 1, 2, 3, 4 and 5 days: nearest-rank P85 = 5 days) and stale (13, 14 and
  15 May are three working days without a change).
* OPS-2 (In Progress, Cy) started 15 May 12:00, assigned to Cy 12:30, flagged 13:00: three changes, and blocked.
* OPS-4 (rank 1) and OPS-5 (rank 2) wait in the backlog; the P1 ticket SD-1, escalated to OPS-5 on 15 May 16:00,
  is a conflict when only the top 1 is expected; SD-2 (P3) was escalated to OPS-4 before the last stand-up.
* Cy is a member of OPS (capacity 0.6) and WEB (0.6), with OPS-2, OPS-3 and WEB-1 in progress.
"""

from __future__ import annotations

import dataclasses

import polars as pl
from sqlalchemy import update

from cadence.domain.batch import RecordBatch
from cadence.domain.model import Role
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import SYSTEM
from cadence.services.users import create_user, set_role
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.database import Database
from cadence.store.ingest import ingest
from tests.factories import ts

NOW = ts(2024, 5, 16, 10)
LAST_STANDUP = ts(2024, 5, 15, 7, 30)
PASSWORD = "correct horse battery"
ADMIN = dataclasses.replace(SYSTEM, is_superuser=True)
PEOPLE = {  # username: (display name, e-mail, {team: role})
    "ann": ("Ann Lee", "ann@example.com", {"OPS": Role.MANAGER}),
    "bo": ("Bo Chen", "bo@example.com", {"OPS": Role.MEMBER}),
    "cy": ("Cy Diaz", "cy@example.com", {"OPS": Role.MEMBER, "WEB": Role.MEMBER}),
    "dee": ("Dee Ray", "dee@example.com", {"OPS": Role.VIEWER}),
}


def _teams() -> RecordBatch:
    return RecordBatch(
        source="cadence",
        teams=pl.DataFrame({"key": ["OPS", "WEB"], "name": ["Operations", "Web"],
                            "timezone": ["Europe/Paris"] * 2, "country": ["FR"] * 2}),
    )  # fmt: skip


def _work() -> RecordBatch:
    created = ts(2024, 5, 1, 9)
    items: list[dict[str, object]] = [
        {"key": "OPS-1", "type": "story", "title": "Add SSO", "status": "Review", "assignee_id": "bo"},
        {"key": "OPS-2", "type": "bug", "title": "Fix the export", "status": "In Progress", "assignee_id": "cy"},
        {"key": "OPS-3", "type": "story", "title": "Bulk export", "status": "QA", "assignee_id": "cy"},
        {"key": "OPS-4", "type": "story", "title": "Dark mode", "status": "Backlog", "rank": 1},
        {"key": "OPS-5", "type": "bug", "title": "Invoices fail", "status": "Backlog", "rank": 2},
        {"key": "WEB-1", "type": "story", "title": "New landing page", "status": "In Progress", "assignee_id": "cy",
         "team": "WEB"},
    ]  # fmt: skip
    moves = [
        ("OPS-1", "Backlog", "Ready", ts(2024, 5, 3, 9)),
        ("OPS-1", "Ready", "In Progress", ts(2024, 5, 6, 9)),
        ("OPS-1", "In Progress", "Review", ts(2024, 5, 10, 9)),
        ("OPS-2", "Backlog", "Ready", ts(2024, 5, 14, 9)),
        ("OPS-2", "Ready", "In Progress", ts(2024, 5, 15, 12)),
        ("OPS-3", "Backlog", "In Progress", ts(2024, 5, 13, 9)),
        ("OPS-3", "In Progress", "Review", ts(2024, 5, 14, 9)),
        ("OPS-3", "Review", "QA", ts(2024, 5, 14, 15)),
        ("WEB-1", "Backlog", "In Progress", ts(2024, 5, 14, 9)),
    ]
    for k in range(1, 6):  # delivered in 1..5 days: the cycle-time P85 is 5 days
        key = f"OPS-1{k}"
        items.append({"key": key, "type": "story", "title": f"Done {k}", "status": "Done",
                      "resolved_at": ts(2024, 4, 1 + k, 9)})  # fmt: skip
        moves += [
            (key, "Backlog", "In Progress", ts(2024, 4, 1, 9)),
            (key, "In Progress", "Done", ts(2024, 4, 1 + k, 9)),
        ]
    frame = pl.DataFrame(
        [
            {
                "source_id": i["key"],
                "team": "OPS",
                "created_at": created,
                "assignee_id": None,
                "rank": None,
                "resolved_at": None,
                **i,
            }
            for i in items
        ]
    )
    transitions = pl.DataFrame(
        {"item_source_id": [m[0] for m in moves], "event_key": [f"t{n}" for n in range(len(moves))],
         "from_status": [m[1] for m in moves], "to_status": [m[2] for m in moves], "at": [m[3] for m in moves]}
    )  # fmt: skip
    tickets = pl.DataFrame(
        {"source_id": ["t1", "t2"], "team": ["OPS", "OPS"], "key": ["SD-1", "SD-2"],
         "title": ["Invoices fail for EU customers", "Wish: dark mode"], "status": ["Escalated", "Escalated"],
         "priority": ["P1", "P3"], "level": ["L2", "L2"], "created_at": [ts(2024, 5, 15, 14), ts(2024, 5, 9, 9)]}
    )  # fmt: skip
    links = pl.DataFrame(
        {"ticket_source_id": ["t1", "t2"], "item_source_id": ["OPS-5", "OPS-4"], "kind": ["escalated", "escalated"],
         "created_at": [ts(2024, 5, 15, 16), ts(2024, 5, 10, 9)]}
    )  # fmt: skip
    return RecordBatch(
        source="cadence",
        items=frame,
        transitions=transitions,
        assignee_changes=pl.DataFrame(
            {
                "item_source_id": ["OPS-2"],
                "event_key": ["a1"],
                "from_id": [None],
                "to_id": ["cy"],
                "at": [ts(2024, 5, 15, 12, 30)],
            },
            schema_overrides={"from_id": pl.String},
        ),
        flag_changes=pl.DataFrame(
            {"item_source_id": ["OPS-2"], "event_key": ["f1"], "flagged": [True], "at": [ts(2024, 5, 15, 13)]}
        ),
        tickets=tickets,
        ticket_links=links,
    )


def build(db: Database) -> None:
    """The teams, the four accounts with their roles, the history, and Cy's split capacity."""
    with db.begin() as conn:
        ingest(conn, _teams())
    for username, (name, email, roles) in PEOPLE.items():
        create_user(db, SYSTEM, username=username, password=PASSWORD, display_name=name, email=email, now=NOW)
        for team, role in roles.items():
            set_role(db, SYSTEM, username=username, team_key=team, role=role, now=NOW)
    with db.begin() as conn:
        ingest(conn, _work())
        # No service sets a membership's capacity yet (an import or sync does): set Cy's share as one would.
        memberships, people = S.table(S.Membership), S.table(S.Person)
        cy = conn.execute(people.select().where(people.c.source_id == "cy")).first()
        assert cy is not None
        conn.execute(update(memberships).where(memberships.c.person_id == cy.id).values(capacity=0.6))


def actor(db: Database, username: str) -> Actor:
    with db.connect() as conn:
        user = find_user(conn, username)
    assert user is not None
    return actor_for_user(db, user)


def config(**standup: object) -> WorkspaceConfig:
    """The default workspace with ``[teams.OPS.standup]`` set to ``standup``."""
    from cadence.services.standup_schedule import parse_standup_settings

    base = WorkspaceConfig()
    team = dataclasses.replace(base.for_team("OPS"), standup=parse_standup_settings(standup, "teams.OPS.standup"))
    return dataclasses.replace(base, teams={"OPS": team})
