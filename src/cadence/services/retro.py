"""Retrospectives: a board of cards in lanes, grouped, dot-voted, discussed in vote order, ending in actions.

**Formats.** ``start_stop_continue``, ``4ls`` (liked / learned / lacked / longed for), ``mad_sad_glad`` and
``custom`` (two to six lanes named by the facilitator). Options: ``anonymous`` (default on: a card keeps no author,
not even in the audit log) and ``votes_per_person`` (default 3 dots).

**States** (``Meeting.state``): ``collecting`` -> ``grouping`` -> ``voting`` -> ``discussing`` -> ``closed``, one step
at a time, moved only by the facilitator: a manager of the team, or the member named facilitator at the start.

**What each person sees.** While collecting, nobody reads anyone else's cards — only how many each lane holds — so
nobody anchors on the first cards written; in a retro that is not anonymous, authors see their own. From grouping on,
every card is shown, with its author only when the retro is not anonymous. While voting, a person sees only their
own dots; the totals appear when the discussion starts, as its order (most dots first). :func:`retro_board` is the
only place that turns stored cards into what a person may see.

**Opens with the previous retro's actions.** The board lists the actions the team's previous retro raised that are
still open (``services.action_items.open_actions``), each closable as done or kept open through
``services.action_items.update_action``; open actions of older retros are counted beside them.

**Actions** are created from a card while discussing, with ``services.action_items.create_action`` (origin
``retro``, this meeting). The card's text is not copied into the action (the action's audit entry would tie it to a
person); the description names the card instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from cadence.domain.errors import Conflict, InputError, NotFound, PermissionDenied
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.action_items import create_action, open_actions, update_action
from cadence.services.audit_log import record_change
from cadence.store import retro as store
from cadence.store.accounts import find_user, get_user, roles_of_person
from cadence.store.database import Database

__all__ = [
    "ANONYMOUS",
    "DEFAULT_VOTES",
    "FORMATS",
    "STATES",
    "CardView",
    "RetroBoard",
    "RetroSummary",
    "action_from_card",
    "add_card",
    "advance_retro",
    "can_facilitate",
    "facilitated_retro",
    "group_card",
    "list_retros",
    "open_retro",
    "retro_board",
    "settle_previous_action",
    "start_retro",
    "take_back_vote",
    "update_card",
    "vote_card",
]

FORMATS: dict[str, tuple[str, ...]] = {
    "start_stop_continue": ("Start", "Stop", "Continue"),
    "4ls": ("Liked", "Learned", "Lacked", "Longed for"),
    "mad_sad_glad": ("Mad", "Sad", "Glad"),
}
"""Built-in formats and their lanes; ``custom`` takes the lanes the facilitator names."""
STATES: tuple[str, ...] = ("collecting", "grouping", "voting", "discussing", "closed")
DEFAULT_VOTES = 3
MAX_VOTES = 20
MAX_CARD = 1000
ANONYMOUS = Actor(user_id=0, username="(anonymous)", display_name="Anonymous")
"""Who the audit log names for a card added to an anonymous retro: nobody."""
_FACILITATOR = Role.MANAGER
_CONTRIBUTOR = Role.MEMBER


@dataclass(frozen=True)
class CardView:
    id: int
    lane: str
    text: str
    author: str | None
    """Null in an anonymous retro."""
    group_id: int | None
    votes: int | None
    """The group's dots from everyone (on the head card), from the discussion on; None before."""
    your_votes: int
    discussed: bool
    notes: str | None
    members: tuple[CardView, ...] = ()
    """The cards grouped under this one."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "lane": self.lane, "text": self.text, "author": self.author, "group_id": self.group_id,
            "votes": self.votes, "your_votes": self.your_votes, "discussed": self.discussed, "notes": self.notes,
            "members": [m.to_dict() for m in self.members],
        }  # fmt: skip


@dataclass(frozen=True)
class RetroSummary:
    id: int
    title: str
    held_at: dt.datetime
    state: str | None
    """Null for a retro imported as a record (no live board)."""
    format: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "held_at": self.held_at.isoformat(), "state": self.state,
                "format": self.format}  # fmt: skip


@dataclass(frozen=True)
class RetroBoard:
    """A retro as the asking person may see it."""

    id: int
    team: str
    title: str
    held_at: dt.datetime
    state: str
    next_state: str | None
    format: str
    lanes: tuple[str, ...]
    anonymous: bool
    votes_per_person: int
    health_check: bool
    facilitator: str | None
    can_facilitate: bool
    can_contribute: bool
    lane_counts: dict[str, int]
    cards: tuple[CardView, ...]
    """Group heads and lone cards, each with its members; in discussion order from the discussion on."""
    your_votes_left: int
    previous: RetroSummary | None
    previous_actions: tuple[dict[str, Any], ...]
    """The previous retro's actions still open."""
    older_open_actions: int
    """Open actions of retros before the previous one (carried over)."""
    actions: tuple[dict[str, Any], ...]
    """The open actions this retro raised."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "team": self.team, "title": self.title, "held_at": self.held_at.isoformat(),
            "state": self.state, "next_state": self.next_state, "format": self.format, "lanes": list(self.lanes),
            "anonymous": self.anonymous, "votes_per_person": self.votes_per_person,
            "health_check": self.health_check, "facilitator": self.facilitator,
            "can_facilitate": self.can_facilitate, "can_contribute": self.can_contribute,
            "lane_counts": self.lane_counts, "cards": [c.to_dict() for c in self.cards],
            "your_votes_left": self.your_votes_left,
            "previous": None if self.previous is None else self.previous.to_dict(),
            "previous_actions": [_action_brief(a) for a in self.previous_actions],
            "older_open_actions": self.older_open_actions, "actions": [_action_brief(a) for a in self.actions],
        }  # fmt: skip


def _action_brief(action: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "title", "owner", "due_on", "status", "overdue", "age_days", "meeting_id")
    return {k: action.get(k) for k in keys}


def _lanes(format_name: str, custom: list[str] | None) -> list[str]:
    if format_name in FORMATS:
        return list(FORMATS[format_name])
    if format_name != "custom":
        raise InputError(f"format '{format_name}' is not one of {', '.join([*FORMATS, 'custom'])}",
                         format=format_name)  # fmt: skip
    lanes = [re.sub(r"\s+", " ", lane).strip() for lane in custom or []]
    lanes = [lane for lane in lanes if lane]
    if (
        not 2 <= len(lanes) <= 6
        or len({lane.lower() for lane in lanes}) != len(lanes)
        or any(len(lane) > 40 for lane in lanes)
    ):
        raise InputError(f"a custom retro needs 2 to 6 distinct lanes of at most 40 characters; got {lanes}",
                         lanes=lanes)  # fmt: skip
    return lanes


def can_facilitate(actor: Actor, team: Team, retro: store.RetroRow) -> bool:
    """A manager of the team, or the person named facilitator while they are still a member."""
    role = actor.role_in(team.id)
    if role is None:
        return False
    return role.covers(_FACILITATOR) or (retro.facilitator_id == actor.user_id and role.covers(_CONTRIBUTOR))


def open_retro(
    db: Database, actor: Actor, key: str, retro_id: int, need: Role = Role.VIEWER
) -> tuple[Team, store.RetroRow]:
    """The team and the live retro, after the access check; imported retro records have no board."""
    team = access_team(db, actor, key, need=need)
    with db.connect() as conn:
        retro = store.find_retro(conn, team.id, retro_id)
    if retro is None or retro.state is None:
        raise NotFound(f"team {team.key} has no retro board {retro_id}", retro=retro_id)
    return team, retro


def facilitated_retro(db: Database, actor: Actor, key: str, retro_id: int) -> tuple[Team, store.RetroRow]:
    team, retro = open_retro(db, actor, key, retro_id)
    if not can_facilitate(actor, team, retro):
        raise PermissionDenied(f"only the facilitator of retro {retro_id} or a manager of {team.key} may do this",
                               team=team.key, need=_FACILITATOR.value)  # fmt: skip
    return team, retro


def _in_state(retro: store.RetroRow, *states: str) -> None:
    if retro.state not in states:
        raise Conflict(f"retro {retro.id} is {retro.state}; this is done while {' or '.join(states)}",
                       retro=retro.id, state=retro.state)  # fmt: skip


def start_retro(
    db: Database, actor: Actor, key: str, *, now: dt.datetime, format: str = "start_stop_continue",
    lanes: list[str] | None = None, title: str | None = None, anonymous: bool = True,
    votes_per_person: int = DEFAULT_VOTES, health_check: bool = False, facilitator: str | None = None,
) -> RetroBoard:  # fmt: skip
    """Open a retro board in ``collecting`` (managers). ``facilitator`` names a member (username) to run it."""
    team = access_team(db, actor, key, need=_FACILITATOR)
    lane_names = _lanes(format, lanes)
    if not 1 <= votes_per_person <= MAX_VOTES:
        raise InputError(f"dot votes per person must be between 1 and {MAX_VOTES}; got {votes_per_person}")
    name = re.sub(r"\s+", " ", title or "").strip() or f"{team.key} retrospective {now.date().isoformat()}"
    if len(name) > 200:
        raise InputError("a retro title has at most 200 characters")
    options = {"name": format, "lanes": lane_names, "anonymous": anonymous, "votes_per_person": votes_per_person,
               "health_check": health_check}  # fmt: skip
    with db.begin() as conn:
        facilitator_id = actor.user_id or None
        if facilitator:
            user = find_user(conn, facilitator.strip())
            role = (
                None if user is None or user.person_id is None else roles_of_person(conn, user.person_id).get(team.id)
            )
            if user is None or role is None or not Role(role).covers(_CONTRIBUTOR):
                raise InputError(f"facilitator '{facilitator}' is not a member of team {team.key}",
                                 facilitator=facilitator)  # fmt: skip
            facilitator_id = user.id
        retro_id = store.insert_retro(conn, team_id=team.id, title=name, format=options,
                                      facilitator_id=facilitator_id, now=now)  # fmt: skip
        record_change(conn, actor, "create", "retro", entity_id=str(retro_id), team_id=team.id,
                      after={"title": name, **options, "facilitator_id": facilitator_id}, at=now)  # fmt: skip
    return retro_board(db, actor, key, retro_id, now=now)


def list_retros(db: Database, actor: Actor, key: str) -> list[RetroSummary]:
    """The team's retros, newest first: live boards and imported records (viewers)."""
    team = access_team(db, actor, key)
    with db.connect() as conn:
        rows = store.list_retros(conn, team.id)
    return [RetroSummary(r.id, r.title, r.held_at, r.state, r.format.get("name")) for r in rows]


