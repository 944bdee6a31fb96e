"""Retrospectives through the services, over a real database: states, anonymity, the dot budget, grouping, actions
carried to the next retro, and the health check hidden until the reveal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cadence.domain.errors import Conflict, InputError, NotFound, PermissionDenied
from cadence.domain.model import Role
from cadence.services.access import Actor, actor_for_user
from cadence.services.action_items import create_action
from cadence.services.audit_log import SYSTEM
from cadence.services.health_check import answer_health_check, health_check, health_trends, reveal_health
from cadence.services.retro import (
    action_from_card,
    add_card,
    advance_retro,
    group_card,
    list_retros,
    retro_board,
    settle_previous_action,
    start_retro,
    take_back_vote,
    update_card,
    vote_card,
)
from cadence.services.users import create_user, set_role
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.database import Database
from cadence.store.ingest import ingest
from tests.factories import team_batch

NOW = dt.datetime(2026, 6, 30, 15, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=14)
PEOPLE = {"pm": ("OPS", Role.MANAGER), "dev": ("OPS", Role.MEMBER), "dev2": ("OPS", Role.MEMBER),
          "viewer": ("OPS", Role.VIEWER), "webpm": ("WEB", Role.MANAGER)}  # fmt: skip


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    with db.begin() as conn:
        ingest(conn, team_batch())
        other = team_batch(source="web")
        ingest(conn, type(other)(source="web", teams=other.teams.with_columns(key=other.teams["key"].str.replace(
            "OPS", "WEB"))))  # fmt: skip
    out = {}
    for name, (team, role) in PEOPLE.items():
        create_user(db, SYSTEM, username=name, password="correct horse battery", now=NOW)
        set_role(db, SYSTEM, username=name, team_key=team, role=role, now=NOW)
        with db.connect() as conn:
            user = find_user(conn, name)
        assert user is not None
        out[name] = actor_for_user(db, user)
    return out


def _to(db: Database, pm: Actor, retro_id: int, *states: str) -> None:
    for state in states:
        advance_retro(db, pm, "OPS", retro_id, to=state, now=NOW)


def test_states_move_one_step_at_a_time_by_the_facilitator_only(db: Database, actors: dict[str, Actor]) -> None:
    with pytest.raises(PermissionDenied):
        start_retro(db, actors["dev"], "OPS", now=NOW)
    board = start_retro(db, actors["pm"], "OPS", now=NOW, format="4ls")
    assert (board.state, board.next_state, board.lanes) == ("collecting", "grouping",
                                                            ("Liked", "Learned", "Lacked", "Longed for"))  # fmt: skip
    assert board.anonymous and board.votes_per_person == 3 and board.can_facilitate
    with pytest.raises(PermissionDenied):
        advance_retro(db, actors["dev"], "OPS", board.id, to="grouping", now=NOW)
    with pytest.raises(Conflict, match="can only move to grouping"):
        advance_retro(db, actors["pm"], "OPS", board.id, to="voting", now=NOW)
    _to(db, actors["pm"], board.id, "grouping", "voting", "discussing", "closed")
    closed = retro_board(db, actors["viewer"], "OPS", board.id, now=NOW)
    assert closed.state == "closed" and closed.next_state is None and not closed.can_contribute
    with pytest.raises(Conflict):
        advance_retro(db, actors["pm"], "OPS", board.id, to="closed", now=NOW)
    with pytest.raises(NotFound):
        retro_board(db, actors["webpm"], "OPS", board.id, now=NOW)
    with db.connect() as conn:
        audit = S.table(S.AuditEntry)
        moves = conn.execute(select(audit.c.after).where(audit.c.entity == "retro", audit.c.action == "update"))
        assert [m["state"] for m in moves.scalars()] == ["grouping", "voting", "discussing", "closed"]
        meeting = conn.execute(select(S.table(S.Meeting)).where(S.table(S.Meeting).c.id == board.id)).one()
    assert (meeting.kind, meeting.state, meeting.ended_at) == ("retro", "closed", NOW)
    # A member named facilitator runs the retro; custom lanes are checked.
    custom = start_retro(db, actors["pm"], "OPS", now=NOW, format="custom", lanes=["Kudos", "Puzzles"],
                         facilitator="dev")  # fmt: skip
    assert custom.lanes == ("Kudos", "Puzzles") and custom.facilitator == "dev"
    advance_retro(db, actors["dev"], "OPS", custom.id, to="grouping", now=NOW)
    with pytest.raises(PermissionDenied):
        advance_retro(db, actors["dev2"], "OPS", custom.id, to="voting", now=NOW)
    with pytest.raises(InputError):
        start_retro(db, actors["pm"], "OPS", now=NOW, format="custom", lanes=["Only one"])
    with pytest.raises(InputError):
        start_retro(db, actors["pm"], "OPS", now=NOW, facilitator="webpm")  # not a member of OPS
    assert [r.id for r in list_retros(db, actors["viewer"], "OPS")] == [custom.id, board.id]


def test_anonymous_cards_keep_no_author_and_stay_hidden_while_collecting(
    db: Database, actors: dict[str, Actor]
) -> None:
    board = start_retro(db, actors["pm"], "OPS", now=NOW)
    add_card(db, actors["dev"], "OPS", board.id, lane="Stop", text="Merging on Fridays", now=NOW)
    mine = add_card(db, actors["dev2"], "OPS", board.id, lane="Start", text="Pairing on reviews", now=NOW)
    assert mine.cards == () and mine.lane_counts == {"Start": 1, "Stop": 1, "Continue": 0}  # not even your own
    for name in ("pm", "viewer"):
        assert retro_board(db, actors[name], "OPS", board.id, now=NOW).cards == ()
    with pytest.raises(PermissionDenied):
        add_card(db, actors["viewer"], "OPS", board.id, lane="Stop", text="x", now=NOW)
    with pytest.raises(InputError):
        add_card(db, actors["dev"], "OPS", board.id, lane="Nope", text="x", now=NOW)
    with db.connect() as conn:
        cards, audit = S.table(S.RetroCard), S.table(S.AuditEntry)
        assert conn.execute(select(cards.c.author_id)).scalars().all() == [None, None]
        entries = conn.execute(select(audit).where(audit.c.entity == "retro_card")).all()
    assert [(e.actor_user_id, e.actor_label, e.after) for e in entries] == [
        (None, "user:(anonymous)", {"retro": board.id, "lane": "Stop"}),
        (None, "user:(anonymous)", {"retro": board.id, "lane": "Start"}),
    ]
    _to(db, actors["pm"], board.id, "grouping")
    shown = retro_board(db, actors["viewer"], "OPS", board.id, now=NOW)
    assert [(c.text, c.author) for c in shown.cards] == [("Merging on Fridays", None), ("Pairing on reviews", None)]
    with pytest.raises(Conflict, match="while collecting"):
        add_card(db, actors["dev"], "OPS", board.id, lane="Stop", text="late", now=NOW)


def test_a_named_retro_shows_authors_their_own_cards_while_collecting(db: Database, actors: dict[str, Actor]) -> None:
    board = start_retro(db, actors["pm"], "OPS", now=NOW, format="mad_sad_glad", anonymous=False)
    add_card(db, actors["dev"], "OPS", board.id, lane="Glad", text="Release went out", now=NOW)
    add_card(db, actors["dev2"], "OPS", board.id, lane="Mad", text="Flaky tests", now=NOW)
    seen = retro_board(db, actors["dev"], "OPS", board.id, now=NOW)
    assert [(c.text, c.author) for c in seen.cards] == [("Release went out", "dev")]
    assert retro_board(db, actors["pm"], "OPS", board.id, now=NOW).cards == ()
    _to(db, actors["pm"], board.id, "grouping")
    after = retro_board(db, actors["pm"], "OPS", board.id, now=NOW)
    assert [(c.text, c.author) for c in after.cards] == [("Release went out", "dev"), ("Flaky tests", "dev2")]


def test_groups_stay_one_level_deep(db: Database, actors: dict[str, Actor]) -> None:
    board = start_retro(db, actors["pm"], "OPS", now=NOW)
    for text in ("A", "B", "C", "D"):
        add_card(db, actors["dev"], "OPS", board.id, lane="Stop", text=text, now=NOW)
    _to(db, actors["pm"], board.id, "grouping")
    a, b, c, d = (card.id for card in retro_board(db, actors["pm"], "OPS", board.id, now=NOW).cards)
    group_card(db, actors["dev"], "OPS", board.id, b, under=a, now=NOW)
    group_card(db, actors["dev"], "OPS", board.id, c, under=b, now=NOW)  # under B means under B's head, A
    with pytest.raises(InputError):
        group_card(db, actors["dev"], "OPS", board.id, a, under=c, now=NOW)  # A's own group
    heads = retro_board(db, actors["pm"], "OPS", board.id, now=NOW).cards
    assert [(h.text, [m.text for m in h.members]) for h in heads] == [("A", ["B", "C"]), ("D", [])]
    group_card(db, actors["dev"], "OPS", board.id, a, under=d, now=NOW)  # A brings B and C along
    heads = retro_board(db, actors["pm"], "OPS", board.id, now=NOW).cards
    assert [(h.text, [m.text for m in h.members]) for h in heads] == [("D", ["A", "B", "C"])]
    group_card(db, actors["dev"], "OPS", board.id, b, under=None, now=NOW)
    heads = retro_board(db, actors["pm"], "OPS", board.id, now=NOW).cards
    assert [(h.text, [m.text for m in h.members]) for h in heads] == [("B", []), ("D", ["A", "C"])]


def test_dot_votes_stay_within_the_budget_and_order_the_discussion(db: Database, actors: dict[str, Actor]) -> None:
    board = start_retro(db, actors["pm"], "OPS", now=NOW, votes_per_person=2)
    for text in ("Slow CI", "Unclear goals", "Too many meetings"):
        add_card(db, actors["dev"], "OPS", board.id, lane="Stop", text=text, now=NOW)
    _to(db, actors["pm"], board.id, "grouping", "voting")
    ci, goals, meetings = (card.id for card in retro_board(db, actors["pm"], "OPS", board.id, now=NOW).cards)
    vote_card(db, actors["dev"], "OPS", board.id, meetings, now=NOW)
    seen = vote_card(db, actors["dev"], "OPS", board.id, meetings, now=NOW)
    assert seen.your_votes_left == 0 and [c.your_votes for c in seen.cards] == [0, 0, 2]
    assert all(c.votes is None for c in seen.cards)  # totals hidden while voting
    with pytest.raises(Conflict, match="used all 2 of your dots"):
        vote_card(db, actors["dev"], "OPS", board.id, ci, now=NOW)
    take_back_vote(db, actors["dev"], "OPS", board.id, meetings, now=NOW)
    vote_card(db, actors["dev"], "OPS", board.id, goals, now=NOW)
    vote_card(db, actors["dev2"], "OPS", board.id, goals, now=NOW)
    vote_card(db, actors["pm"], "OPS", board.id, goals, now=NOW)
    vote_card(db, actors["pm"], "OPS", board.id, ci, now=NOW)
    with pytest.raises(PermissionDenied):
        vote_card(db, actors["viewer"], "OPS", board.id, ci, now=NOW)
    take_back_vote(db, actors["dev2"], "OPS", board.id, ci, now=NOW)  # no dot there: nothing changes
    _to(db, actors["pm"], board.id, "discussing")
    order = retro_board(db, actors["viewer"], "OPS", board.id, now=NOW).cards
    # goals: dev + dev2 + pm = 3; CI: pm = 1; meetings: dev's remaining dot = 1 (ties keep the writing order)
    assert [(c.text, c.votes) for c in order] == [("Unclear goals", 3), ("Slow CI", 1), ("Too many meetings", 1)]
    noted = update_card(db, actors["pm"], "OPS", board.id, goals, notes="Goal in the sprint title", discussed=True,
                        now=NOW)  # fmt: skip
    assert (noted.cards[0].notes, noted.cards[0].discussed) == ("Goal in the sprint title", True)
    with pytest.raises(PermissionDenied):
        update_card(db, actors["dev"], "OPS", board.id, goals, notes="x", now=NOW)


def test_actions_from_a_card_open_the_next_retro(db: Database, actors: dict[str, Actor]) -> None:
    first = start_retro(db, actors["pm"], "OPS", now=NOW)
    add_card(db, actors["dev"], "OPS", first.id, lane="Stop", text="Slow CI", now=NOW)
    _to(db, actors["pm"], first.id, "grouping", "voting")
    card = retro_board(db, actors["pm"], "OPS", first.id, now=NOW).cards[0].id
    with pytest.raises(Conflict, match="while discussing"):
        action_from_card(db, actors["pm"], "OPS", first.id, card, title="Cache the build", now=NOW)
    _to(db, actors["pm"], first.id, "discussing")
    action = action_from_card(db, actors["dev"], "OPS", first.id, card, title="Cache the build", now=NOW)
    other = action_from_card(db, actors["dev"], "OPS", first.id, card, title="Split the test job", now=NOW)
    assert (action["origin"], action["meeting_id"], action["status"]) == ("retro", first.id, "open")
    assert "Slow CI" not in (action["description"] or "")  # the card's text stays out of the action's audit entry
    unrelated = create_action(db, actors["pm"], "OPS", title="Unrelated", now=NOW)
    assert [a["title"] for a in retro_board(db, actors["pm"], "OPS", first.id, now=NOW).actions] == [
        "Cache the build", "Split the test job"]  # fmt: skip
    _to(db, actors["pm"], first.id, "closed")

    second = start_retro(db, actors["pm"], "OPS", now=LATER)
    assert second.previous is not None and second.previous.id == first.id
    assert [a["title"] for a in second.previous_actions] == ["Cache the build", "Split the test job"]
    settled = settle_previous_action(db, actors["dev"], "OPS", second.id, action["id"], status="done", now=LATER)
    assert [a["title"] for a in settled.previous_actions] == ["Split the test job"]
    kept = settle_previous_action(db, actors["dev"], "OPS", second.id, other["id"], status="open", now=LATER)
    assert [a["title"] for a in kept.previous_actions] == ["Split the test job"]
    with pytest.raises(NotFound):
        settle_previous_action(db, actors["dev"], "OPS", second.id, unrelated["id"], status="done", now=LATER)
    with pytest.raises(PermissionDenied):
        settle_previous_action(db, actors["viewer"], "OPS", second.id, other["id"], status="done", now=LATER)
    with db.connect() as conn:
        items = S.table(S.ActionItem)
        status = conn.execute(select(items.c.status, items.c.done_at).where(items.c.id == action["id"])).one()
    assert tuple(status) == ("done", LATER)
    third = start_retro(db, actors["pm"], "OPS", now=LATER + dt.timedelta(days=14))
    assert third.previous_actions == () and third.older_open_actions == 1  # "Split the test job", carried over


def test_the_health_check_is_anonymous_and_hidden_until_the_reveal(db: Database, actors: dict[str, Actor]) -> None:
    board = start_retro(db, actors["pm"], "OPS", now=NOW, health_check=True)
    with pytest.raises(Conflict):
        answer_health_check(db, actors["dev"], "OPS", start_retro(db, actors["pm"], "OPS", now=NOW).id,
                            answers={"fun": "green"}, now=NOW)  # fmt: skip  # a retro without a health check
    answer_health_check(db, actors["dev"], "OPS", board.id, now=NOW + dt.timedelta(minutes=3),
                        answers={"fun": {"score": "green", "trend": "up"}, "speed": "red"})  # fmt: skip
    answer_health_check(db, actors["dev2"], "OPS", board.id, now=NOW + dt.timedelta(minutes=5),
                        answers={"fun": {"score": "amber", "trend": "up"}, "speed": "1"})  # fmt: skip
    answer_health_check(db, actors["pm"], "OPS", board.id, now=NOW, answers={"fun": "red"})
    with pytest.raises(Conflict, match="already answered"):
        answer_health_check(db, actors["dev"], "OPS", board.id, answers={"fun": "red"}, now=NOW)
    with pytest.raises(InputError):
        answer_health_check(db, actors["dev"], "OPS", board.id, answers={"fun": "purple"}, now=NOW)
    with pytest.raises(InputError):
        answer_health_check(db, actors["dev"], "OPS", board.id, answers={"joy": "red"}, now=NOW)
    with pytest.raises(PermissionDenied):
        answer_health_check(db, actors["viewer"], "OPS", board.id, answers={"fun": "green"}, now=NOW)
    for name in ("pm", "dev", "viewer"):
        hidden = health_check(db, actors[name], "OPS", board.id)
        assert (hidden.respondents, hidden.revealed, hidden.results) == (3, False, ())
        assert "green" not in str(hidden.to_dict()["results"])
    assert health_trends(db, actors["viewer"], "OPS") == []  # hidden answers never reach a trend
    with db.connect() as conn:
        answers = S.table(S.HealthCheckAnswer)
        rows = conn.execute(select(answers.c.person_id, answers.c.at, answers.c.score)).all()
    assert {(r.person_id, r.at) for r in rows} == {(None, NOW)} and len(rows) == 5
    with pytest.raises(PermissionDenied):
        reveal_health(db, actors["dev"], "OPS", board.id, now=NOW)
    shown = reveal_health(db, actors["pm"], "OPS", board.id, now=NOW)
    speed, fun = shown.results  # in the form's order of dimensions
    assert (fun.dimension, fun.answers, fun.red, fun.amber, fun.green) == ("fun", 3, 1, 1, 1)
    assert (fun.mean_score, fun.light, fun.trend_votes) == (2.0, "amber", {"up": 2, "same": 0, "down": 0})
    assert (speed.dimension, speed.answers, speed.mean_score, speed.light) == ("speed", 2, 1.0, "red")
    with pytest.raises(Conflict, match="is over"):
        answer_health_check(db, actors["dev"], "OPS", board.id, answers={"fun": "green"}, now=NOW)
    with pytest.raises(Conflict):
        reveal_health(db, actors["pm"], "OPS", board.id, now=NOW)

    nxt = start_retro(db, actors["pm"], "OPS", now=LATER, health_check=True)
    answer_health_check(db, actors["dev"], "OPS", nxt.id, answers={"fun": "green", "speed": "green"}, now=LATER)
    answer_health_check(db, actors["dev2"], "OPS", nxt.id, answers={"fun": "green"}, now=LATER)
    later = reveal_health(db, actors["pm"], "OPS", nxt.id, now=LATER)
    # fun: mean 2.0 -> 3.0, change +1.0 (> 0.25): up; speed: 1.0 -> 3.0: up.
    assert [(r.dimension, r.mean_score, r.change, r.trend) for r in later.results] == [
        ("speed", 3.0, 2.0, "up"), ("fun", 3.0, 1.0, "up")]  # fmt: skip
    trend = health_trends(db, actors["viewer"], "OPS")
    assert [(t["dimension"], t["meeting_id"], t["mean_score"], t["trend"]) for t in trend] == [
        ("fun", board.id, 2.0, None), ("fun", nxt.id, 3.0, "up"),
        ("speed", board.id, 1.0, None), ("speed", nxt.id, 3.0, "up"),
    ]  # fmt: skip
