"""The decision log and working agreements through the service on a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cadence.domain.errors import Conflict, InputError, NotFound, PermissionDenied
from cadence.services import decisions as svc
from cadence.services.access import Actor
from cadence.store import schema as S
from cadence.store.database import Database
from tests.services.impediment_world import NOW
from tests.services.test_impediments import actors  # noqa: F401 - the fixture

DAY = dt.timedelta(days=1)


def test_decisions_are_logged_with_options_items_and_who_decided(db: Database, actors: dict[str, Actor]) -> None:  # noqa: F811
    first = svc.record_decision(
        db, actors["dev"], "OPS", title="Database", decision="Stay on PostgreSQL", now=NOW - DAY,
        options=["PostgreSQL", " MySQL ", ""], item_keys=["OPS-A", "OPS-A", "OPS-B"], decided_on=dt.date(2026, 6, 16),
    )  # fmt: skip
    assert (first["options"], first["item_keys"], first["decided_by"], first["decided_on"]) == (
        ["PostgreSQL", "MySQL"], ["OPS-A", "OPS-B"], "dev", dt.date(2026, 6, 16),
    )  # fmt: skip
    second = svc.record_decision(
        db, actors["pm"], "OPS", title="Releases", decision="Release on Tuesdays", now=NOW, decided_by="The team"
    )
    assert second["decided_on"] == NOW.date() and second["decided_by"] == "The team"
    assert [d["title"] for d in svc.list_decisions(db, actors["viewer"], "OPS")] == ["Releases", "Database"]
    with pytest.raises(NotFound, match="OPS-404"):
        svc.record_decision(db, actors["dev"], "OPS", title="x", decision="y", now=NOW, item_keys=["OPS-404"])
    with pytest.raises(NotFound):
        svc.record_decision(db, actors["dev"], "OPS", title="x", decision="y", now=NOW, meeting_id=12345)
    with pytest.raises(InputError):
        svc.record_decision(db, actors["dev"], "OPS", title="x", decision=" ", now=NOW)
    with pytest.raises(PermissionDenied):
        svc.record_decision(db, actors["viewer"], "OPS", title="x", decision="y", now=NOW)


def test_agreements_are_added_and_retired_and_retired_ones_are_kept(db: Database, actors: dict[str, Actor]) -> None:  # noqa: F811
    wip = svc.add_agreement(db, actors["dev"], "OPS", text=" WIP limit of 3 per person ", now=NOW - 2 * DAY)
    svc.add_agreement(db, actors["dev"], "OPS", text="Stand-up at 9:30", now=NOW - DAY)
    retired = svc.retire_agreement(db, actors["pm"], "OPS", int(wip["id"]), now=NOW)
    assert retired["retired_at"] == NOW and not retired["active"]
    listed = svc.list_agreements(db, actors["viewer"], "OPS")
    assert [(a["text"], a["active"]) for a in listed] == [
        ("Stand-up at 9:30", True),
        ("WIP limit of 3 per person", False),
    ]
    with pytest.raises(Conflict):
        svc.retire_agreement(db, actors["pm"], "OPS", int(wip["id"]), now=NOW)
    with pytest.raises(NotFound):
        svc.retire_agreement(db, actors["pm"], "OPS", 999, now=NOW)
    with pytest.raises(PermissionDenied):
        svc.add_agreement(db, actors["viewer"], "OPS", text="x", now=NOW)
    log = S.table(S.AuditEntry)
    with db.connect() as conn:
        rows = conn.execute(
            select(log.c.action, log.c.entity).where(log.c.entity == "working_agreement").order_by(log.c.id)
        )
        assert [tuple(r) for r in rows] == [("create", "working_agreement")] * 2 + [("retire", "working_agreement")]
