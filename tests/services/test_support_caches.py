"""Ticket writes and the caches: intake and triage keep the team's item frames (its data version does not move)
while the SLA clocks see each write at once; the frame cache computes a missing entry once and keeps one version
per team. Over SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from cadence.services.access import Actor
from cadence.services.sla import team_clocks
from cadence.services.support_desk import create_ticket, triage_ticket
from cadence.services.team_metrics import _Lru, _team_slot, load_team, team_frames
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import support_desk as store
from cadence.store.database import Database
from tests.services.support_world import NOW, TICKET, support_world

CONFIG = WorkspaceConfig()


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    return support_world(db)


def _priority(db: Database, actor: Actor, ticket_key: str) -> set[str | None]:
    clocks = team_clocks(db, CONFIG, actor, "OPS", now=NOW)
    return set(clocks.filter(clocks["key"] == ticket_key).get_column("priority").to_list())


def test_triage_keeps_the_item_frames_and_the_clocks_see_it_within_the_same_minute(
    db: Database, actors: dict[str, Actor]
) -> None:
    agent = actors["agent"]
    ticket = create_ticket(db, agent, "OPS", TICKET, now=NOW)
    before = load_team(db, "OPS")
    frames = team_frames(db, before)
    assert _priority(db, agent, ticket.key) == {None}  # not triaged: no priority yet
    accepted = triage_ticket(db, CONFIG, agent, "OPS", ticket.key, action="accept", now=NOW)
    after = load_team(db, "OPS")
    assert after.data_version == before.data_version
    assert team_frames(db, after) is frames  # the item frames survived the ticket write
    # impact high x urgency medium is P2 in the default matrix; the clocks of this same minute show it
    assert accepted.priority == "P2" and _priority(db, agent, ticket.key) == {"P2"}


def test_the_ticket_mark_moves_with_every_write_even_when_the_clock_is_behind(
    db: Database, actors: dict[str, Actor]
) -> None:
    agent = actors["agent"]
    team_id = load_team(db, "OPS").id
    with db.connect() as conn:
        tickets, latest = store.ticket_mark(conn, team_id)  # the world's imported ticket
    assert latest is None or latest < NOW
    ticket = create_ticket(db, agent, "OPS", TICKET, now=NOW)
    with db.connect() as conn:
        first = store.ticket_mark(conn, team_id)
    assert first == (tickets + 1, NOW)
    # another instance whose clock is an hour behind triages it: the stamp goes just past the latest one
    triage_ticket(
        db, CONFIG, agent, "OPS", ticket.key, action="snooze", until="2024-03-22", now=NOW - dt.timedelta(hours=1)
    )
    with db.connect() as conn:
        second = store.ticket_mark(conn, team_id)
    assert second == (tickets + 1, NOW + dt.timedelta(microseconds=1))
    create_ticket(db, agent, "OPS", TICKET, now=NOW + dt.timedelta(minutes=5))
    with db.connect() as conn:
        assert store.ticket_mark(conn, team_id) == (tickets + 2, NOW + dt.timedelta(minutes=5))


def test_a_missing_entry_is_computed_once_while_concurrent_callers_wait() -> None:
    cache = _Lru(4)
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "frames"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["frames"] * 5 and len(calls) == 1
    assert (cache.misses, cache.hits) == (1, 4)


def test_a_failed_computation_lets_the_next_caller_try_again() -> None:
    cache = _Lru(4)

    def fail() -> str:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", fail)
    assert cache.get_or_compute("k", lambda: "frames") == "frames"


def test_a_newer_data_version_replaces_the_teams_older_frames_and_leaves_other_teams_alone() -> None:
    cache = _Lru(8, slot=_team_slot)
    cache.get_or_compute(("db", 1, 0), lambda: "team 1 v0")
    cache.get_or_compute(("db", 2, 0), lambda: "team 2 v0")
    cache.get_or_compute(("db", 1, 1), lambda: "team 1 v1")
    cache.get_or_compute(("db", 1, 2), lambda: "team 1 v2")
    assert len(cache) == 2
    assert cache.get_or_compute(("db", 2, 0), lambda: "recomputed") == "team 2 v0"
    assert cache.get_or_compute(("db", 1, 2), lambda: "recomputed") == "team 1 v2"
