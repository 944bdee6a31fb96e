"""A small support desk to test against: team OPS from the factory, one account per role, and a way to move a dev
item as a sync would (a transition and the item's new status, ingested under the item's source)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.domain.batch import RecordBatch
from cadence.domain.model import Role
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import SYSTEM
from cadence.services.users import create_user, set_role
from cadence.store.accounts import find_user
from cadence.store.database import Database
from cadence.store.ingest import ingest
from tests.factories import team_batch

NOW = dt.datetime(2024, 3, 20, 12, tzinfo=dt.UTC)
"""Eight days after OPS-1 was released: its times to release are the team's only measured ones."""
PEOPLE = {"agent": Role.SUPPORT, "dev": Role.MEMBER, "viewer": Role.VIEWER, "pm": Role.MANAGER}
TICKET = {"title": "Export to CSV fails", "requester": "ann@customer.example", "customer": "Customer Co",
          "channel": "email", "product_area": "exports", "impact": "high", "urgency": "medium",
          "description": "The export button shows an error."}  # fmt: skip


def support_world(db: Database) -> dict[str, Actor]:
    """Team OPS (OPS-1 released via Review, OPS-2 in progress since 2024-03-06) and its people."""
    with db.begin() as conn:
        ingest(conn, team_batch())
    actors = {}
    for name, role in PEOPLE.items():
        create_user(db, SYSTEM, username=name, password="correct horse battery", now=NOW)
        set_role(db, SYSTEM, username=name, team_key="OPS", role=role, now=NOW)
        with db.connect() as conn:
            user = find_user(conn, name)
        assert user is not None
        actors[name] = actor_for_user(db, user)
    return actors


def move(
    db: Database, *, source: str, source_id: str, key: str, old: str, new: str, at: dt.datetime,
    created: dt.datetime,
) -> None:  # fmt: skip
    """Ingest one status change of an item, as a sync of its source would."""
    item = pl.DataFrame({"source_id": [source_id], "team": ["OPS"], "key": [key], "type": ["bug"],
                         "title": ["the fix"], "status": [new], "created_at": [created]})  # fmt: skip
    change = pl.DataFrame({"item_source_id": [source_id], "event_key": [f"{key}-{new}-{at.isoformat()}"],
                           "from_status": [old], "to_status": [new], "at": [at]})  # fmt: skip
    with db.begin() as conn:
        ingest(conn, RecordBatch(source=source, items=item, transitions=change))