def advance_retro(db: Database, actor: Actor, key: str, retro_id: int, *, to: str, now: dt.datetime) -> RetroBoard:
    """Move the retro one step on (the facilitator); ``to`` must be the next state, so a double click cannot skip
    one."""
    team, retro = facilitated_retro(db, actor, key, retro_id)
    assert retro.state is not None
    position = STATES.index(retro.state)
    expected = STATES[position + 1] if position + 1 < len(STATES) else None
    if to != expected:
        raise Conflict(f"retro {retro_id} is {retro.state}; it can only move to {expected or 'nothing (closed)'}",
                       retro=retro_id, state=retro.state)  # fmt: skip
    with db.begin() as conn:
        if not store.set_retro_state(conn, retro.id, before=retro.state, after=to,
                                     ended_at=now if to == "closed" else None):  # fmt: skip
            raise Conflict(f"retro {retro_id} was moved meanwhile by another facilitator", retro=retro_id)
        record_change(conn, actor, "update", "retro", entity_id=str(retro.id), team_id=team.id,
                      before={"state": retro.state}, after={"state": to}, at=now)  # fmt: skip
    return retro_board(db, actor, key, retro_id, now=now)


def add_card(
    db: Database, actor: Actor, key: str, retro_id: int, *, lane: str, text: str, now: dt.datetime
) -> RetroBoard:
    """Add a card to a lane while collecting (members). In an anonymous retro neither the card nor its audit entry
    names the author."""
    team, retro = open_retro(db, actor, key, retro_id, need=_CONTRIBUTOR)
    _in_state(retro, "collecting")
    lanes = retro.format.get("lanes", [])
    if lane not in lanes:
        raise InputError(f"lane '{lane}' is not one of {', '.join(lanes)}", lane=lane)
    body = text.strip()
    if not body or len(body) > MAX_CARD:
        raise InputError(f"a card holds 1 to {MAX_CARD} characters")
    anonymous = bool(retro.format.get("anonymous", True))
    with db.begin() as conn:
        card_id = store.insert_card(conn, meeting_id=retro.id, lane=lane, text=body,
                                    author_id=None if anonymous else actor.user_id or None, now=now)  # fmt: skip
        record_change(conn, ANONYMOUS if anonymous else actor, "add", "retro_card", entity_id=str(card_id),
                      team_id=team.id, after={"retro": retro.id, "lane": lane}, at=now)  # fmt: skip
    return retro_board(db, actor, key, retro_id, now=now)


