"""The sync lease: one sync per source at a time across instances; renewed per batch, released on failure, lapsing
when its holder dies. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cadence.connectors.source import SourceBatch
from cadence.domain.batch import RecordBatch
from cadence.domain.errors import Conflict
from cadence.services.scheduler import JOBS, Delivery, run_due, scheduled_jobs
from cadence.services.sources import connect_jira, describe_sources
from cadence.services.sync import run_sync
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import schema as S
from cadence.store.database import Database
from cadence.store.read_models import read_items
from cadence.store.sources import find_source, release_sync_lease, renew_sync_lease, take_sync_lease
from tests.connectors.jira.fake_jira import FakeJira, Served
from tests.connectors.jira.payloads import cloud_issue

UTC = dt.UTC
KEY = Fernet.generate_key().decode()
T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)


def _source(db: Database, name: str = "jira") -> int:
    connect_jira(db, key=KEY, name=name, url="https://jira.example", token="t", team="LSE")
    with db.connect() as conn:
        row = find_source(conn, name)
    assert row is not None
    return row.id


def _state(db: Database, source_id: int) -> dict[str, object]:
    states = S.table(S.SyncState)
    with db.connect() as conn:
        row = conn.execute(select(states).where(states.c.source_id == source_id)).mappings().one()
    return dict(row)


def _batch(number: int) -> SourceBatch:
    at = T0 + dt.timedelta(hours=number)
    teams = pl.DataFrame({"key": ["LSE"], "name": ["Lease"]})
    items = pl.DataFrame({"source_id": [f"LSE-{number}"], "team": ["LSE"], "key": [f"LSE-{number}"],
                          "type": ["story"], "title": [f"item {number}"], "status": ["To Do"],
                          "created_at": [at]})  # fmt: skip
    return SourceBatch(RecordBatch(source="jira", teams=teams, items=items), watermark=at, read=1)


class Scripted:
    """A source of ``count`` one-item batches that calls ``between(n)`` after yielding batch ``n``."""

    name = "jira"

    def __init__(self, count: int, between: Callable[[int], None] | None = None) -> None:
        self.count, self.between, self.fetched = count, between, 0

    def fetch(self, since: dt.datetime | None) -> Iterator[SourceBatch]:
        self.fetched += 1
        for number in range(1, self.count + 1):
            yield _batch(number)
            if self.between is not None:
                self.between(number)


def _items(db: Database) -> list[str]:
    with db.connect() as conn:
        return sorted(read_items(conn).get_column("key").to_list())


def test_a_lease_is_taken_once_until_it_lapses_or_is_released(db: Database) -> None:
    source_id = _source(db)
    with db.begin() as conn:  # a source never synced has no state row: the lease is an INSERT
        assert take_sync_lease(conn, source_id, owner="a#1", now=T0, until=T0 + 10 * MINUTE) is None
    with db.begin() as conn:
        held = take_sync_lease(conn, source_id, owner="b#1", now=T0 + 9 * MINUTE, until=T0 + 19 * MINUTE)
    assert held is not None and held.owner == "a#1" and held.until == T0 + 10 * MINUTE
    with db.begin() as conn:  # a renews: b is refused past the first expiry too
        assert renew_sync_lease(conn, source_id, owner="a#1", until=T0 + 20 * MINUTE)
        assert take_sync_lease(conn, source_id, owner="b#1", now=T0 + 15 * MINUTE, until=T0 + 25 * MINUTE)
    with db.begin() as conn:  # a stops renewing (crashed): at its expiry b takes over
        assert take_sync_lease(conn, source_id, owner="b#1", now=T0 + 20 * MINUTE, until=T0 + 30 * MINUTE) is None
    with db.begin() as conn:  # the old holder can neither renew nor release b's lease
        assert not renew_sync_lease(conn, source_id, owner="a#1", until=T0 + 40 * MINUTE)
        assert not release_sync_lease(conn, source_id, owner="a#1")
    assert (_state(db, source_id)["lease_owner"], _state(db, source_id)["lease_until"]) == ("b#1", T0 + 30 * MINUTE)
    with db.begin() as conn:
        assert release_sync_lease(conn, source_id, owner="b#1")
        assert take_sync_lease(conn, source_id, owner="c#1", now=T0 + 21 * MINUTE, until=T0 + 31 * MINUTE) is None


def test_instances_racing_for_a_lease_get_it_once(database_url: str, db: Database) -> None:
    """Eight connections (each its own engine, like eight instances) ask at the same instant, for a source with
    and without a state row: exactly one wins each round."""
    source_id = _source(db)
    engines = [Database(database_url) for _ in range(8)]
    try:
        for round_ in range(3):
            now = T0 + round_ * 20 * MINUTE  # every earlier lease has lapsed
            barrier = threading.Barrier(len(engines))
            won: list[str] = []

            def ask(
                engine: Database, owner: str, now: dt.datetime = now, barrier: threading.Barrier = barrier,
                won: list[str] = won,
            ) -> None:  # fmt: skip
                barrier.wait()
                with engine.begin() as conn:
                    if take_sync_lease(conn, source_id, owner=owner, now=now, until=now + 10 * MINUTE) is None:
                        won.append(owner)

            threads = [threading.Thread(target=ask, args=(e, f"i{n}#{round_}")) for n, e in enumerate(engines)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert len(won) == 1, won
            assert _state(db, source_id)["lease_owner"] == won[0]
    finally:
        for engine in engines:
            engine.dispose()


def test_a_second_sync_is_refused_while_one_runs_and_reads_nothing(db: Database) -> None:
    source_id = _source(db)
    second = Scripted(3)
    refusals: list[Conflict] = []

    def meanwhile(number: int) -> None:
        if number == 1:
            with pytest.raises(Conflict) as refused:
                run_sync(db, second, source_id, None, instance="web-2")
            refusals.append(refused.value)

    report = run_sync(db, Scripted(2, meanwhile), source_id, None, instance="web-1")
    [refusal] = refusals
    assert second.fetched == 0  # refused before reading the source
    assert refusal.exit_code == 9 and refusal.data["instance"] == "web-1"
    assert "already running on web-1 since " in refusal.message
    assert report.stored > 0 and _items(db) == ["LSE-1", "LSE-2"]
    state = _state(db, source_id)
    assert state["lease_owner"] is None and state["lease_until"] is None and state["last_status"] == "ok"
    assert run_sync(db, Scripted(2), source_id, None).stored == 0  # released: the next sync runs (and adds nothing)


def test_the_lease_is_renewed_with_every_batch(db: Database) -> None:
    source_id = _source(db)
    seen: list[dt.datetime] = []

    def look(number: int) -> None:
        state = _state(db, source_id)
        assert isinstance(state["lease_until"], dt.datetime) and str(state["lease_owner"]).startswith("web-1#")
        seen.append(state["lease_until"])

    started = dt.datetime.now(UTC)
    run_sync(db, Scripted(3, look), source_id, None, instance="web-1", lease=dt.timedelta(minutes=5))
    assert len(seen) == 3 and seen == sorted(seen) and len(set(seen)) == 3  # moved forward at every batch
    assert started + dt.timedelta(minutes=5) <= seen[0] <= dt.datetime.now(UTC) + dt.timedelta(minutes=5)


def test_a_failed_sync_releases_its_lease(db: Database) -> None:
    source_id = _source(db)

    def fail(number: int) -> None:
        raise RuntimeError("Jira went away")

    with pytest.raises(RuntimeError):
        run_sync(db, Scripted(3, fail), source_id, None)
    state = _state(db, source_id)
    assert state["lease_owner"] is None and state["last_status"] == "failed"
    assert state["last_error"] == "RuntimeError: Jira went away"
    assert _items(db) == ["LSE-1"]  # the committed batch stays
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C releases it too

        def interrupt(number: int) -> None:
            raise KeyboardInterrupt

        run_sync(db, Scripted(3, interrupt), source_id, None)
    assert _state(db, source_id)["lease_owner"] is None
    assert run_sync(db, Scripted(3), source_id, None).stored > 0 and _items(db) == ["LSE-1", "LSE-2", "LSE-3"]


def test_a_crashed_holders_lease_blocks_until_it_lapses(db: Database) -> None:
    source_id = _source(db)
    now = dt.datetime.now(UTC)
    with db.begin() as conn:  # an instance took the lease, then died without releasing it
        take_sync_lease(conn, source_id, owner="dead-host:41#abc", now=now, until=now + dt.timedelta(minutes=10))
    with pytest.raises(Conflict, match="already running on dead-host:41 since"):
        run_sync(db, Scripted(1), source_id, None)
    with db.begin() as conn:  # ten minutes later, as far as the lease is concerned
        states = S.table(S.SyncState)
        conn.execute(states.update().values(lease_until=now - dt.timedelta(seconds=1)))
    assert run_sync(db, Scripted(1), source_id, None, instance="web-1").stored > 0
    assert _state(db, source_id)["lease_owner"] is None


def test_a_holder_whose_lease_was_taken_over_stops_without_writing(db: Database) -> None:
    source_id = _source(db)

    def stolen(number: int) -> None:  # this sync stalled past its lease and another instance took the source
        if number == 1:
            with db.begin() as conn:
                states = S.table(S.SyncState)
                later = dt.datetime.now(UTC) + dt.timedelta(hours=1)
                conn.execute(states.update().values(lease_owner="web-2#x", lease_until=later, last_status="running"))

    with pytest.raises(Conflict, match="lost its lease"):
        run_sync(db, Scripted(3, stolen), source_id, None, instance="web-1")
    assert _items(db) == ["LSE-1"]  # batch 2 was not written
    state = _state(db, source_id)
    assert state["lease_owner"] == "web-2#x" and state["last_status"] == "running"  # the new holder's state


def _cloud(url: str, db: Database) -> None:
    connect_jira(db, key=KEY, name="cloud", url=url, email="pm@example.com", token="good-token", team="EX",
                 allow_http=True)  # fmt: skip


def _cloud_fake() -> FakeJira:
    auth = "Basic " + base64.b64encode(b"pm@example.com:good-token").decode()
    return FakeJira("cloud", [cloud_issue(n, moves=2) for n in range(1, 6)], search_cap=2, auth=auth)


def test_the_scheduled_sync_runs_once_per_period_across_instances(database_url: str, db: Database) -> None:
    """Two instances tick at the same instant with ``sync-sources`` every 15 minutes: Jira is read once per period,
    by whichever instance claimed it; off (0) adds no job."""
    assert scheduled_jobs(sync_every=dt.timedelta(0)) is JOBS
    jobs = scheduled_jobs(sync_every=dt.timedelta(minutes=15))
    assert [j.name for j in jobs][-2:] == ["sync-sources", "deliver-notifications"]
    fake, keyed = _cloud_fake(), Delivery(encryption_key=KEY)
    other = Database(database_url)
    try:
        with Served(fake) as server:
            _cloud(server.url, db)
            outcomes: dict[str, list[object]] = {"a": [], "b": []}
            for now in (T0 + 7 * MINUTE, T0 + 22 * MINUTE):
                barrier = threading.Barrier(2)

                def tick(engine: Database, name: str, now: dt.datetime = now, barrier: threading.Barrier = barrier):
                    barrier.wait()
                    outcomes[name] += run_due(
                        engine, WorkspaceConfig(), now=now, instance=name, jobs=jobs, delivery=keyed
                    )

                threads = [threading.Thread(target=tick, args=(e, n)) for e, n in ((db, "a"), (other, "b"))]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(60)
            searches = fake.calls("/rest/api/3/search/jql")
    finally:
        other.dispose()
    syncs = [o for o in outcomes["a"] + outcomes["b"] if o.job == "sync-sources"]  # type: ignore[attr-defined]
    by_slot: dict[str, list[str]] = {}
    for outcome in syncs:
        by_slot.setdefault(outcome.slot, []).append(outcome.state)  # type: ignore[attr-defined]
    assert sorted(by_slot) == ["*:2026-11-26T08:00Z", "*:2026-11-26T08:15Z"]
    assert all(sorted(states) == ["done", "skipped"] for states in by_slot.values()), syncs
    assert searches == 3 + 1  # 5 issues by 2 (3 pages), then one page of what changed since the watermark
    done = [o.detail for o in syncs if o.state == "done"]  # type: ignore[attr-defined]
    assert done[0].startswith("cloud: ") and "stored" in done[0]
    [status] = describe_sources(db)
    assert status.last_status == "ok"
    with db.connect() as conn:
        assert read_items(conn).height == 5


def test_the_sync_command_reports_a_running_sync_and_exits_9(
    db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from cadence.cli import context
    from cadence.cli.main import app

    source_id = _source(db)  # "jira": held by an instance that is syncing it now
    now = dt.datetime.now(UTC)
    with db.begin() as conn:
        take_sync_lease(conn, source_id, owner="web-9:77#f00d", now=now, until=now + dt.timedelta(minutes=10))
    fake = _cloud_fake()
    monkeypatch.setenv("CADENCE_DATABASE_URL", str(db.url.render_as_string(hide_password=False)))
    monkeypatch.setenv("CADENCE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CADENCE_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("CADENCE_RECONCILE_HOURS", "0")
    context.settings.cache_clear()
    runner = CliRunner()
    with Served(fake) as server:
        _cloud(server.url, db)
        one = runner.invoke(app, ["sync", "jira"])
        every = runner.invoke(app, ["sync"])
    context.settings.cache_clear()
    assert one.exit_code == 9
    assert "a sync of source 'jira' is already running on web-9:77 since" in " ".join(one.output.split())
    assert every.exit_code == 9  # "cloud" was synced, "jira" skipped with the same sentence
    text = " ".join(every.output.split())
    assert "already running on web-9:77" in text and "cloud: read 5 issues" in text
    assert "1 source(s) were already syncing on another instance and were skipped" in text
    assert fake.calls("/rest/api/3/myself") == 1
