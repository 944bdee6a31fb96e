"""Ticket writes and the caches: intake and triage keep the team's item frames (its data version does not move)
while the SLA clocks see each write at once. Over SQLite and PostgreSQL. The cache itself: ``test_caches``."""

from __future__ import annotations

import datetime as dt

import pytest

from cadence.services.access import Actor
from cadence.services.sla import team_clocks
from cadence.services.support_desk import create_ticket, triage_ticket
from cadence.services.team_metrics import load_team, team_frames
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
