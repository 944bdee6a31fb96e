"""Planning poker sessions and their votes, the item being estimated, and the estimate write it ends with.

Read and written by ``services.poker`` only; the service decides who may see a vote's value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from cadence.store import schema as S

__all__ = [
    "PokerItem",
    "SessionRow",
    "VoteRow",
    "close_session",
    "estimated_items",
    "find_item",
    "find_item_by_id",
    "find_session",
    "insert_session",
    "list_votes",
    "record_estimate",
    "reveal_session",
    "upsert_vote",
]


@dataclass(frozen=True)
class PokerItem:
    id: int
    team_id: int
    key: str
    title: str
    description: str
    estimate: float | None
    source: str
    source_id: str


@dataclass(frozen=True)
class SessionRow:
    id: int
    team_id: int
    item_id: int
    deck_name: str
    deck: list[str]
    state: str
    facilitator_id: int | None
    created_at: dt.datetime
    revealed_at: dt.datetime | None
    closed_at: dt.datetime | None
    final_value: float | None


@dataclass(frozen=True)
class VoteRow:
    user_id: int
    username: str
    display_name: str
    value: str
    voted_at: dt.datetime


def _item(row: object) -> PokerItem:
    r = row._mapping  # type: ignore[attr-defined]
    return PokerItem(
        r["id"], r["team_id"], r["key"], r["title"], r["description"] or "", r["estimate"], r["source"], r["source_id"]
    )


_ITEM_COLUMNS = ("id", "team_id", "key", "title", "description", "estimate", "source", "source_id")


def find_item(conn: Connection, team_id: int, key: str) -> PokerItem | None:
    items = S.table(S.WorkItem)
    query = select(*(items.c[name] for name in _ITEM_COLUMNS)).where(items.c.team_id == team_id, items.c.key == key)
    row = conn.execute(query.order_by(items.c.id)).first()
    return None if row is None else _item(row)


def find_item_by_id(conn: Connection, item_id: int) -> PokerItem | None:
    items = S.table(S.WorkItem)
    row = conn.execute(select(*(items.c[name] for name in _ITEM_COLUMNS)).where(items.c.id == item_id)).first()
    return None if row is None else _item(row)


def estimated_items(conn: Connection, team_id: int, *, excluding: int) -> list[PokerItem]:
    """The team's items that carry an estimate (the suggester's training set), the one being estimated excluded."""
    items = S.table(S.WorkItem)
    query = (
        select(*(items.c[name] for name in _ITEM_COLUMNS))
        .where(items.c.team_id == team_id, items.c.estimate.is_not(None), items.c.id != excluding)
        .order_by(items.c.id)
    )
    return [_item(row) for row in conn.execute(query)]


def _session(row: object) -> SessionRow:
    r = row._mapping  # type: ignore[attr-defined]
    return SessionRow(
        r["id"], r["team_id"], r["item_id"], r["deck_name"], list(r["deck"]), r["state"], r["facilitator_id"],
        r["created_at"], r["revealed_at"], r["closed_at"], r["final_value"],
    )  # fmt: skip


def insert_session(
    conn: Connection, *, team_id: int, item_id: int, deck_name: str, deck: list[str], facilitator_id: int | None,
    now: dt.datetime,
) -> int:  # fmt: skip
    result = conn.execute(
        S.table(S.PokerSession)
        .insert()
        .values(
            team_id=team_id,
            item_id=item_id,
            deck_name=deck_name,
            deck=deck,
            state="open",
            facilitator_id=facilitator_id,
            created_at=now,
        )
        .returning(S.table(S.PokerSession).c.id)
    )
    return int(result.scalar_one())


def find_session(conn: Connection, team_id: int, session_id: int) -> SessionRow | None:
    sessions = S.table(S.PokerSession)
    row = conn.execute(select(sessions).where(sessions.c.id == session_id, sessions.c.team_id == team_id)).first()
    return None if row is None else _session(row)


def list_votes(conn: Connection, session_id: int) -> list[VoteRow]:
    votes = S.table(S.PokerVote)
    users, people = S.table(S.User), S.table(S.Person)
    query = (
        select(votes.c.user_id, users.c.username, people.c.display_name, votes.c.value, votes.c.voted_at)
        .join(users, users.c.id == votes.c.user_id)
        .join(people, people.c.id == users.c.person_id, isouter=True)
        .where(votes.c.session_id == session_id)
        .order_by(users.c.username)
    )
    return [
        VoteRow(r.user_id, r.username, r.display_name or r.username, r.value, r.voted_at) for r in conn.execute(query)
    ]


def upsert_vote(conn: Connection, *, session_id: int, user_id: int, value: str, now: dt.datetime) -> str | None:
    """Set the voter's card; returns the card it replaced (None for a first vote)."""
    votes = S.table(S.PokerVote)
    where = (votes.c.session_id == session_id, votes.c.user_id == user_id)
    before = conn.execute(select(votes.c.value).where(*where)).scalar_one_or_none()
    # An upsert, not insert-or-update: two clicks of the same voter racing on a first vote must not collide.
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(votes)
    values = {"session_id": session_id, "user_id": user_id, "value": value, "voted_at": now}
    conn.execute(
        insert.values(**values).on_conflict_do_update(
            index_elements=["session_id", "user_id"], set_={"value": value, "voted_at": now}
        )
    )
    return before


def reveal_session(conn: Connection, session_id: int, *, now: dt.datetime) -> None:
    sessions = S.table(S.PokerSession)
    conn.execute(sessions.update().where(sessions.c.id == session_id).values(state="revealed", revealed_at=now))


def close_session(conn: Connection, session_id: int, *, final_value: float, now: dt.datetime) -> bool:
    """Close the session unless it already is; False when another request closed it first."""
    sessions = S.table(S.PokerSession)
    result = conn.execute(
        sessions.update()
        .where(sessions.c.id == session_id, sessions.c.state != "closed")
        .values(state="closed", closed_at=now, final_value=final_value)
    )
    return result.rowcount == 1


def record_estimate(
    conn: Connection, *, item_id: int, team_id: int, before: float | None, after: float, event_key: str,
    now: dt.datetime,
) -> None:  # fmt: skip
    """Set the item's estimate, add its history event and bump the team's data version so caches refresh."""
    items = S.table(S.WorkItem)
    conn.execute(items.update().where(items.c.id == item_id).values(estimate=after))
    conn.execute(
        S.table(S.EstimateChange)
        .insert()
        .values(item_id=item_id, event_key=event_key, at=now, from_value=before, to_value=after, by_id=None)
    )
    teams = S.table(S.Team)
    conn.execute(teams.update().where(teams.c.id == team_id).values(data_version=teams.c.data_version + 1))
