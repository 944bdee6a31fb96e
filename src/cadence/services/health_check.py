"""The team health check of a retro: traffic lights per squad dimension, anonymous, hidden until the reveal.

**Anonymous.** An answer row never carries a person (``HealthCheckAnswer.person_id`` stays null) and its time is the
retro's, not the moment it was given. Who has answered is known only from the audit log ("answered the health
check", no values), which is what keeps a person from answering twice.

**Hidden until the reveal.** Until the facilitator reveals (``Meeting.revealed_at``), everyone — the facilitator
included — sees only how many people answered. After it, each dimension shows its lights (how many red, amber,
green), mean, the trend votes, and the change since the previous revealed health check (``analytics.health_trend``).
Answers are taken until the reveal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from cadence.analytics.health_trend import ANSWERS, DIMENSIONS, TRENDS, health_trend
from cadence.domain.errors import Conflict, InputError
from cadence.domain.model import Role
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.retro import facilitated_retro, open_retro
from cadence.store import retro as store
from cadence.store.database import Database

__all__ = ["DimensionResult", "HealthView", "answer_health_check", "health_check", "health_trends", "reveal_health"]

_SCORES = {"red": 1, "amber": 2, "green": 3, "1": 1, "2": 2, "3": 3}


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    label: str
    answers: int
    red: int
    amber: int
    green: int
    mean_score: float
    light: str
    trend_votes: dict[str, int]
    """How many answers felt the dimension going up, staying the same or going down."""
    change: float | None
    """Mean minus the mean at the previous revealed health check (None for the first)."""
    trend: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class HealthView:
    enabled: bool
    respondents: int
    you_answered: bool
    revealed: bool
    can_answer: bool
    results: tuple[DimensionResult, ...]
    """Empty until the reveal."""

    def to_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "respondents": self.respondents, "you_answered": self.you_answered,
                "revealed": self.revealed, "can_answer": self.can_answer,
                "dimensions": [{"key": k, "label": v} for k, v in DIMENSIONS.items()],
                "results": [r.to_dict() for r in self.results]}  # fmt: skip


def _parse(answers: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    """``{dimension: light or {"score", "trend"}}`` -> rows, every dimension and value checked."""
    rows = []
    for dimension, answer in answers.items():
        if dimension not in DIMENSIONS:
            raise InputError(f"'{dimension}' is not a health-check dimension ({', '.join(DIMENSIONS)})")
        light, trend = (answer.get("score"), answer.get("trend")) if isinstance(answer, dict) else (answer, None)
        score = _SCORES.get(str(light).strip().lower())
        if score is None:
            raise InputError(f"'{light}' for {dimension} is not red, amber or green", dimension=dimension)
        trend = (trend or "").strip().lower() or None
        if trend is not None and trend not in TRENDS:
            raise InputError(f"trend '{trend}' for {dimension} is not up, same or down", dimension=dimension)
        rows.append((dimension, score, trend))
    if not rows:
        raise InputError("answer at least one health-check dimension")
    return rows


def answer_health_check(
    db: Database, actor: Actor, key: str, retro_id: int, *, answers: dict[str, Any], now: dt.datetime
) -> HealthView:
    """Give your lights, once, before the reveal (members). Stored without a person."""
    team, retro = open_retro(db, actor, key, retro_id, need=Role.MEMBER)
    if not retro.format.get("health_check"):
        raise Conflict(f"retro {retro_id} has no health check", retro=retro_id)
    if retro.revealed_at is not None or retro.state == "closed":
        raise Conflict(f"the health check of retro {retro_id} is over", retro=retro_id)
    rows = _parse(answers)
    with db.begin() as conn:
        store.lock_retro(conn, retro.id)
        if actor.user_id in store.answered_user_ids(conn, retro.id):
            raise Conflict("you have already answered this health check; answers are anonymous and final")
        store.insert_answers(conn, team_id=team.id, meeting_id=retro.id, answers=rows, at=retro.held_at)
        record_change(conn, actor, "answer", "health_check", entity_id=str(retro.id), team_id=team.id,
                      after={"dimensions": len(rows)}, at=now)  # fmt: skip
    return health_check(db, actor, key, retro_id)


def reveal_health(db: Database, actor: Actor, key: str, retro_id: int, *, now: dt.datetime) -> HealthView:
    """Show the answers to everyone (the facilitator); answering ends."""
    team, retro = facilitated_retro(db, actor, key, retro_id)
    if not retro.format.get("health_check"):
        raise Conflict(f"retro {retro_id} has no health check", retro=retro_id)
    with db.begin() as conn:
        if not store.set_revealed(conn, retro.id, now=now):
            raise Conflict(f"the health check of retro {retro_id} is already revealed", retro=retro_id)
        respondents = len(store.answered_user_ids(conn, retro.id))
        record_change(conn, actor, "reveal", "health_check", entity_id=str(retro.id), team_id=team.id,
                      after={"respondents": respondents}, at=now)  # fmt: skip
    return health_check(db, actor, key, retro_id)


def _trend_frame(db: Database, team_id: int) -> pl.DataFrame:
    with db.connect() as conn:
        columns = store.revealed_answers(conn, team_id)
    return health_trend(pl.DataFrame(columns, schema=ANSWERS))


def health_check(db: Database, actor: Actor, key: str, retro_id: int) -> HealthView:
    """The health check as anyone of the team may see it: counts before the reveal, lights after (viewers)."""
    team, retro = open_retro(db, actor, key, retro_id)
    enabled = bool(retro.format.get("health_check"))
    with db.connect() as conn:
        answered = store.answered_user_ids(conn, retro.id) if enabled else set()
        rows = store.answers_of(conn, retro.id) if enabled and retro.revealed_at is not None else []
    role = actor.role_in(team.id)
    can_answer = (enabled and retro.revealed_at is None and retro.state != "closed" and role is not None
                  and role.covers(Role.MEMBER) and actor.user_id not in answered)  # fmt: skip
    results: list[DimensionResult] = []
    if rows:
        trend = _trend_frame(db, team.id).filter(pl.col("meeting_id") == retro.id)
        by_dimension = {r["dimension"]: r for r in trend.iter_rows(named=True)}
        answers = pl.DataFrame(rows, schema={"dimension": pl.String, "score": pl.Int64, "trend": pl.String},
                               orient="row")  # fmt: skip
        counted = answers.drop_nulls("trend").group_by("dimension", "trend").len()
        tally = {(r["dimension"], r["trend"]): r["len"] for r in counted.iter_rows(named=True)}
        for dimension, label in DIMENSIONS.items():
            if dimension not in by_dimension:
                continue
            r = by_dimension[dimension]
            votes = {t: int(tally.get((dimension, t), 0)) for t in TRENDS}
            results.append(DimensionResult(
                dimension, label, r["answers"], r["red"], r["amber"], r["green"], round(r["mean_score"], 2),
                r["light"], votes, None if r["change"] is None else round(r["change"], 2), r["trend"],
            ))  # fmt: skip
    return HealthView(enabled, len(answered), actor.user_id in answered, retro.revealed_at is not None, can_answer,
                      tuple(results))  # fmt: skip


def health_trends(db: Database, actor: Actor, key: str) -> list[dict[str, Any]]:
    """Every revealed health check of the team, per dimension and retro, oldest first (viewers)."""
    team = access_team(db, actor, key)
    frame = _trend_frame(db, team.id)
    out = []
    for row in frame.iter_rows(named=True):
        out.append({**row, "label": DIMENSIONS.get(row["dimension"], row["dimension"]),
                    "held_at": row["held_at"].isoformat(), "mean_score": round(row["mean_score"], 2),
                    "change": None if row["change"] is None else round(row["change"], 2)})  # fmt: skip
    return out
