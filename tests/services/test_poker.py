"""Planning poker through the service, over a real database: hidden votes, roles, the reveal and the final save."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cadence.domain.errors import Conflict, InputError, NotFound, PermissionDenied
from cadence.domain.model import Role
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import SYSTEM
from cadence.services.poker import (
    WIDE_STEPS,
    card_points,
    cast_vote,
    poker_session,
    reveal_votes,
    save_final_estimate,
    start_session,
)
from cadence.services.users import create_user, set_role
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.teams import find_team
from tests.factories import team_batch

NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
PEOPLE = {"pm": ("OPS", Role.MANAGER), "dev": ("OPS", Role.MEMBER), "dev2": ("OPS", Role.MEMBER),
          "viewer": ("OPS", Role.VIEWER), "webpm": ("WEB", Role.MANAGER)}  # fmt: skip


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    """OPS (OPS-1 estimated at 5, OPS-2 not estimated) and WEB, and one account per role."""
    with db.begin() as conn:
        ingest(conn, team_batch())
        other = team_batch(source="web")
        ingest(
            conn,
            type(other)(
                source="web",
                teams=other.teams.with_columns(key=other.teams["key"].str.replace("OPS", "WEB")),
                items=other.items.head(1).with_columns(team=other.items["team"].head(1).str.replace("OPS", "WEB")),
            ),
        )
    out = {}
    for name, (team, role) in PEOPLE.items():
        create_user(db, SYSTEM, username=name, password="correct horse battery", now=NOW)
        set_role(db, SYSTEM, username=name, team_key=team, role=role, now=NOW)
        with db.connect() as conn:
            user = find_user(conn, name)
        assert user is not None
        out[name] = actor_for_user(db, user)
    return out


def test_votes_stay_hidden_until_the_facilitator_reveals_them(db: Database, actors: dict[str, Actor]) -> None:
    session = start_session(db, actors["pm"], "OPS", item_key="OPS-2", now=NOW)
    assert session.state == "open"
    assert session.deck == ("0", "1", "2", "3", "5", "8", "13", "21", "?")
    cast_vote(db, actors["dev"], "OPS", session.id, value="3", now=NOW)
    mine = cast_vote(db, actors["dev2"], "OPS", session.id, value="13", now=NOW)

    assert mine.your_vote == "13"
    assert [(v.voter, v.value) for v in mine.votes] == [("dev", None), ("dev2", None)]
    for name in ("pm", "viewer"):
        seen = poker_session(db, actors[name], "OPS", session.id)
        assert [v.value for v in seen.votes] == [None, None]
        assert seen.spread is None and seen.suggestion is None
        assert "3" not in str(seen.to_dict()["votes"]) and seen.your_vote is None

    shown = reveal_votes(db, actors["pm"], "OPS", session.id, now=NOW)
    assert shown.state == "revealed"
    assert [(v.voter, v.value) for v in shown.votes] == [("dev", "3"), ("dev2", "13")]
    assert shown.spread is not None
    assert (shown.spread.low, shown.spread.high, shown.spread.steps) == ("3", "13", 3)
    assert shown.spread.wide and shown.spread.steps > WIDE_STEPS
    assert shown.suggestion is not None
    assert shown.suggestion.points == 5.0  # the team's one estimated item
    assert [s.key for s in shown.suggestion.similar] == ["OPS-1"]


def test_voting_again_replaces_the_voters_card(db: Database, actors: dict[str, Actor]) -> None:
    session = start_session(db, actors["pm"], "OPS", item_key="OPS-2", now=NOW)
    cast_vote(db, actors["dev"], "OPS", session.id, value="3", now=NOW)
    cast_vote(db, actors["dev"], "OPS", session.id, value="5", now=NOW)
    shown = reveal_votes(db, actors["pm"], "OPS", session.id, now=NOW)
    assert [(v.voter, v.value) for v in shown.votes] == [("dev", "5")]
    assert shown.spread is not None and not shown.spread.wide
    with pytest.raises(Conflict):
        cast_vote(db, actors["dev"], "OPS", session.id, value="8", now=NOW)


def test_roles(db: Database, actors: dict[str, Actor]) -> None:
    with pytest.raises(PermissionDenied):
        start_session(db, actors["dev"], "OPS", item_key="OPS-2", now=NOW)
    session = start_session(db, actors["pm"], "OPS", item_key="OPS-2", now=NOW)
    with pytest.raises(PermissionDenied):
        cast_vote(db, actors["viewer"], "OPS", session.id, value="3", now=NOW)
    cast_vote(db, actors["pm"], "OPS", session.id, value="2", now=NOW)  # facilitators may vote too
    with pytest.raises(PermissionDenied):
        reveal_votes(db, actors["dev"], "OPS", session.id, now=NOW)
    with pytest.raises(PermissionDenied):
        save_final_estimate(db, actors["dev"], "OPS", session.id, value="3", now=NOW)
    assert poker_session(db, actors["viewer"], "OPS", session.id).can_vote is False


def test_a_foreign_team_and_its_sessions_do_not_exist(db: Database, actors: dict[str, Actor]) -> None:
    session = start_session(db, actors["pm"], "OPS", item_key="OPS-2", now=NOW)
    with pytest.raises(NotFound):
        poker_session(db, actors["webpm"], "OPS", session.id)
    with pytest.raises(NotFound):
        cast_vote(db, actors["webpm"], "OPS", session.id, value="3", now=NOW)
    with pytest.raises(NotFound):
        poker_session(db, actors["webpm"], "WEB", session.id)  # an OPS session is not found under WEB
    with pytest.raises(NotFound):
        start_session(db, actors["pm"], "OPS", item_key="NOPE-1", now=NOW)


def test_the_final_value_becomes_the_estimate(db: Database, actors: dict[str, Actor]) -> None:
    with db.connect() as conn:
        team = find_team(conn, "OPS")
    assert team is not None
    session = start_session(db, actors["pm"], "OPS", item_key="OPS-1", deck="tshirt", now=NOW)
    cast_vote(db, actors["dev"], "OPS", session.id, value="L", now=NOW)
    reveal_votes(db, actors["pm"], "OPS", session.id, now=NOW)
    closed, before = save_final_estimate(db, actors["pm"], "OPS", session.id, value="XL", now=NOW)

    assert before.estimate == 5.0
    assert closed.state == "closed" and closed.final_value == 8.0 and closed.estimate == 8.0
    with db.connect() as conn:
        items, changes, audit = S.table(S.WorkItem), S.table(S.EstimateChange), S.table(S.AuditEntry)
        estimate = conn.execute(select(items.c.estimate).where(items.c.key == "OPS-1", items.c.team_id == team.id))
        assert estimate.scalar_one() == 8.0
        change = conn.execute(select(changes).where(changes.c.event_key == f"poker-{session.id}")).one()
        assert (change.from_value, change.to_value, change.at) == (5.0, 8.0, NOW)
        entry = conn.execute(select(audit).where(audit.c.entity == "work_item_estimate")).one()
        assert (entry.entity_id, entry.before, entry.after) == ("OPS-1", {"estimate": 5.0}, {"estimate": 8.0,
                                                                "poker_session": session.id})  # fmt: skip
        after = find_team(conn, "OPS")
    assert after is not None and after.data_version == team.data_version + 1
    with pytest.raises(Conflict):
        save_final_estimate(db, actors["pm"], "OPS", session.id, value="3", now=NOW)


def test_decks_and_values_are_checked(db: Database, actors: dict[str, Actor]) -> None:
    custom = start_session(db, actors["pm"], "OPS", item_key="OPS-2", deck="custom", custom=["1", "4", "?"], now=NOW)
    assert custom.deck == ("1", "4", "?")
    with pytest.raises(InputError, match="not in this session's deck"):
        cast_vote(db, actors["dev"], "OPS", custom.id, value="5", now=NOW)
    with pytest.raises(InputError):
        start_session(db, actors["pm"], "OPS", item_key="OPS-2", deck="planets", now=NOW)
    with pytest.raises(InputError):
        start_session(db, actors["pm"], "OPS", item_key="OPS-2", deck="custom", custom=[], now=NOW)
    with pytest.raises(InputError):
        save_final_estimate(db, actors["pm"], "OPS", custom.id, value="?", now=NOW)
    assert [card_points(c) for c in ("XS", "M", "13", "?")] == [1.0, 3.0, 13.0, None]