def _card(db: Database, retro: store.RetroRow, card_id: int) -> store.CardRow:
    with db.connect() as conn:
        card = store.find_card(conn, retro.id, card_id)
    if card is None:
        raise NotFound(f"retro {retro.id} has no card {card_id}", card=card_id)
    return card


def group_card(
    db: Database, actor: Actor, key: str, retro_id: int, card_id: int, *, under: int | None, now: dt.datetime
) -> RetroBoard:
    """Put a card under another (its group's head), or alone again with ``under=None`` — while grouping
    (members)."""
    team, retro = open_retro(db, actor, key, retro_id, need=_CONTRIBUTOR)
    _in_state(retro, "grouping")
    card = _card(db, retro, card_id)
    head_id = None
    if under is not None:
        target = _card(db, retro, under)
        head_id = target.group_id or target.id
        if head_id == card.id:
            raise InputError(f"card {under} is card {card_id} or already in its group", card=card_id)
    if head_id == card.group_id:
        return retro_board(db, actor, key, retro_id, now=now)
    with db.begin() as conn:
        store.regroup(conn, retro.id, card.id, head_id=head_id)
        record_change(conn, actor, "group", "retro_card", entity_id=str(card.id), team_id=team.id,
                      before={"group_id": card.group_id}, after={"group_id": head_id}, at=now)  # fmt: skip
    return retro_board(db, actor, key, retro_id, now=now)


