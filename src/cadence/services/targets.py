"""A team's metric targets: set, change and remove them (managers), and judge the current value against each.

A target names a metric by its dotted path into the metrics result (``cycle_time.p85``,
``say_do.overall.say_do_points``), a comparator (``<=`` or ``>=``) and a threshold. Its **status**:

* **on track** — the current value meets the target;
* **at risk** — it misses, but by no more than 10 % of the threshold's magnitude (``|value - threshold| <=
  0.1 * |threshold|``), close enough that one good week can recover it;
* **off track** — it misses by more than that;
* **no data** — the metric has no value over the range (e.g. no item delivered).

The **trend** is the value over the last four 4-week windows ending on the range's last day, oldest first, so a
PM sees whether a miss is new or chronic. Every change is written to the audit log with before and after.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from cadence.domain.errors import Conflict, InputError, NotFound
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.team_metrics import MetricsResult, team_metrics
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import metric_targets as store
from cadence.store.database import Database

__all__ = [
    "AT_RISK_MARGIN",
    "COMPARATORS",
    "TREND_WINDOWS",
    "TargetStatus",
    "classify",
    "create_target",
    "numeric_paths",
    "remove_target",
    "resolve_metric",
    "save_target",
    "target_statuses",
    "team_targets",
    "update_target",
]

COMPARATORS = ("<=", ">=")
AT_RISK_MARGIN = 0.10
"""A miss within this fraction of the threshold's magnitude is "at risk" rather than "off track"."""
TREND_WINDOWS = 4
_WINDOW_DAYS = 28
_HIDDEN = {"parameters", "team"}


@dataclass(frozen=True)
class TargetStatus:
    metric: str
    comparator: str
    threshold: float
    value: float | None
    status: str  # on track | at risk | off track | no data
    trend: tuple[tuple[str, float | None], ...]
    """``(last day of the 4-week window, value)``, oldest first."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "comparator": self.comparator,
            "threshold": self.threshold,
            "value": self.value,
            "status": self.status,
            "trend": [{"end": end, "value": value} for end, value in self.trend],
        }


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numeric_paths(metrics: MetricsResult) -> list[str]:
    """Every dotted path of the result that holds a number (lists are per-day or per-sprint series: skipped)."""
    out: list[str] = []

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif _number(value) or (value is None and prefix):
            out.append(prefix)

    walk("", {k: v for k, v in metrics.items() if k not in _HIDDEN})
    return sorted(out)


def resolve_metric(metrics: MetricsResult, path: str) -> float | None:
    """The number at ``path``; None when the metric exists but has no value; InputError when it is not a metric."""
    value: object = {k: v for k, v in metrics.items() if k not in _HIDDEN}
    found = True
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            found = False
            break
        value = value[part]
    if not found or not (_number(value) or value is None):
        head = path.split(".")[0]
        known = [p for p in numeric_paths(metrics) if p.split(".")[0] == head]
        hint = f"; numbers under '{head}': {', '.join(known)}" if known else "; for example cycle_time.p85"
        raise InputError(f"'{path}' is not a metric that resolves to a number{hint}", metric=path)
    return None if value is None else float(value)  # type: ignore[arg-type]


def classify(value: float | None, comparator: str, threshold: float) -> str:
    """The target's status (the rule is in this module's docstring and docs/web.md)."""
    if value is None or math.isnan(value):
        return "no data"
    met = value <= threshold if comparator == "<=" else value >= threshold
    if met:
        return "on track"
    return "at risk" if abs(value - threshold) <= AT_RISK_MARGIN * abs(threshold) else "off track"


def _check(comparator: str, threshold: float) -> None:
    if comparator not in COMPARATORS:
        raise InputError(f"comparator '{comparator}' is not one of <=, >=", comparator=comparator)
    if not math.isfinite(threshold):
        raise InputError(f"threshold {threshold} is not a finite number", threshold=threshold)


def team_targets(db: Database, actor: Actor, key: str) -> tuple[Team, list[store.TargetRow]]:
    team = access_team(db, actor, key)
    with db.connect() as conn:
        return team, store.list_targets(conn, team.id)


def create_target(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, metric: str, comparator: str,
    threshold: float, now: dt.datetime,
) -> store.TargetRow:  # fmt: skip
    """Add a target (managers); Conflict if the metric already has one."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    _check(comparator, threshold)
    resolve_metric(team_metrics(db, config, key, now=now), metric)
    after = {"metric": metric, "comparator": comparator, "threshold": threshold}
    with db.begin() as conn:
        if store.find_target(conn, team.id, metric) is not None:
            raise Conflict(f"team {team.key} already has a target on {metric}; change it instead", metric=metric)
        store.insert_target(
            conn, team_id=team.id, metric=metric, comparator=comparator, threshold=threshold,
            created_by=actor.user_id or None,
        )  # fmt: skip
        record_change(conn, actor, "create", "metric_target", entity_id=metric, team_id=team.id, after=after, at=now)
        row = store.find_target(conn, team.id, metric)
    assert row is not None
    return row


