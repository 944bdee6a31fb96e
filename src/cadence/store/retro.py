"""Retrospectives as stored rows: the meeting (kind ``retro``), its cards, dot votes and health-check answers.

Read and written by ``services.retro`` and ``services.health_check`` only; the services decide who may see a card's
text, its author or an answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update

from cadence.store import schema as S

__all__ = [
    "CardRow",
    "RetroRow",
    "answered_user_ids",
    "answers_of",
    "card_votes",
    "find_card",
    "find_retro",
    "insert_answers",
    "insert_card",
    "insert_retro",
    "insert_vote",
    "list_cards",
    "list_retros",
    "lock_retro",
    "previous_retro",
    "regroup",
    "remove_vote",
    "revealed_answers",
    "set_retro_state",
    "set_revealed",
    "update_card",
    "votes_of_user",
]


@dataclass(frozen=True)
class RetroRow:
    id: int
    team_id: int
    title: str
    held_at: dt.datetime
    state: str | None
    """Null for a retro imported as a record (the demo's, a file's): it has no live board."""
    format: dict[str, Any]
    facilitator_id: int | None
    revealed_at: dt.datetime | None
    ended_at: dt.datetime | None
    source: str


@dataclass(frozen=True)
class CardRow:
    id: int
    meeting_id: int
    lane: str
    text: str
    author_id: int | None
    author_name: str | None
    group_id: int | None
    discussed: bool
    notes: str | None
    created_at: dt.datetime


_RETRO_COLUMNS = ("id", "team_id", "title", "held_at", "state", "format", "facilitator_id", "revealed_at", "ended_at",
                  "source")  # fmt: skip


def _retro(row: Any) -> RetroRow:
    r = row._mapping
    return RetroRow(
        r["id"], r["team_id"], r["title"], r["held_at"], r["state"], dict(r["format"] or {}), r["facilitator_id"],
        r["revealed_at"], r["ended_at"], r["source"],
    )  # fmt: skip


def _retros() -> Any:
    meetings = S.table(S.Meeting)
    return select(*(meetings.c[name] for name in _RETRO_COLUMNS)).where(meetings.c.kind == "retro")


def insert_retro(
    conn: Connection, *, team_id: int, title: str, format: dict[str, Any], facilitator_id: int | None, now: dt.datetime
) -> int:
    meetings = S.table(S.Meeting)
    result = conn.execute(
        meetings.insert()
        .values(
            team_id=team_id,
            source="cadence",
            source_id=f"retro-{uuid.uuid4().hex}",
            kind="retro",
            title=title,
            held_at=now,
            state="collecting",
            format=format,
            facilitator_id=facilitator_id,
        )
        .returning(meetings.c.id)
    )
    return int(result.scalar_one())


def find_retro(conn: Connection, team_id: int, retro_id: int) -> RetroRow | None:
    meetings = S.table(S.Meeting)
    row = conn.execute(_retros().where(meetings.c.id == retro_id, meetings.c.team_id == team_id)).first()
    return None if row is None else _retro(row)


def lock_retro(conn: Connection, retro_id: int) -> None:
    """Hold the meeting row until the transaction ends (PostgreSQL): two dot votes of one person are counted one
    after the other, so the budget holds under concurrent clicks. SQLite serialises writers on its own."""
    meetings = S.table(S.Meeting)
    if conn.dialect.name == "postgresql":
        conn.execute(select(meetings.c.id).where(meetings.c.id == retro_id).with_for_update())


def list_retros(conn: Connection, team_id: int, *, limit: int = 50) -> list[RetroRow]:
    """The team's retros, newest first (live ones and imported records alike)."""
    meetings = S.table(S.Meeting)
    query = _retros().where(meetings.c.team_id == team_id).order_by(meetings.c.held_at.desc(), meetings.c.id.desc())
    return [_retro(row) for row in conn.execute(query.limit(limit))]


