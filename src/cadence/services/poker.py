"""Planning poker: a facilitator opens a session on one item, members vote in secret, the facilitator reveals all
votes together and saves the final value as the item's estimate.

**Who may do what.** Anyone who sees the team (viewer and above) may watch a session; members and above vote; the
facilitator role (manager and above) starts, reveals and saves. Every check goes through :func:`access_team`.

**Hidden votes.** Until the reveal, a :class:`PokerView` carries only *who* has voted, never a value — except the
asking person's own card, which is theirs to see. This is the only place that turns stored votes into what a
person may see, so the API and the page cannot leak a value by accident.

**Decks.** ``fibonacci`` is ``0 1 2 3 5 8 13 21 ?``; ``tshirt`` is ``XS S M L XL ?`` counted as 1, 2, 3, 5 and 8
points; ``custom`` is any list of up to 20 cards (numbers count as themselves). ``?`` means "I can't say" and is
left out of the spread.

**Spread.** After the reveal: the lowest and highest card, and *wide* when they lie more than
:data:`WIDE_STEPS` positions apart in the deck — the signal that the team understands the item differently and
should talk before saving.

**Suggestion.** After the reveal, the story-point suggester (``analytics.estimation_suggester``) trained on the
team's other estimated items gives its value, confidence and the three most similar items as the reason.

**Jira write-back.** When the item came from a Jira source of the team, :func:`save_final` then writes the
value to the issue's story-point field. The Cadence estimate is committed *first*: a Jira refusal (the field not on
the edit screen, an expired token) is reported beside the saved estimate, never instead of it.

**Final value.** Saving sets ``work_items.estimate``, adds an ``estimate_changes`` event keyed ``poker-<session>``,
bumps the team's data version (so cached metrics refresh), closes the session and writes the audit log with before
and after — all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from cadence.analytics.estimation_suggester import StoryPointSuggester, Suggestion
from cadence.connectors.jira.write import write_story_points
from cadence.domain.errors import CadenceError, Conflict, InputError, NotFound
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.sources import open_source
from cadence.store import poker as store
from cadence.store.database import Database
from cadence.store.sources import find_source

__all__ = [
    "DECKS",
    "TSHIRT_POINTS",
    "WIDE_STEPS",
    "FinalOutcome",
    "PokerView",
    "Spread",
    "Vote",
    "card_points",
    "cast_vote",
    "poker_session",
    "reveal_votes",
    "save_final",
    "save_final_estimate",
    "start_session",
]

DECKS: dict[str, tuple[str, ...]] = {
    "fibonacci": ("0", "1", "2", "3", "5", "8", "13", "21", "?"),
    "tshirt": ("XS", "S", "M", "L", "XL", "?"),
}
TSHIRT_POINTS: dict[str, float] = {"XS": 1.0, "S": 2.0, "M": 3.0, "L": 5.0, "XL": 8.0}
"""How a T-shirt card counts as story points (for the spread and the final value)."""
WIDE_STEPS = 2
"""The spread is *wide* when the highest and lowest card lie more than this many deck positions apart."""
_MAX_CUSTOM = 20
_FACILITATOR = Role.MANAGER
_VOTER = Role.MEMBER


@dataclass(frozen=True)
class Vote:
    voter: str
    """The voter's username."""
    name: str
    value: str | None
    """The card, or None while votes are hidden (and the voter is not the one asking)."""


@dataclass(frozen=True)
class Spread:
    low: str
    high: str
    steps: int
    """How many deck positions separate the lowest and highest card."""
    wide: bool


@dataclass(frozen=True)
class PokerView:
    """A session as the asking person may see it."""

    id: int
    team: str
    item_key: str
    item_title: str
    estimate: float | None
    deck_name: str
    deck: tuple[str, ...]
    state: str
    votes: tuple[Vote, ...]
    your_vote: str | None
    can_vote: bool
    can_facilitate: bool
    final_value: float | None
    spread: Spread | None = None
    suggestion: Suggestion | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        suggestion = None
        if self.suggestion is not None:
            suggestion = {
                "points": self.suggestion.points,
                "confidence": self.suggestion.confidence,
                "similar": [
                    {"key": s.key, "title": s.title, "points": s.points, "similarity": s.similarity}
                    for s in self.suggestion.similar
                ],
            }
        spread = None
        if self.spread is not None:
            spread = {"low": self.spread.low, "high": self.spread.high, "steps": self.spread.steps}
            spread["wide"] = self.spread.wide
        return {
            "id": self.id,
            "team": self.team,
            "item": {"key": self.item_key, "title": self.item_title, "estimate": self.estimate},
            "deck_name": self.deck_name,
            "deck": list(self.deck),
            "state": self.state,
            "votes": [{"voter": v.voter, "name": v.name, "value": v.value} for v in self.votes],
            "your_vote": self.your_vote,
            "can_vote": self.can_vote,
            "can_facilitate": self.can_facilitate,
            "final_value": self.final_value,
            "spread": spread,
            "suggestion": suggestion,
        }