def vote_card(db: Database, actor: Actor, key: str, retro_id: int, card_id: int, *, now: dt.datetime) -> RetroBoard:
    """Put one dot on a card's group while voting (members); refused beyond the retro's dots per person."""
    team, retro = open_retro(db, actor, key, retro_id, need=_CONTRIBUTOR)
    _in_state(retro, "voting")
    card = _card(db, retro, card_id)
    head = card.group_id or card.id
    budget = int(retro.format.get("votes_per_person", DEFAULT_VOTES))
    with db.begin() as conn:
        store.lock_retro(conn, retro.id)
        used = sum(store.votes_of_user(conn, retro.id, actor.user_id).values())
        if used >= budget:
            raise Conflict(f"you have used all {budget} of your dots in this retro; take one back to move it",
                           budget=budget, used=used)  # fmt: skip
        store.insert_vote(conn, card_id=head, user_id=actor.user_id, now=now)
        record_change(conn, actor, "vote", "retro_card", entity_id=str(head), team_id=team.id,
                      after={"retro": retro.id, "dots_used": used + 1}, at=now)  # fmt: skip
    return retro_board(db, actor, key, retro_id, now=now)


def take_back_vote(
    db: Database, actor: Actor, key: str, retro_id: int, card_id: int, *, now: dt.datetime
) -> RetroBoard:
    """Take one of your dots back from a card's group while voting (members); without one, nothing changes."""
    team, retro = open_retro(db, actor, key, retro_id, need=_CONTRIBUTOR)
    _in_state(retro, "voting")
    card = _card(db, retro, card_id)
    head = card.group_id or card.id
    with db.begin() as conn:
        if not store.remove_vote(conn, card_id=head, user_id=actor.user_id):
            return retro_board(db, actor, key, retro_id, now=now)  # nothing to take back: already as asked
        record_change(conn, actor, "unvote", "retro_card", entity_id=str(head), team_id=team.id,
                      after={"retro": retro.id}, at=now)  # fmt: skip
    return retro_board(db, actor, key, retro_id, now=now)