def previous_retro(conn: Connection, retro: RetroRow) -> RetroRow | None:
    """The team's retro held just before ``retro`` (by time, then id): the one whose actions it opens with."""
    meetings = S.table(S.Meeting)
    earlier = (meetings.c.held_at < retro.held_at) | and_(meetings.c.held_at == retro.held_at, meetings.c.id < retro.id)
    query = (
        _retros()
        .where(meetings.c.team_id == retro.team_id, earlier)
        .order_by(meetings.c.held_at.desc(), meetings.c.id.desc())
    )
    row = conn.execute(query.limit(1)).first()
    return None if row is None else _retro(row)


def set_retro_state(
    conn: Connection, retro_id: int, *, before: str, after: str, ended_at: dt.datetime | None = None
) -> bool:
    """Move the retro from ``before`` to ``after``; False when another request moved it first."""
    meetings = S.table(S.Meeting)
    values: dict[str, Any] = {"state": after}
    if ended_at is not None:
        values["ended_at"] = ended_at
    result = conn.execute(
        meetings.update().where(meetings.c.id == retro_id, meetings.c.state == before).values(**values)
    )
    return result.rowcount == 1


def set_revealed(conn: Connection, retro_id: int, *, now: dt.datetime) -> bool:
    """Reveal the health check once; False when it already was."""
    meetings = S.table(S.Meeting)
    result = conn.execute(
        meetings.update().where(meetings.c.id == retro_id, meetings.c.revealed_at.is_(None)).values(revealed_at=now)
    )
    return result.rowcount == 1


def _cards() -> Any:
    cards, users, people = S.table(S.RetroCard), S.table(S.User), S.table(S.Person)
    return (
        select(
            cards.c.id,
            cards.c.meeting_id,
            cards.c.lane,
            cards.c.text,
            cards.c.author_id,
            func.coalesce(people.c.display_name, users.c.username).label("author_name"),
            cards.c.group_id,
            cards.c.discussed,
            cards.c.notes,
            cards.c.created_at,
        )
        .join_from(cards, users, users.c.id == cards.c.author_id, isouter=True)
        .join(people, people.c.id == users.c.person_id, isouter=True)
    )


def _card(row: Any) -> CardRow:
    r = row._mapping
    return CardRow(
        r["id"], r["meeting_id"], r["lane"], r["text"], r["author_id"], r["author_name"], r["group_id"],
        bool(r["discussed"]), r["notes"], r["created_at"],
    )  # fmt: skip


def insert_card(
    conn: Connection, *, meeting_id: int, lane: str, text: str, author_id: int | None, now: dt.datetime
) -> int:
    cards = S.table(S.RetroCard)
    query = cards.insert().values(meeting_id=meeting_id, lane=lane, text=text, author_id=author_id, created_at=now)
    return int(conn.execute(query.returning(cards.c.id)).scalar_one())


def list_cards(conn: Connection, meeting_id: int) -> list[CardRow]:
    cards = S.table(S.RetroCard)
    query = _cards().where(cards.c.meeting_id == meeting_id).order_by(cards.c.created_at, cards.c.id)
    return [_card(row) for row in conn.execute(query)]


def find_card(conn: Connection, meeting_id: int, card_id: int) -> CardRow | None:
    cards = S.table(S.RetroCard)
    row = conn.execute(_cards().where(cards.c.meeting_id == meeting_id, cards.c.id == card_id)).first()
    return None if row is None else _card(row)


def regroup(conn: Connection, meeting_id: int, card_id: int, *, head_id: int | None) -> None:
    """Put the card (and the cards grouped under it) under ``head_id``; ``None`` makes it stand alone again.

    Groups stay one level deep: a head that joins another group brings its members along, and its own dots move
    to the new head (a dot is on a topic, and the topic is now the group).
    """
    cards, votes = S.table(S.RetroCard), S.table(S.RetroVote)
    conn.execute(update(cards).where(cards.c.id == card_id, cards.c.meeting_id == meeting_id).values(group_id=head_id))
    if head_id is not None:
        members = (cards.c.group_id == card_id) & (cards.c.meeting_id == meeting_id)
        conn.execute(update(cards).where(members).values(group_id=head_id))
        conn.execute(update(votes).where(votes.c.card_id == card_id).values(card_id=head_id))


def update_card(conn: Connection, card_id: int, **values: Any) -> None:
    cards = S.table(S.RetroCard)
    conn.execute(update(cards).where(cards.c.id == card_id).values(**values))


