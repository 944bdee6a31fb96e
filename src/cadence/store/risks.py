"""The risk register: risks, their score history (``risk_scores``), their mitigations (``action_items.risk_id``) and
the data signals already decided.

A dismissed proposal is a ``risks`` row with status ``dismissed`` and its ``signal_key``, so one query answers "was
this signal decided already?" for accepted and dismissed ones alike. Read and written by ``services.risks`` only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from cadence.domain.errors import Conflict
from cadence.store import schema as S

__all__ = [
    "MitigationRow",
    "RiskRow",
    "ScoreRow",
    "decided_signal_keys",
    "find_risk",
    "insert_risk",
    "insert_score",
    "link_mitigation",
    "list_mitigations",
    "list_risks",
    "list_scores",
    "update_risk",
]


@dataclass(frozen=True)
class RiskRow:
    id: int
    team_id: int
    title: str
    description: str | None
    probability: int
    impact: int
    status: str
    roam: str | None
    owner_id: int | None
    owner: str | None
    """The owner's display name."""
    review_on: dt.date | None
    epic_key: str | None
    fix_version: str | None
    signal_key: str | None
    evidence: dict[str, Any] | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    closed_at: dt.datetime | None
    last_scored_at: dt.datetime | None
    """When the risk was last scored (its latest ``risk_scores`` row); None when it has no history row."""


@dataclass(frozen=True)
class ScoreRow:
    risk_id: int
    probability: int
    impact: int
    at: dt.datetime
    by: str | None
    """The scorer's username (None for a system or deleted user)."""
    note: str | None


@dataclass(frozen=True)
class MitigationRow:
    id: int
    risk_id: int
    title: str
    status: str
    owner: str | None
    due_on: dt.date | None


def _select() -> Any:
    risks = S.table(S.Risk)
    people = S.table(S.Person)
    scores = S.table(S.RiskScore)
    last = (
        select(scores.c.risk_id, func.max(scores.c.at).label("last_scored_at"))
        .group_by(scores.c.risk_id)
        .subquery("last_score")
    )
    return (
        select(
            risks.c.id,
            risks.c.team_id,
            risks.c.title,
            risks.c.description,
            risks.c.probability,
            risks.c.impact,
            risks.c.status,
            risks.c.roam,
            risks.c.owner_id,
            people.c.display_name.label("owner"),
            risks.c.review_on,
            risks.c.epic_key,
            risks.c.fix_version,
            risks.c.signal_key,
            risks.c.evidence,
            risks.c.created_at,
            risks.c.updated_at,
            risks.c.closed_at,
            last.c.last_scored_at,
        )
        .select_from(risks)
        .outerjoin(people, people.c.id == risks.c.owner_id)
        .outerjoin(last, last.c.risk_id == risks.c.id)
    )


def _row(row: Any) -> RiskRow:
    r = row._mapping
    return RiskRow(**{name: r[name] for name in RiskRow.__dataclass_fields__})


def list_risks(conn: Connection, team_id: int, statuses: Sequence[str] | None = None) -> list[RiskRow]:
    """The team's risks (of the given statuses), highest score first, then oldest."""
    risks = S.table(S.Risk)
    query = _select().where(risks.c.team_id == team_id)
    if statuses is not None:
        query = query.where(risks.c.status.in_(list(statuses)))
    order = ((risks.c.probability * risks.c.impact).desc(), risks.c.created_at, risks.c.id)
    return [_row(r) for r in conn.execute(query.order_by(*order))]


def find_risk(conn: Connection, team_id: int, risk_id: int) -> RiskRow | None:
    risks = S.table(S.Risk)
    row = conn.execute(_select().where(risks.c.team_id == team_id, risks.c.id == risk_id)).first()
    return None if row is None else _row(row)


def insert_risk(conn: Connection, *, team_id: int, title: str, now: dt.datetime, **values: Any) -> int:
    """Add one risk; ``values`` are further columns (probability, impact, owner_id, signal_key, ...).

    A signal is decided once per team: a second decision on the same ``signal_key`` (two managers at the same
    instant) is refused by the unique index and reported as a :class:`Conflict`; the savepoint keeps the caller's
    transaction usable.
    """
    statement = S.table(S.Risk).insert().values(team_id=team_id, title=title, created_at=now, **values)
    try:
        with conn.begin_nested():
            result = conn.execute(statement)
    except IntegrityError as error:
        if values.get("signal_key") is None:
            raise
        raise Conflict(f"signal {values['signal_key']} was decided meanwhile by someone else") from error
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def update_risk(conn: Connection, risk_id: int, **values: Any) -> None:
    risks = S.table(S.Risk)
    conn.execute(update(risks).where(risks.c.id == risk_id).values(**values))


def insert_score(
    conn: Connection, risk_id: int, *, probability: int, impact: int, at: dt.datetime, by_user_id: int | None,
    note: str | None,
) -> None:  # fmt: skip
    """One row of the risk's score history."""
    conn.execute(
        S.table(S.RiskScore)
        .insert()
        .values(risk_id=risk_id, probability=probability, impact=impact, at=at, by_user_id=by_user_id, note=note)
    )


def list_scores(conn: Connection, risk_ids: Sequence[int]) -> list[ScoreRow]:
    """The score history of these risks, oldest first."""
    if not risk_ids:
        return []
    scores = S.table(S.RiskScore)
    users = S.table(S.User)
    rows = conn.execute(
        select(scores.c.risk_id, scores.c.probability, scores.c.impact, scores.c.at, users.c.username, scores.c.note)
        .outerjoin(users, users.c.id == scores.c.by_user_id)
        .where(scores.c.risk_id.in_(list(risk_ids)))
        .order_by(scores.c.risk_id, scores.c.at, scores.c.id)
    )
    return [ScoreRow(int(r), int(p), int(i), at, by, note) for r, p, i, at, by, note in rows]


def list_mitigations(conn: Connection, risk_ids: Sequence[int]) -> list[MitigationRow]:
    """The action items that mitigate these risks, oldest first."""
    if not risk_ids:
        return []
    actions = S.table(S.ActionItem)
    people = S.table(S.Person)
    rows = conn.execute(
        select(
            actions.c.id, actions.c.risk_id, actions.c.title, actions.c.status, people.c.display_name, actions.c.due_on
        )
        .outerjoin(people, people.c.id == actions.c.owner_id)
        .where(actions.c.risk_id.in_(list(risk_ids)))
        .order_by(actions.c.created_at, actions.c.id)
    )
    return [MitigationRow(int(i), int(r), str(t), str(s), o, d) for i, r, t, s, o, d in rows]


def link_mitigation(conn: Connection, team_id: int, action_id: int, risk_id: int) -> bool:
    """Mark the team's action ``action_id`` as a mitigation of ``risk_id``; False when there is no such action."""
    actions = S.table(S.ActionItem)
    result = conn.execute(
        update(actions).where(actions.c.id == action_id, actions.c.team_id == team_id).values(risk_id=risk_id)
    )
    return bool(result.rowcount)


def decided_signal_keys(conn: Connection, team_id: int) -> set[str]:
    """Signal keys of the team's proposals already accepted or dismissed (any status)."""
    risks = S.table(S.Risk)
    query = select(risks.c.signal_key).where(risks.c.team_id == team_id, risks.c.signal_key.is_not(None))
    return {str(key) for key in conn.execute(query).scalars()}
