"""Ingestion as a state machine: entity and history batches arriving in any order, repeated, overlapping or
duplicated within themselves never change what is stored beyond the distinct records seen, and never store a
transition twice."""

from __future__ import annotations

import polars as pl
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from cadence.domain.batch import RecordBatch
from cadence.store import schema as S
from cadence.store.ingest import IngestReport, ingest
from tests.factories import team_batch, ts
from tests.services.stateful_world import discard, fresh_database

SOURCE = "test"
BASE = team_batch(SOURCE)
EVENTS = 12
POOL = pl.DataFrame(
    {
        "item_source_id": [("1", "2")[n % 2] for n in range(EVENTS)],
        "event_key": [f"t{n}" for n in range(EVENTS)],
        "from_status": ["Backlog" if n < 2 else "In Progress" for n in range(EVENTS)],
        "to_status": ["In Progress" if n < 2 else "Review" for n in range(EVENTS)],
        "at": [ts(2024, 3, 4 + n // 2, 9 + n % 2) for n in range(EVENTS)],
        "by_id": [("u1", "u2")[n % 2] for n in range(EVENTS)],
    }
)
"""Transitions t0..t11, alternating between the factory's items 1 and 2."""


def _entities(title_of_2: str) -> RecordBatch:
    full = team_batch(SOURCE, title_of_2=title_of_2)
    return RecordBatch(source=SOURCE, teams=full.teams, people=full.people, items=full.items)


class Ingestion(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.db, self.folder = fresh_database()
        self.items_stored = False
        self.stored: set[str] = set()
        self.title_of_2 = "Fix the export"
        self.last: RecordBatch | None = None
        self.version = 0

    def teardown(self) -> None:
        discard(self.db, self.folder)

    def _ingest(self, batch: RecordBatch) -> IngestReport:
        with self.db.begin() as conn:
            report = ingest(conn, batch)
        self.last = batch
        return report

    def _counts(self) -> tuple[int, int, int]:
        transitions = S.table(S.Transition)
        with self.db.connect() as conn:
            items = conn.execute(select(func.count()).select_from(S.table(S.WorkItem))).scalar_one()
            total = conn.execute(select(func.count()).select_from(transitions)).scalar_one()
            distinct = conn.execute(
                select(func.count()).select_from(
                    select(transitions.c.item_id, transitions.c.event_key).distinct().subquery()
                )
            ).scalar_one()
        return items, total, distinct

    def _data_version(self) -> int:
        with self.db.connect() as conn:
            found = conn.execute(select(S.table(S.Team).c.data_version)).scalar_one_or_none()
        return 0 if found is None else int(found)

    @rule(title=st.sampled_from(["Fix the export", "Fix the CSV export"]))
    def entities(self, title: str) -> None:
        report = self._ingest(_entities(title))
        changed = self.items_stored and title != self.title_of_2
        assert report.updated["items"] == (1 if changed else 0)
        assert report.inserted["items"] == (0 if self.items_stored else 2)
        self.items_stored, self.title_of_2 = True, title

    @rule(picks=st.lists(st.integers(0, EVENTS - 1), min_size=1, max_size=8))
    def transitions(self, picks: list[int]) -> None:
        """A batch of transitions in any order, possibly repeating an event within itself."""
        frame = POOL[picks]
        report = self._ingest(RecordBatch(source=SOURCE, transitions=frame))
        keys = set(frame["event_key"].to_list())
        if self.items_stored:
            assert report.inserted["transitions"] == len(keys - self.stored)
            self.stored |= keys
        else:
            assert report.inserted["transitions"] == 0
            assert report.skipped["transitions"] == len(picks), "history of unknown items is skipped and reported"

    @precondition(lambda self: self.last is not None)
    @rule()
    def replay(self) -> None:
        """The same batch again: nothing stored, nothing updated, no new data version for the caches."""
        assert self.last is not None
        before = self._data_version()
        report = self._ingest(self.last)
        assert report.stored == 0
        assert self._data_version() == before

    @invariant()
    def stored_rows_are_the_distinct_records_seen(self) -> None:
        items, total, distinct = self._counts()
        assert items == (2 if self.items_stored else 0)
        assert total == distinct == len(self.stored), "no transition is stored twice"
        version = self._data_version()
        assert version >= self.version, "the data version never goes back"
        self.version = version
        if self.items_stored:
            with self.db.connect() as conn:
                title = conn.execute(
                    select(S.table(S.WorkItem).c.title).where(S.table(S.WorkItem).c.key == "OPS-2")
                ).scalar_one()
            assert title == self.title_of_2


Ingestion.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
TestIngestion = Ingestion.TestCase