def card_points(card: str) -> float | None:
    """A card's value in story points: a number as itself, a T-shirt size by :data:`TSHIRT_POINTS`, else None."""
    if card in TSHIRT_POINTS:
        return TSHIRT_POINTS[card]
    try:
        return float(card)
    except ValueError:
        return None


def _deck(deck_name: str, custom: list[str] | None) -> list[str]:
    if deck_name in DECKS:
        return list(DECKS[deck_name])
    if deck_name != "custom":
        raise InputError(f"deck '{deck_name}' is not one of fibonacci, tshirt, custom", deck=deck_name)
    cards = [card.strip() for card in custom or [] if card.strip()]
    if not cards or len(cards) > _MAX_CUSTOM or len(set(cards)) != len(cards) or any(len(c) > 16 for c in cards):
        raise InputError(
            f"a custom deck needs 1 to {_MAX_CUSTOM} distinct cards of at most 16 characters; got {cards}",
            deck=cards,
        )
    return cards


def start_session(
    db: Database, actor: Actor, key: str, *, item_key: str, deck: str = "fibonacci", custom: list[str] | None = None,
    now: dt.datetime,
) -> PokerView:  # fmt: skip
    """Open a session on one of the team's items (facilitators: manager and above)."""
    team = access_team(db, actor, key, need=_FACILITATOR)
    cards = _deck(deck, custom)
    with db.begin() as conn:
        item = store.find_item(conn, team.id, item_key)
        if item is None:
            raise NotFound(f"team {team.key} has no item {item_key}", item=item_key)
        session_id = store.insert_session(
            conn, team_id=team.id, item_id=item.id, deck_name=deck, deck=cards,
            facilitator_id=actor.user_id or None, now=now,
        )  # fmt: skip
        record_change(
            conn, actor, "create", "poker_session", entity_id=str(session_id), team_id=team.id,
            after={"item": item.key, "deck": cards}, at=now,
        )  # fmt: skip
    return poker_session(db, actor, key, session_id)


def _open_session(db: Database, team: Team, session_id: int) -> store.SessionRow:
    with db.connect() as conn:
        row = store.find_session(conn, team.id, session_id)
    if row is None:
        raise NotFound(f"team {team.key} has no poker session {session_id}", session=session_id)
    return row


def cast_vote(db: Database, actor: Actor, key: str, session_id: int, *, value: str, now: dt.datetime) -> PokerView:
    """Vote a card (members and above); voting again replaces the voter's card. Only while the session is open."""
    team = access_team(db, actor, key, need=_VOTER)
    row = _open_session(db, team, session_id)
    if row.state != "open":
        raise Conflict(f"poker session {session_id} is {row.state}; votes are closed", session=session_id)
    if value not in row.deck:
        raise InputError(f"card '{value}' is not in this session's deck {' '.join(row.deck)}", card=value)
    with db.begin() as conn:
        store.upsert_vote(conn, session_id=row.id, user_id=actor.user_id, value=value, now=now)
    return poker_session(db, actor, key, session_id)


def reveal_votes(db: Database, actor: Actor, key: str, session_id: int, *, now: dt.datetime) -> PokerView:
    """Show every vote at once (facilitators)."""
    team = access_team(db, actor, key, need=_FACILITATOR)
    row = _open_session(db, team, session_id)
    if row.state != "open":
        raise Conflict(f"poker session {session_id} is already {row.state}", session=session_id)
    with db.begin() as conn:
        store.reveal_session(conn, row.id, now=now)
        votes = {v.username: v.value for v in store.list_votes(conn, row.id)}
        record_change(
            conn, actor, "reveal", "poker_session", entity_id=str(row.id), team_id=team.id,
            after={"votes": votes}, at=now,
        )  # fmt: skip
    return poker_session(db, actor, key, session_id)


def _final_points(value: str) -> float:
    """Points from a number or a T-shirt card; NaN, negative and absurd values are refused before any write."""
    points = card_points(value.strip())
    if points is None or not 0 <= points <= 10_000:
        raise InputError(f"final value '{value}' is not a number of points or a sized card of the deck", value=value)
    return points


