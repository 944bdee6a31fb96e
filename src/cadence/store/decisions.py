"""The team's decision log and working agreements. Read and written by ``services.decisions`` only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from cadence.store import schema as S

__all__ = [
    "AgreementRow",
    "DecisionRow",
    "find_agreement",
    "insert_agreement",
    "insert_decision",
    "known_item_keys",
    "list_agreements",
    "list_decisions",
    "meeting_of_team",
    "retire_agreement",
]


@dataclass(frozen=True)
class DecisionRow:
    id: int
    title: str
    decision: str
    options: list[str]
    decided_by: str | None
    decided_on: dt.date
    item_keys: list[str]
    meeting_id: int | None
    meeting_title: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class AgreementRow:
    id: int
    text: str
    created_at: dt.datetime
    retired_at: dt.datetime | None


def insert_decision(conn: Connection, *, team_id: int, created_at: dt.datetime, **values: Any) -> int:
    result = conn.execute(S.table(S.Decision).insert().values(team_id=team_id, created_at=created_at, **values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def list_decisions(conn: Connection, team_id: int) -> list[DecisionRow]:
    """The team's decisions, newest first."""
    d = S.table(S.Decision)
    m = S.table(S.Meeting)
    rows = conn.execute(
        select(
            d.c.id,
            d.c.title,
            d.c.decision,
            d.c.options,
            d.c.decided_by,
            d.c.decided_on,
            d.c.item_keys,
            d.c.meeting_id,
            m.c.title,
            d.c.created_at,
        )
        .select_from(d)
        .outerjoin(m, m.c.id == d.c.meeting_id)
        .where(d.c.team_id == team_id)
        .order_by(d.c.decided_on.desc(), d.c.id.desc())
    )
    return [
        DecisionRow(r[0], r[1], r[2], list(r[3] or []), r[4], r[5], list(r[6] or []), r[7], r[8], r[9]) for r in rows
    ]


def meeting_of_team(conn: Connection, team_id: int, meeting_id: int) -> bool:
    m = S.table(S.Meeting)
    return conn.execute(select(m.c.id).where(m.c.id == meeting_id, m.c.team_id == team_id)).first() is not None


def known_item_keys(conn: Connection, team_id: int, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are items of the team."""
    items = S.table(S.WorkItem)
    if not keys:
        return set()
    query = select(items.c.key).where(items.c.team_id == team_id, items.c.key.in_(list(keys)))
    return {str(k) for k in conn.execute(query).scalars()}


def insert_agreement(conn: Connection, *, team_id: int, text: str, created_at: dt.datetime) -> int:
    result = conn.execute(
        S.table(S.WorkingAgreement).insert().values(team_id=team_id, text=text, created_at=created_at)
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _agreement(row: Any) -> AgreementRow:
    return AgreementRow(int(row[0]), str(row[1]), row[2], row[3])


def list_agreements(conn: Connection, team_id: int) -> list[AgreementRow]:
    """The team's agreements, current ones first, each group oldest first."""
    a = S.table(S.WorkingAgreement)
    rows = conn.execute(
        select(a.c.id, a.c.text, a.c.created_at, a.c.retired_at)
        .where(a.c.team_id == team_id)
        .order_by(a.c.retired_at.is_not(None), a.c.created_at, a.c.id)
    )
    return [_agreement(r) for r in rows]


def find_agreement(conn: Connection, team_id: int, agreement_id: int) -> AgreementRow | None:
    a = S.table(S.WorkingAgreement)
    row = conn.execute(
        select(a.c.id, a.c.text, a.c.created_at, a.c.retired_at).where(a.c.team_id == team_id, a.c.id == agreement_id)
    ).first()
    return None if row is None else _agreement(row)


def retire_agreement(conn: Connection, agreement_id: int, *, at: dt.datetime) -> bool:
    """Retire an agreement still in force; False when it was retired already."""
    a = S.table(S.WorkingAgreement)
    result = conn.execute(update(a).where(a.c.id == agreement_id, a.c.retired_at.is_(None)).values(retired_at=at))
    return bool(result.rowcount)
