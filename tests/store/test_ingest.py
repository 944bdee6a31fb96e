"""Writing batches: round trips, idempotency, change detection and bad rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy import func, select

from cadence.domain.batch import RecordBatch
from cadence.domain.frames import FrameContractError
from cadence.store import read_models as R
from cadence.store import schema as S
from cadence.store.database import Database
from cadence.store.ingest import ingest
from tests.factories import team_batch, ts


def _load(db: Database, batch: RecordBatch):
    with db.begin() as conn:
        return ingest(conn, batch)


def _data_version(db: Database) -> int:
    with db.connect() as conn:
        return conn.execute(select(S.Team.data_version)).scalar_one()


def test_round_trip_keeps_every_value(db: Database) -> None:
    report = _load(db, team_batch())
    assert report.inserted["items"] == 2
    assert report.inserted["transitions"] == 4
    assert report.problems == []
    with db.connect() as conn:
        items = R.read_items(conn).sort("key")
        transitions = R.read_transitions(conn)
        tickets = R.read_tickets(conn)
        events = R.read_ticket_events(conn)
        sprints = R.read_sprint_changes(conn)
        links = conn.execute(select(func.count()).select_from(S.TicketLink)).scalar_one()
    assert items.get_column("key").to_list() == ["OPS-1", "OPS-2"]
    assert items.get_column("labels").to_list() == [["auth", 'with "quotes"'], []]
    assert items.get_column("estimate").to_list() == [5.0, None]
    assert items.schema["created_at"] == pl.Datetime("us", "UTC")
    assert items.get_column("created_at").to_list()[0] == ts(2024, 3, 1, 9)
    assert items.get_column("resolved_at").to_list() == [ts(2024, 3, 12, 16), None]
    one = items.filter(pl.col("key") == "OPS-1").get_column("item_id").item()
    chain = transitions.filter(pl.col("item_id") == one)
    assert chain.get_column("to_status").to_list() == ["In Progress", "Review", "Done"]
    assert chain.get_column("at").is_sorted()
    assert tickets.get_column("key").to_list() == ["SD-1"]
    assert events.height == 2
    assert sprints.height == 2
    assert links == 1


def test_loading_the_same_batch_twice_changes_nothing(db: Database) -> None:
    _load(db, team_batch())
    version = _data_version(db)
    again = _load(db, team_batch())
    assert again.stored == 0
    assert again.unchanged["items"] == 2
    assert again.unchanged["transitions"] == 4
    assert again.unchanged["ticket_events"] == 2
    assert _data_version(db) == version
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(S.Transition)).scalar_one() == 4
        assert conn.execute(select(func.count()).select_from(S.WorkItem)).scalar_one() == 2


def test_a_changed_item_is_updated_alone_and_bumps_the_data_version(db: Database) -> None:
    _load(db, team_batch())
    version = _data_version(db)
    report = _load(db, team_batch(title_of_2="Fix the CSV export"))
    assert (report.updated["items"], report.unchanged["items"], report.inserted["items"]) == (1, 1, 0)
    assert _data_version(db) == version + 1
    with db.connect() as conn:
        title = conn.execute(select(S.WorkItem.title).where(S.WorkItem.key == "OPS-2")).scalar_one()
    assert title == "Fix the CSV export"


def test_rows_with_unknown_references_are_skipped_and_reported(db: Database) -> None:
    batch = team_batch()
    orphan = pl.DataFrame(
        {
            "item_source_id": ["404"],
            "event_key": ["hx"],
            "from_status": ["Backlog"],
            "to_status": ["Done"],
            "at": [ts(2024, 3, 9)],
        }
    )
    batch = RecordBatch(**{**batch.__dict__, "transitions": pl.concat([batch.transitions, orphan], how="diagonal")})
    report = _load(db, batch)
    assert report.inserted["transitions"] == 4
    assert report.skipped["transitions"] == 1
    assert [(p.problem, p.record) for p in report.problems] == [("transition refers to unknown item", "404")]


def test_rows_missing_required_values_are_skipped_without_sinking_the_batch(db: Database) -> None:
    batch = team_batch()
    broken = batch.items.with_columns(
        pl.when(pl.col("key") == "OPS-2").then(None).otherwise(pl.col("title")).alias("title")
    )
    report = _load(db, RecordBatch(**{**batch.__dict__, "items": broken}))
    assert report.inserted["items"] == 1
    assert report.skipped["items"] == 1
    assert "lacks one of" in report.problems[0].problem
    # the dropped item's transition is then unknown, and is reported too
    assert report.skipped["transitions"] == 1


def test_people_referenced_but_not_described_become_placeholders(db: Database) -> None:
    batch = team_batch()
    by_stranger = batch.transitions.with_columns(pl.lit("acct-9").alias("by_id"))
    _load(db, RecordBatch(**{**batch.__dict__, "transitions": by_stranger}))
    with db.connect() as conn:
        names = conn.execute(select(S.Person.display_name).order_by(S.Person.id)).scalars().all()
    assert names == ["Ann Lee", "Bo Chen", "acct-9"]  # in batch order: ids are deterministic


def test_naive_datetimes_are_refused_before_anything_is_written(db: Database) -> None:
    batch = team_batch()
    naive = batch.items.with_columns(pl.col("created_at").dt.replace_time_zone(None))
    with pytest.raises(FrameContractError, match="naive"):
        _load(db, RecordBatch(**{**batch.__dict__, "items": naive}))
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(S.WorkItem)).scalar_one() == 0


def test_non_utc_zones_are_converted_not_relabelled(db: Database) -> None:
    batch = team_batch()
    paris = batch.items.with_columns(
        pl.Series("created_at", [dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 5, 11)]).dt.replace_time_zone(  # noqa: DTZ001
            "Europe/Paris"
        )
    )
    _load(db, RecordBatch(**{**batch.__dict__, "items": paris}))
    with db.connect() as conn:
        created = R.read_items(conn).sort("key").get_column("created_at").to_list()
    assert created == [ts(2024, 3, 1, 9), ts(2024, 3, 5, 10)]


def test_reads_filter_by_team(db: Database) -> None:
    _load(db, team_batch())
    other = team_batch(source="other")
    other = RecordBatch(
        **{
            **other.__dict__,
            "teams": other.teams.with_columns(pl.lit("WEB").alias("key")),
            "memberships": other.memberships.with_columns(pl.lit("WEB").alias("team")),
            "sprints": other.sprints.with_columns(pl.lit("WEB").alias("team")),
            "items": other.items.with_columns(pl.lit("WEB").alias("team")),
            "tickets": other.tickets.with_columns(pl.lit("WEB").alias("team")),
        }
    )
    _load(db, other)
    with db.connect() as conn:
        web = conn.execute(select(S.Team.id).where(S.Team.key == "WEB")).scalar_one()
        assert R.read_items(conn).height == 4
        assert R.read_items(conn, [web]).height == 2
        assert R.read_transitions(conn, [web]).height == 4
        assert R.read_ticket_events(conn, [web]).height == 2
        assert R.read_sprints(conn, [web]).height == 1


def test_an_in_memory_database_reads_the_same_frames_through_the_cursor(db: Database) -> None:
    """Files and servers are read by connectorx; a database only this process can open goes through the cursor."""
    memory = Database("sqlite://")
    from cadence.store.migrations import upgrade

    upgrade(memory)
    _load(memory, team_batch())
    _load(db, team_batch())
    with memory.connect() as a, db.connect() as b:
        for read in (R.read_items, R.read_transitions, R.read_sprint_changes, R.read_tickets, R.read_ticket_events):
            left, right = read(a), read(b)
            assert left.schema == right.schema
            assert left.drop(c for c in left.columns if c.endswith("_id")).equals(
                right.drop(c for c in right.columns if c.endswith("_id"))
            ), read.__name__
    memory.dispose()


def test_items_written_without_lists_read_as_empty_lists(db: Database) -> None:
    """Items created outside ingestion (escalations, older rows) may hold NULL lists; the column reader must not
    guess a type from that NULL (connectorx refuses on SQLite) nor hand analytics a null list."""
    _load(db, team_batch())
    with db.begin() as conn:
        conn.execute(S.WorkItem.__table__.update().values(labels=None, fix_versions=None))
    with db.connect() as conn:
        items = R.read_items(conn).sort("key")
    assert items.get_column("labels").to_list() == [[], []]
    assert items.get_column("fix_versions").to_list() == [[], []]
