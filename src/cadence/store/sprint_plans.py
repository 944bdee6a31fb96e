"""Sprint plans and the items selected into them.

Read and written by ``services.sprint_planning`` only. Every write to a plan is guarded on ``state = 'draft'`` in its
``WHERE`` clause, so a plan committed by someone else meanwhile is never changed (the service turns the zero row
count into a conflict).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = [
    "PlanItemRow",
    "PlanRow",
    "commit_plan",
    "find_plan",
    "insert_plan",
    "item_ids",
    "list_plans",
    "plan_items",
    "replace_items",
    "update_plan",
]


@dataclass(frozen=True)
class PlanRow:
    id: int
    team_id: int
    sprint_id: int | None
    name: str
    goal: str | None
    start_on: dt.date
    end_on: dt.date
    state: str
    capacity: dict[str, Any] | None
    forecast: dict[str, Any] | None
    created_at: dt.datetime
    committed_at: dt.datetime | None
    committed_by: str | None
    """The committing user's name."""


@dataclass(frozen=True)
class PlanItemRow:
    item_id: int
    key: str
    title: str
    position: int
    estimate: float | None
    ready: bool | None


def _plans_query() -> Any:
    plans, users = S.table(S.SprintPlan), S.table(S.User)
    return select(plans, users.c.username.label("committed_by")).join_from(
        plans, users, plans.c.committed_by_id == users.c.id, isouter=True
    )


def _plan(row: object) -> PlanRow:
    r = row._mapping  # type: ignore[attr-defined]
    return PlanRow(
        int(r["id"]), int(r["team_id"]), r["sprint_id"], r["name"], r["goal"], r["start_on"], r["end_on"], r["state"],
        r["capacity"], r["forecast"], r["created_at"], r["committed_at"], r["committed_by"],
    )  # fmt: skip


def insert_plan(
    conn: Connection, *, team_id: int, sprint_id: int | None, name: str, goal: str | None, start_on: dt.date,
    end_on: dt.date, now: dt.datetime,
) -> int:  # fmt: skip
    plans = S.table(S.SprintPlan)
    query = plans.insert().values(
        team_id=team_id, sprint_id=sprint_id, name=name, goal=goal, start_on=start_on, end_on=end_on, state="draft",
        created_at=now,
    )  # fmt: skip
    return int(conn.execute(query.returning(plans.c.id)).scalar_one())


def find_plan(conn: Connection, team_id: int, plan_id: int) -> PlanRow | None:
    plans = S.table(S.SprintPlan)
    row = conn.execute(_plans_query().where(plans.c.team_id == team_id, plans.c.id == plan_id)).first()
    return None if row is None else _plan(row)


def list_plans(conn: Connection, team_id: int) -> list[PlanRow]:
    """The team's plans, the latest sprint first."""
    plans = S.table(S.SprintPlan)
    query = _plans_query().where(plans.c.team_id == team_id).order_by(plans.c.start_on.desc(), plans.c.id.desc())
    return [_plan(row) for row in conn.execute(query)]


def update_plan(conn: Connection, plan_id: int, values: dict[str, Any]) -> bool:
    """Change a draft plan's name, goal or dates; False when it is no longer a draft."""
    plans = S.table(S.SprintPlan)
    result = conn.execute(plans.update().where(plans.c.id == plan_id, plans.c.state == "draft").values(**values))
    return result.rowcount > 0


def commit_plan(
    conn: Connection, plan_id: int, *, capacity: dict[str, Any], forecast: dict[str, Any], at: dt.datetime,
    by_user_id: int | None,
) -> bool:  # fmt: skip
    """Freeze a draft plan; False when it was committed meanwhile."""
    plans = S.table(S.SprintPlan)
    result = conn.execute(
        plans.update()
        .where(plans.c.id == plan_id, plans.c.state == "draft")
        .values(state="committed", capacity=capacity, forecast=forecast, committed_at=at, committed_by_id=by_user_id)
    )
    return result.rowcount > 0


def plan_items(conn: Connection, plan_id: int) -> list[PlanItemRow]:
    chosen, items = S.table(S.SprintPlanItem), S.table(S.WorkItem)
    query = (
        select(chosen.c.item_id, items.c.key, items.c.title, chosen.c.position, chosen.c.estimate, chosen.c.ready)
        .join_from(chosen, items, chosen.c.item_id == items.c.id)
        .where(chosen.c.plan_id == plan_id)
        .order_by(chosen.c.position)
    )
    return [PlanItemRow(int(i), str(k), str(t), int(p), e, r) for i, k, t, p, e, r in conn.execute(query)]


def replace_items(conn: Connection, plan_id: int, rows: Sequence[tuple[int, float | None, bool | None]]) -> None:
    """The plan's selection becomes ``rows`` (item id, estimate, ready), positioned in the given order."""
    chosen = S.table(S.SprintPlanItem)
    conn.execute(chosen.delete().where(chosen.c.plan_id == plan_id))
    if rows:
        conn.execute(
            chosen.insert(),
            [
                {"plan_id": plan_id, "item_id": item, "position": n, "estimate": estimate, "ready": ready}
                for n, (item, estimate, ready) in enumerate(rows, start=1)
            ],
        )


def item_ids(conn: Connection, team_id: int, keys: Sequence[str]) -> dict[str, int]:
    """The team's item ids of ``keys`` (keys it does not have are absent)."""
    if not keys:
        return {}
    items = S.table(S.WorkItem)
    query = select(items.c.key, items.c.id).where(items.c.team_id == team_id, items.c.key.in_(list(set(keys))))
    return {str(k): int(i) for k, i in conn.execute(query.order_by(items.c.id.desc()))}
