"""The demo workspace through the seeding service: stored faithfully, idempotent, and migratable."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import func, select

from cadence.connectors.demo import generate_demo
from cadence.services.seeding import seed_demo
from cadence.services.workspace_status import workspace_status
from cadence.store import read_models as R
from cadence.store import schema as S
from cadence.store.database import Database
from cadence.store.migrations import downgrade, drift, schema_state, upgrade

UNTIL = dt.date(2026, 6, 30)
SCALE = 0.25


def _counts(db: Database) -> dict[str, int]:
    return workspace_status(db).counts


def test_seeding_stores_every_generated_record(db: Database) -> None:
    report = seed_demo(db, seed=3, scale=SCALE, until=UNTIL)
    generated = generate_demo(seed=3, scale=SCALE, until=UNTIL)
    assert report.ingest is not None
    assert report.ingest.problems == []
    assert sum(report.ingest.skipped.values()) == 0
    counts = _counts(db)
    assert counts["items"] == generated.items.height
    assert counts["transitions"] == generated.transitions.height
    assert counts["tickets"] == generated.tickets.height
    assert counts["ticket_events"] == generated.ticket_events.height
    assert counts["sprints"] == generated.sprints.height
    assert counts["teams"] == generated.teams.height
    with db.connect() as conn:
        users = conn.execute(select(func.count()).select_from(S.User)).scalar_one()
    assert users == len(generated.logins) >= 4


def test_reseeding_with_the_same_arguments_changes_nothing(db: Database) -> None:
    seed_demo(db, seed=3, scale=SCALE, until=UNTIL)
    before = _counts(db)
    with db.connect() as conn:
        versions = conn.execute(select(S.Team.key, S.Team.data_version)).all()
    again = seed_demo(db, seed=3, scale=SCALE, until=UNTIL)
    assert again.ingest is not None and again.ingest.stored == 0
    assert _counts(db) == before
    with db.connect() as conn:
        assert conn.execute(select(S.Team.key, S.Team.data_version)).all() == versions


def test_if_absent_leaves_an_existing_workspace_alone(db: Database) -> None:
    seed_demo(db, seed=3, scale=SCALE, until=UNTIL)
    before = _counts(db)
    report = seed_demo(db, seed=99, scale=SCALE, until=UNTIL, if_absent=True)
    assert report.skipped
    assert len(report.logins) >= 4  # the stored demo accounts are still announced
    assert _counts(db) == before


def test_stored_history_is_consistent(db: Database) -> None:
    seed_demo(db, seed=5, scale=SCALE, until=UNTIL)
    with db.connect() as conn:
        items = R.read_items(conn)
        transitions = R.read_transitions(conn)
    joined = transitions.join(items.select("item_id", "created_at", "status"), on="item_id")
    assert joined.filter(pl.col("at") < pl.col("created_at")).height == 0
    last = transitions.group_by("item_id").agg(pl.col("to_status").last().alias("last"))
    mismatched = items.join(last, on="item_id").filter(pl.col("last") != pl.col("status"))
    assert mismatched.height == 0
    # delivered work was started; items closed as "Won't Do" or "Duplicate" (status Done, another resolution) never were
    done = items.filter(pl.col("resolution") == "Done").get_column("item_id")
    started = transitions.filter(pl.col("to_status") == "In Progress").get_column("item_id").unique()
    assert done.is_in(started.implode()).all()
    assert items.filter(pl.col("status") == "Done").get_column("resolved_at").is_not_null().all()
    assert (items.get_column("resolved_at").is_null() == items.get_column("resolution").is_null()).all()


def test_upgrade_downgrade_upgrade_on_a_seeded_database(db: Database) -> None:
    seed_demo(db, seed=3, scale=0.1, until=UNTIL)
    assert _counts(db)["items"] > 0
    assert downgrade(db, "base").current is None
    with db.connect() as conn:
        assert not db.engine.dialect.has_table(conn, "work_items")
    assert upgrade(db).up_to_date
    assert drift(db) == []
    seed_demo(db, seed=3, scale=0.1, until=UNTIL)
    assert _counts(db)["items"] > 0
    assert schema_state(db).current == schema_state(db).head