def update_target(
    db: Database, actor: Actor, key: str, *, metric: str, comparator: str, threshold: float, now: dt.datetime
) -> store.TargetRow:
    """Change a target's comparator and threshold (managers)."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    _check(comparator, threshold)
    with db.begin() as conn:
        row = store.find_target(conn, team.id, metric)
        if row is None:
            raise NotFound(f"team {team.key} has no target on {metric}", metric=metric)
        store.update_target(conn, row.id, comparator=comparator, threshold=threshold)
        record_change(
            conn, actor, "update", "metric_target", entity_id=metric, team_id=team.id,
            before={"metric": metric, "comparator": row.comparator, "threshold": row.threshold},
            after={"metric": metric, "comparator": comparator, "threshold": threshold}, at=now,
        )  # fmt: skip
        updated = store.find_target(conn, team.id, metric)
    assert updated is not None
    return updated


def remove_target(db: Database, actor: Actor, key: str, *, metric: str, now: dt.datetime) -> None:
    """Delete a target (managers)."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    with db.begin() as conn:
        row = store.find_target(conn, team.id, metric)
        if row is None:
            raise NotFound(f"team {team.key} has no target on {metric}", metric=metric)
        store.delete_target(conn, row.id)
        record_change(
            conn, actor, "delete", "metric_target", entity_id=metric, team_id=team.id,
            before={"metric": metric, "comparator": row.comparator, "threshold": row.threshold}, at=now,
        )  # fmt: skip


def save_target(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, metric: str, comparator: str,
    threshold: float, now: dt.datetime,
) -> store.TargetRow:  # fmt: skip
    """Create the target on ``metric``, or change it if the team already has one (the web form's one button)."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    with db.connect() as conn:
        exists = store.find_target(conn, team.id, metric) is not None
    if exists:
        return update_target(db, actor, key, metric=metric, comparator=comparator, threshold=threshold, now=now)
    return create_target(db, config, actor, key, metric=metric, comparator=comparator, threshold=threshold, now=now)


def _safe_value(metrics: MetricsResult, path: str) -> float | None:
    try:
        return resolve_metric(metrics, path)
    except InputError:
        return None  # the analytics moved a key since the target was set: show "no data", never fail the page


def target_statuses(
    db: Database, config: WorkspaceConfig, team: Team, rows: list[store.TargetRow], metrics: MetricsResult,
    *, now: dt.datetime,
) -> list[TargetStatus]:  # fmt: skip
    """Each target against ``metrics`` (the dashboard's range) plus its trend over 4-week windows."""
    if not rows:
        return []
    end = dt.date.fromisoformat(str(metrics["parameters"]["end"]))
    windows = []
    for back in range(TREND_WINDOWS - 1, -1, -1):
        last = end - dt.timedelta(days=_WINDOW_DAYS * back)
        first = last - dt.timedelta(days=_WINDOW_DAYS - 1)
        windows.append((last, team_metrics(db, config, team.key, now=now, start=first, end=last)))
    out = []
    for row in rows:
        value = _safe_value(metrics, row.metric)
        trend = tuple((last.isoformat(), _safe_value(m, row.metric)) for last, m in windows)
        out.append(
            TargetStatus(
                row.metric, row.comparator, row.threshold, value, classify(value, row.comparator, row.threshold), trend
            )
        )
    return out
