"""The database connection killed during a Jira sync: between batches (unseen) and in the middle of one (the sync
fails clearly, the watermark covers only committed batches, and the rerun stores every issue and change once).

The kill is placed exactly: the sync's progress callback, called after each committed batch, has a second
connection lock ``work_items`` so that the next batch's first item write waits, and that waiting backend is
terminated. Everything the batch wrote before (people, sprints) is in the same transaction, so it goes too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from cadence.domain.errors import DatabaseUnavailable
from cadence.services.sources import describe_sources
from cadence.services.sync import SyncReport, sync_source
from cadence.store.database import Database
from cadence.store.migrations import upgrade
from tests.connectors.jira.fake_jira import Served
from tests.faults.conftest import signal_backends, table_locked, wait_for_lock_waiter
from tests.faults.jira_scenario import (
    KEY,
    PAGE,
    StormyJira,
    connect,
    expected_history,
    in_update_order,
    issues,
    stored_history,
    stored_keys,
    updated,
)

SITE = issues(1, 20)  # 5 batches of 4


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    upgrade(db)
    yield db
    db.dispose()


class KillInBatch:
    """A progress callback: once ``after`` batches are committed, the next batch's connection dies mid-write."""

    def __init__(self, url: str, after: int) -> None:
        self.url = url
        self.after = after
        self.killed = 0
        self.thread: threading.Thread | None = None
        self._locked = threading.Event()

    def __call__(self, report: SyncReport) -> None:
        if report.batches == self.after:
            self.thread = threading.Thread(target=self._kill)
            self.thread.start()
            assert self._locked.wait(10)

    def _kill(self) -> None:
        with table_locked(self.url, "work_items", "SHARE"):
            self._locked.set()
            wait_for_lock_waiter(self.url)
            self.killed = signal_backends(self.url, waiting_on_lock=True)


class KillBetweenBatches:
    """A progress callback: after each committed batch, every pooled connection is terminated while idle."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.killed = 0

    def __call__(self, _: SyncReport) -> None:
        self.killed += signal_backends(self.url)


def _no_sleep(_: float) -> None:
    return None


def test_a_connection_killed_mid_batch_fails_the_sync_and_the_rerun_stores_everything_once(pg: Database) -> None:
    url = str(pg.url.render_as_string(hide_password=False))
    fake = StormyJira([dict(i) for i in SITE])
    killer = KillInBatch(url, after=2)
    with Served(fake) as server:
        connect(pg, server.url)
        with pytest.raises(DatabaseUnavailable, match="cannot reach the database"):
            sync_source(pg, "cloud", key=KEY, sleep=_no_sleep, progress=killer)
        assert killer.thread is not None
        killer.thread.join(10)
        assert killer.killed == 1
        [status] = describe_sources(pg)
        committed = in_update_order(SITE)[: 2 * PAGE]
        assert status.last_status == "failed"
        assert "cannot reach the database" in (status.last_error or "")
        assert status.watermark == max(updated(i) for i in committed)  # the second batch's, not the third's
        assert stored_keys(pg) == sorted((i["key"] for i in committed), key=lambda k: int(k.split("-")[1]))
        assert stored_history(pg) == expected_history(committed)  # nothing of the third batch

        report = sync_source(pg, "cloud", key=KEY, sleep=_no_sleep)
    assert report.since is not None and report.since < status.watermark  # resumed from the watermark - overlap
    assert report.read == len(SITE) - 2 * PAGE + 1  # the rest, plus the overlap's last committed issue
    assert stored_keys(pg) == [f"EX-{n}" for n in range(1, 21)]
    assert stored_history(pg) == expected_history(SITE)  # every change exactly once
    [status] = describe_sources(pg)
    assert status.last_status == "ok" and status.watermark == max(updated(i) for i in SITE)


def test_connections_killed_between_batches_are_replaced_and_the_sync_completes(pg: Database) -> None:
    url = str(pg.url.render_as_string(hide_password=False))
    fake = StormyJira([dict(i) for i in SITE])
    killer = KillBetweenBatches(url)
    with Served(fake) as server:
        connect(pg, server.url)
        report = sync_source(pg, "cloud", key=KEY, sleep=_no_sleep, progress=killer)
    assert killer.killed >= 5  # at least the sync's own connection after each of the 5 batches
    assert report.batches == 5 and report.read == 20
    assert stored_history(pg) == expected_history(SITE)
    [status] = describe_sources(pg)
    assert status.last_status == "ok"
