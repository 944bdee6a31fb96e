"""A team's SLA policies: one row per (team, name) whose ``rules`` JSON :mod:`cadence.analytics.sla_policy` reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = ["PolicyRow", "find_policy", "insert_policy", "list_policies", "update_policy"]


@dataclass(frozen=True)
class PolicyRow:
    id: int
    team_id: int
    name: str
    rules: dict[str, Any]


def _row(row: object) -> PolicyRow:
    r = row._mapping  # type: ignore[attr-defined]
    return PolicyRow(r["id"], r["team_id"], r["name"], dict(r["rules"] or {}))


def list_policies(conn: Connection, team_id: int) -> list[PolicyRow]:
    policies = S.table(S.SlaPolicy)
    query = select(policies).where(policies.c.team_id == team_id).order_by(policies.c.name)
    return [_row(row) for row in conn.execute(query)]


def find_policy(conn: Connection, team_id: int, name: str) -> PolicyRow | None:
    policies = S.table(S.SlaPolicy)
    row = conn.execute(select(policies).where(policies.c.team_id == team_id, policies.c.name == name)).first()
    return None if row is None else _row(row)


def insert_policy(conn: Connection, *, team_id: int, name: str, rules: dict[str, Any]) -> None:
    conn.execute(S.table(S.SlaPolicy).insert().values(team_id=team_id, name=name, rules=rules))


def update_policy(conn: Connection, policy_id: int, *, rules: dict[str, Any]) -> None:
    policies = S.table(S.SlaPolicy)
    conn.execute(policies.update().where(policies.c.id == policy_id).values(rules=rules))