def save_final_estimate(
    db: Database, actor: Actor, key: str, session_id: int, *, value: str, now: dt.datetime
) -> tuple[PokerView, store.PokerItem]:
    """Save the agreed value as the item's estimate and close the session (facilitators).

    Returns the closed session and the item as it was *before* (its source tells the caller whether to write the
    value back to Jira).
    """
    team = access_team(db, actor, key, need=_FACILITATOR)
    row = _open_session(db, team, session_id)
    if row.state == "closed":
        raise Conflict(f"poker session {session_id} is closed; its final value was {row.final_value}")
    points = _final_points(value)
    with db.begin() as conn:
        if not store.close_session(conn, row.id, final_value=points, now=now):
            raise Conflict(f"poker session {session_id} was closed meanwhile by another facilitator")
        item = store.find_item_by_id(conn, row.item_id)
        assert item is not None  # the session's foreign key cascades
        store.record_estimate(
            conn, item_id=item.id, team_id=team.id, before=item.estimate, after=points,
            event_key=f"poker-{row.id}", now=now,
        )  # fmt: skip
        record_change(
            conn, actor, "update", "work_item_estimate", entity_id=item.key, team_id=team.id,
            before={"estimate": item.estimate}, after={"estimate": points, "poker_session": row.id}, at=now,
        )  # fmt: skip
    return poker_session(db, actor, key, session_id), item


def _spread(deck: list[str], values: list[str]) -> Spread | None:
    ranked = sorted({v for v in values if v in deck and card_points(v) is not None}, key=deck.index)
    if not ranked:
        return None
    steps = deck.index(ranked[-1]) - deck.index(ranked[0])
    return Spread(ranked[0], ranked[-1], steps, steps > WIDE_STEPS)


_SUGGESTIONS: dict[tuple[int, int, int], Suggestion | None] = {}
_SUGGESTION_CACHE = 64


def _suggest(db: Database, team: Team, item: store.PokerItem) -> Suggestion | None:
    """The suggester's value, cached per (team, data version, item): the page polls every two seconds."""
    cache_key = (team.id, team.data_version, item.id)
    if cache_key not in _SUGGESTIONS:
        with db.connect() as conn:
            past = store.estimated_items(conn, team.id, excluding=item.id)
        suggestion = None
        if past:
            suggester = StoryPointSuggester(
                [p.key for p in past], [p.title for p in past], [p.description for p in past],
                [float(p.estimate or 0.0) for p in past],
            )  # fmt: skip
            suggestion = suggester.suggest(item.title, item.description)
        if len(_SUGGESTIONS) >= _SUGGESTION_CACHE:
            _SUGGESTIONS.clear()
        _SUGGESTIONS[cache_key] = suggestion
    return _SUGGESTIONS[cache_key]


def poker_session(db: Database, actor: Actor, key: str, session_id: int) -> PokerView:
    """The session as ``actor`` may see it: others' cards only once revealed (viewers and above)."""
    team = access_team(db, actor, key)
    row = _open_session(db, team, session_id)
    with db.connect() as conn:
        item = store.find_item_by_id(conn, row.item_id)
        votes = store.list_votes(conn, row.id)
    assert item is not None
    shown = row.state != "open"
    role = actor.role_in(team.id)
    mine = next((v.value for v in votes if v.user_id == actor.user_id), None)
    view = PokerView(
        id=row.id, team=team.key, item_key=item.key, item_title=item.title, estimate=item.estimate,
        deck_name=row.deck_name, deck=tuple(row.deck), state=row.state,
        votes=tuple(Vote(v.username, v.display_name, v.value if shown else None) for v in votes),
        your_vote=mine, can_vote=row.state == "open" and role is not None and role.covers(_VOTER),
        can_facilitate=role is not None and role.covers(_FACILITATOR), final_value=row.final_value,
    )  # fmt: skip
    if not shown:
        return view
    return replace(view, spread=_spread(row.deck, [v.value for v in votes]), suggestion=_suggest(db, team, item))


@dataclass(frozen=True)
class FinalOutcome:
    view: PokerView
    jira: str | None = None
    """``written`` (to the named field) when the value reached Jira; None when the item is not from Jira."""
    jira_error: str | None = None


def save_final(
    db: Database, actor: Actor, key: str, session_id: int, *, value: str, now: dt.datetime,
    credentials_key: str | None = None, transport: Any = None,
) -> FinalOutcome:  # fmt: skip
    """:func:`save_final_estimate`, then the Jira write-back when the item came from one of the team's Jira sources.

    ``credentials_key`` decrypts the source's token (``CADENCE_ENCRYPTION_KEY``); ``transport`` is for tests.
    """
    view, item = save_final_estimate(db, actor, key, session_id, value=value, now=now)
    with db.connect() as conn:
        source = find_source(conn, item.source)
    if source is None or source.kind != "jira" or source.team_id != item.team_id or view.final_value is None:
        return FinalOutcome(view)  # not from Jira, or from another team's site: nothing to write back
    try:
        jira = open_source(source, credentials_key, transport=transport)
        try:
            field_id = write_story_points(jira.client, jira.site.version, item.key, view.final_value)
        finally:
            jira.client.close()
    except CadenceError as error:
        return FinalOutcome(view, jira="failed", jira_error=error.message)
    return FinalOutcome(view, jira=f"written to {field_id}")
