"""The risks a weekly report counts: each risk's score and when it was open, read in one query.

Kept apart from the risk register's own store module so the report depends only on the ``risks`` columns it reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = ["ReportRisk", "report_risks"]

_NEVER_OPEN = ("dismissed",)
"""A dismissed data-signal proposal is stored as a risk row but was never on the register."""


@dataclass(frozen=True)
class ReportRisk:
    id: int
    title: str
    probability: int
    impact: int
    status: str
    roam: str | None
    created_at: dt.datetime
    closed_at: dt.datetime | None


def report_risks(conn: Connection, team_id: int) -> list[ReportRisk]:
    """Every risk of the team that was ever on its register, oldest first."""
    risks = S.table(S.Risk)
    rows = conn.execute(
        select(
            risks.c.id,
            risks.c.title,
            risks.c.probability,
            risks.c.impact,
            risks.c.status,
            risks.c.roam,
            risks.c.created_at,
            risks.c.closed_at,
        )
        .where(risks.c.team_id == team_id, risks.c.status.not_in(_NEVER_OPEN))
        .order_by(risks.c.id)
    ).all()
    return [ReportRisk(*row) for row in rows]
