"""A team's metric targets: one row per (team, metric path), read and written by ``services.targets``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = ["TargetRow", "delete_target", "find_target", "insert_target", "list_targets", "update_target"]


@dataclass(frozen=True)
class TargetRow:
    id: int
    team_id: int
    metric: str
    comparator: str
    threshold: float
    created_at: dt.datetime
    created_by: int | None


def _row(row: object) -> TargetRow:
    r = row._mapping  # type: ignore[attr-defined]
    return TargetRow(
        r["id"], r["team_id"], r["metric"], r["comparator"], float(r["threshold"]), r["created_at"], r["created_by"]
    )


def list_targets(conn: Connection, team_id: int) -> list[TargetRow]:
    targets = S.table(S.MetricTarget)
    query = select(targets).where(targets.c.team_id == team_id).order_by(targets.c.metric)
    return [_row(row) for row in conn.execute(query)]


def find_target(conn: Connection, team_id: int, metric: str) -> TargetRow | None:
    targets = S.table(S.MetricTarget)
    row = conn.execute(select(targets).where(targets.c.team_id == team_id, targets.c.metric == metric)).first()
    return None if row is None else _row(row)


def insert_target(
    conn: Connection, *, team_id: int, metric: str, comparator: str, threshold: float, created_by: int | None
) -> None:
    conn.execute(
        S.table(S.MetricTarget)
        .insert()
        .values(team_id=team_id, metric=metric, comparator=comparator, threshold=threshold, created_by=created_by)
    )


def update_target(conn: Connection, target_id: int, *, comparator: str, threshold: float) -> None:
    targets = S.table(S.MetricTarget)
    conn.execute(targets.update().where(targets.c.id == target_id).values(comparator=comparator, threshold=threshold))


def delete_target(conn: Connection, target_id: int) -> None:
    targets = S.table(S.MetricTarget)
    conn.execute(targets.delete().where(targets.c.id == target_id))
