"""Safe upgrades: every migration steps down and back up on a seeded database without losing a row of the tables
that survive the step, and data changes run in batches."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, inspect, select

from cadence.services.seeding import seed_demo
from cadence.store.backfill import update_in_batches
from cadence.store.database import Database
from cadence.store.migrations import downgrade, drift, revisions, schema_state, upgrade

UNTIL = dt.date(2026, 6, 30)


def _counts(db: Database) -> dict[str, int]:
    with db.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        meta = MetaData()
        meta.reflect(conn, only=names)
        return {n: int(conn.execute(select(func.count()).select_from(meta.tables[n])).scalar_one()) for n in names}


def test_the_revisions_form_one_chain_from_base_to_head() -> None:
    chain = revisions()
    assert chain[0][1] is None
    assert all(down == previous for (_, down), (previous, _) in zip(chain[1:], chain, strict=False))
    assert chain[-1][0] == schema_state(Database("sqlite://")).head


def test_each_migration_steps_down_and_up_on_a_seeded_database_keeping_every_surviving_row(db: Database) -> None:
    seed_demo(db, seed=5, scale=0.1, until=UNTIL)
    before = _counts(db)
    assert before["work_items"] > 100 and before["transitions"] > 500 and before["risks"] > 0
    assert sum(1 for n in before.values() if n > 0) >= 20  # most tables hold rows, not just the items
    for revision, down in reversed(revisions()[1:]):
        assert down is not None
        downgrade(db, down)
        assert schema_state(db).current == down
        below = _counts(db)
        # Tables that exist below this revision keep every row; tables it created are gone.
        assert {n: before[n] for n in below} == below, revision
        upgrade(db)
        assert _counts(db) == before, revision
    assert drift(db) == []


def _numbers(db: Database) -> Table:
    table = Table("numbers", MetaData(), Column("id", Integer, primary_key=True), Column("tag", String(8)))
    with db.begin() as conn:
        table.create(conn)
        ids = [*range(1, 21), 35, 36, 57]  # gaps, as deleted rows leave them
        conn.execute(table.insert(), [{"id": i, "tag": "even" if i % 2 == 0 else "odd"} for i in ids])
    return table


def test_update_in_batches_walks_the_key_in_ranges_and_changes_only_matching_rows(db: Database) -> None:
    table = _numbers(db)
    statements: list[str] = []

    def _count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        with db.begin() as conn:
            changed = update_in_batches(conn, table, {"tag": "EVEN"}, table.c.tag == "even", batch_size=10)
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)
    # ids 1..57 in ranges [1,11) [11,21) [21,31) [31,41) [41,51) [51,61): six statements, one per range.
    assert len(statements) == 6
    assert changed == 10 + 1  # 2, 4, ..., 20 and 36
    with db.connect() as conn:
        tags = dict(conn.execute(select(table.c.id, table.c.tag)).all())
    assert [i for i, t in tags.items() if t == "EVEN"] == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 36]
    assert {tags[i] for i in (1, 35, 57)} == {"odd"}


def test_update_in_batches_takes_expressions_and_an_empty_table(db: Database) -> None:
    table = _numbers(db)
    with db.begin() as conn:
        assert update_in_batches(conn, table, {"tag": table.c.tag + "!"}, batch_size=7) == 23
        assert conn.execute(select(table.c.tag).where(table.c.id == 57)).scalar_one() == "odd!"
        conn.execute(table.delete())
        assert update_in_batches(conn, table, {"tag": "x"}) == 0
        with pytest.raises(ValueError, match="at least 1"):
            update_in_batches(conn, table, {"tag": "x"}, batch_size=0)