def votes_of_user(conn: Connection, meeting_id: int, user_id: int) -> dict[int, int]:
    """``card id -> dots`` the person put in this retro."""
    votes, cards = S.table(S.RetroVote), S.table(S.RetroCard)
    query = (
        select(votes.c.card_id, func.count())
        .join(cards, cards.c.id == votes.c.card_id)
        .where(cards.c.meeting_id == meeting_id, votes.c.user_id == user_id)
        .group_by(votes.c.card_id)
    )
    return {int(card): int(n) for card, n in conn.execute(query)}


def card_votes(conn: Connection, meeting_id: int) -> dict[int, int]:
    """``card id -> dots`` from everyone."""
    votes, cards = S.table(S.RetroVote), S.table(S.RetroCard)
    query = (
        select(votes.c.card_id, func.count())
        .join(cards, cards.c.id == votes.c.card_id)
        .where(cards.c.meeting_id == meeting_id)
        .group_by(votes.c.card_id)
    )
    return {int(card): int(n) for card, n in conn.execute(query)}


def insert_vote(conn: Connection, *, card_id: int, user_id: int, now: dt.datetime) -> None:
    conn.execute(S.table(S.RetroVote).insert().values(card_id=card_id, user_id=user_id, created_at=now))


def remove_vote(conn: Connection, *, card_id: int, user_id: int) -> bool:
    """Take back one of the person's dots on the card; False when there was none."""
    votes = S.table(S.RetroVote)
    one = select(func.min(votes.c.id)).where(votes.c.card_id == card_id, votes.c.user_id == user_id)
    vote_id = conn.execute(one).scalar()
    if vote_id is None:
        return False
    conn.execute(delete(votes).where(votes.c.id == vote_id))
    return True


def insert_answers(
    conn: Connection, *, team_id: int, meeting_id: int, answers: list[tuple[str, int, str | None]], at: dt.datetime
) -> None:
    """One row per (dimension, score, trend), with no person: the answers of an anonymous health check."""
    rows = [
        {"team_id": team_id, "meeting_id": meeting_id, "person_id": None, "dimension": dimension, "score": score,
         "trend": trend, "at": at}
        for dimension, score, trend in answers
    ]  # fmt: skip
    if rows:
        conn.execute(S.table(S.HealthCheckAnswer).insert(), rows)


def answered_user_ids(conn: Connection, meeting_id: int) -> set[int]:
    """Who has answered the meeting's health check: read from the audit log, the only place that records it, so
    the answers themselves never carry a person."""
    audit = S.table(S.AuditEntry)
    query = select(audit.c.actor_user_id).where(
        audit.c.entity == "health_check", audit.c.action == "answer", audit.c.entity_id == str(meeting_id)
    )
    return {int(user) for user in conn.execute(query).scalars() if user is not None}


def answers_of(conn: Connection, meeting_id: int) -> list[tuple[str, int, str | None]]:
    """(dimension, score, trend) of every answer of one meeting."""
    answers = S.table(S.HealthCheckAnswer)
    query = select(answers.c.dimension, answers.c.score, answers.c.trend).where(answers.c.meeting_id == meeting_id)
    return [(r.dimension, int(r.score), r.trend) for r in conn.execute(query.order_by(answers.c.id))]


def revealed_answers(conn: Connection, team_id: int) -> dict[str, list[Any]]:
    """Columns (meeting_id, held_at, dimension, score) of the team's health-check answers whose retro has been
    revealed — hidden answers never leave the store through a trend."""
    answers, meetings = S.table(S.HealthCheckAnswer), S.table(S.Meeting)
    query = (
        select(answers.c.meeting_id, meetings.c.held_at, answers.c.dimension, answers.c.score)
        .join(meetings, meetings.c.id == answers.c.meeting_id)
        .where(answers.c.team_id == team_id, meetings.c.revealed_at.is_not(None))
        .order_by(meetings.c.held_at, answers.c.id)
    )
    columns: dict[str, list[Any]] = {"meeting_id": [], "held_at": [], "dimension": [], "score": []}
    for row in conn.execute(query):
        for name in columns:
            columns[name].append(getattr(row, name))
    return columns