def update_card(
    db: Database, actor: Actor, key: str, retro_id: int, card_id: int, *, now: dt.datetime,
    notes: str | None = None, discussed: bool | None = None,
) -> RetroBoard:  # fmt: skip
    """Write the discussion notes of a card or mark it discussed (the facilitator, while discussing)."""
    team, retro = facilitated_retro(db, actor, key, retro_id)
    _in_state(retro, "discussing")
    card = _card(db, retro, card_id)
    changes: dict[str, Any] = {}
    if notes is not None and (notes.strip() or None) != card.notes:
        if len(notes) > 4000:
            raise InputError("notes hold at most 4000 characters")
        changes["notes"] = notes.strip() or None
    if discussed is not None and discussed != card.discussed:
        changes["discussed"] = discussed
    if changes:
        with db.begin() as conn:
            store.update_card(conn, card.id, **changes)
            before = {"notes": card.notes, "discussed": card.discussed}
            record_change(conn, actor, "update", "retro_card", entity_id=str(card.id), team_id=team.id,
                          before={k: before[k] for k in changes}, after=changes, at=now)  # fmt: skip
    return retro_board(db, actor, key, retro_id, now=now)


def action_from_card(
    db: Database, actor: Actor, key: str, retro_id: int, card_id: int, *, title: str, now: dt.datetime,
    owner_person_id: int | None = None, due_on: dt.date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Raise an action from a card while discussing (members): an action item of origin ``retro`` on this meeting."""
    _team, retro = open_retro(db, actor, key, retro_id, need=_CONTRIBUTOR)
    _in_state(retro, "discussing")
    card = _card(db, retro, card_id)
    return create_action(
        db, actor, key, title=title, now=now, owner_person_id=owner_person_id, due_on=due_on, meeting_id=retro.id,
        origin="retro", description=f"Raised from card #{card.id} ({card.lane}) of {retro.title}.",
    )  # fmt: skip


def _previous(db: Database, retro: store.RetroRow) -> store.RetroRow | None:
    with db.connect() as conn:
        return store.previous_retro(conn, retro)


def settle_previous_action(
    db: Database, actor: Actor, key: str, retro_id: int, action_id: int, *, status: str, now: dt.datetime
) -> RetroBoard:
    """Close one of the previous retro's open actions as ``done``, or keep it ``open`` (members), until the retro
    closes. Keeping it open changes nothing: it is carried over to the next meeting."""
    _team, retro = open_retro(db, actor, key, retro_id, need=_CONTRIBUTOR)
    if retro.state == "closed":
        raise Conflict(f"retro {retro_id} is closed", retro=retro_id)
    if status not in {"done", "open"}:
        raise InputError(f"status '{status}' is not done or open", status=status)
    previous = _previous(db, retro)
    carried = [] if previous is None else [a for a in open_actions(db, actor, key, now=now)
                                           if a["meeting_id"] == previous.id]  # fmt: skip
    if not any(a["id"] == action_id for a in carried):
        raise NotFound(f"action {action_id} is not an open action of the previous retro", action=action_id)
    if status == "done":
        update_action(db, actor, key, action_id, now=now, status="done")
    return retro_board(db, actor, key, retro_id, now=now)


def _card_view(card: store.CardRow, anonymous: bool, totals: dict[int, int] | None, mine: dict[int, int],
               members: tuple[CardView, ...] = ()) -> CardView:  # fmt: skip
    return CardView(
        id=card.id, lane=card.lane, text=card.text, author=None if anonymous else card.author_name,
        group_id=card.group_id, votes=None if totals is None else totals.get(card.id, 0),
        your_votes=mine.get(card.id, 0), discussed=card.discussed, notes=card.notes, members=members,
    )  # fmt: skip


def retro_board(db: Database, actor: Actor, key: str, retro_id: int, *, now: dt.datetime) -> RetroBoard:
    """The retro as ``actor`` may see it (viewers and above): see the module docstring for who sees what."""
    team, retro = open_retro(db, actor, key, retro_id)
    assert retro.state is not None
    anonymous = bool(retro.format.get("anonymous", True))
    lanes = tuple(retro.format.get("lanes", []))
    with db.connect() as conn:
        cards = store.list_cards(conn, retro.id)
        mine = store.votes_of_user(conn, retro.id, actor.user_id)
        totals = store.card_votes(conn, retro.id) if retro.state in {"discussing", "closed"} else None
        previous = store.previous_retro(conn, retro)
        facilitator = None if retro.facilitator_id is None else get_user(conn, retro.facilitator_id)
    counts = {lane: sum(1 for c in cards if c.lane == lane) for lane in lanes}
    if retro.state == "collecting":
        own = [] if anonymous else [c for c in cards if c.author_id == actor.user_id and actor.user_id]
        views = tuple(_card_view(c, anonymous, None, mine) for c in own)
    else:
        heads = [c for c in cards if c.group_id is None]
        views = tuple(
            _card_view(h, anonymous, totals, mine,
                       tuple(_card_view(m, anonymous, None, {}) for m in cards if m.group_id == h.id))
            for h in heads
        )  # fmt: skip
        if totals is not None:
            views = tuple(sorted(views, key=lambda v: -(v.votes or 0)))  # stable: ties keep the writing order
    budget = int(retro.format.get("votes_per_person", DEFAULT_VOTES))
    actions = open_actions(db, actor, key, now=now)
    previous_actions = () if previous is None else tuple(a for a in actions if a["meeting_id"] == previous.id)
    skip = {retro.id, None, None if previous is None else previous.id}
    older = sum(1 for a in actions if a["origin"] == "retro" and a["meeting_id"] not in skip)
    role = actor.role_in(team.id)
    position = STATES.index(retro.state)
    return RetroBoard(
        id=retro.id, team=team.key, title=retro.title, held_at=retro.held_at, state=retro.state,
        next_state=STATES[position + 1] if position + 1 < len(STATES) else None,
        format=str(retro.format.get("name", "custom")), lanes=lanes, anonymous=anonymous, votes_per_person=budget,
        health_check=bool(retro.format.get("health_check", False)),
        facilitator=None if facilitator is None else facilitator.display_name or facilitator.username,
        can_facilitate=can_facilitate(actor, team, retro),
        can_contribute=role is not None and role.covers(_CONTRIBUTOR) and retro.state != "closed",
        lane_counts=counts, cards=views, your_votes_left=max(budget - sum(mine.values()), 0),
        previous=None if previous is None else RetroSummary(previous.id, previous.title, previous.held_at,
                                                            previous.state, previous.format.get("name")),
        previous_actions=previous_actions, older_open_actions=older,
        actions=tuple(a for a in actions if a["meeting_id"] == retro.id),
    )  # fmt: skip
