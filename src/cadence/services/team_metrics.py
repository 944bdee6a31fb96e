"""A team's flow and sprint metrics and its data-quality report, computed from cached frames.

Frames are read from the store once per (database, team, data version) and kept in memory; any write to a
team's history bumps its data version, so a cached entry can never be stale — it is simply never asked for again.
Results are cached too, per (team, version, range, minute of ``now``): ages move with the clock, nothing else does.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from cadence.analytics.suite import compute_metrics
from cadence.analytics.team_frames import TeamFrames
from cadence.domain.errors import InputError, NotFound
from cadence.domain.model import Team
from cadence.services.workspace_config import TeamConfig, WorkspaceConfig, workflow_from_board
from cadence.store import read_models as R
from cadence.store.database import Database
from cadence.store.migrations import require_current
from cadence.store.teams import board_stages, find_team, list_teams

__all__ = ["DEFAULT_WEEKS", "MetricsResult", "clear_caches", "load_team", "team_frames", "team_metrics"]

DEFAULT_WEEKS = 12
"""The default range: the last twelve weeks, long enough for stable percentiles, short enough to be current."""

MetricsResult = dict[str, Any]
T = TypeVar("T")


class _Lru:
    """A small thread-safe LRU; web workers share it."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]  # type: ignore[no-any-return]
            self.misses += 1
        value = compute()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self._size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0


_FRAMES = _Lru(16)
_RESULTS = _Lru(128)


def clear_caches() -> None:
    _FRAMES.clear()
    _RESULTS.clear()


def load_team(db: Database, key: str) -> Team:
    """The team ``key`` (with its current data version), or :class:`NotFound` naming the known keys."""
    require_current(db)
    with db.connect() as conn:
        team = find_team(conn, key)
        if team is None:
            known = ", ".join(t.key for t in list_teams(conn)) or "none yet"
            raise NotFound(f"no team with key '{key}' (known teams: {known})", team=key)
    return team


def team_frames(db: Database, team: Team) -> TeamFrames:
    """The team's read frames, from the cache when its data version has not changed."""

    def read() -> TeamFrames:
        with db.connect() as conn:
            ids = [team.id]
            return TeamFrames(
                items=R.read_items(conn, ids),
                transitions=R.read_transitions(conn, ids),
                sprints=R.read_sprints(conn, ids),
                sprint_changes=R.read_sprint_changes(conn, ids),
                estimate_changes=R.read_estimate_changes(conn, ids),
                flag_changes=R.read_flag_changes(conn, ids),
                escalated_bugs=R.read_escalated_bugs(conn, ids),
            ).conformed()

    return _FRAMES.get_or_compute((db.label, team.id, team.data_version), read)


def _range(start: dt.date | None, end: dt.date | None, now: dt.datetime, tz: str) -> tuple[dt.date, dt.date]:
    last = end or now.astimezone(ZoneInfo(tz)).date()
    first = start or last - dt.timedelta(weeks=DEFAULT_WEEKS) + dt.timedelta(days=1)
    if first > last:
        raise InputError(f"the range starts on {first} after it ends on {last}; swap --from and --to")
    return first, last


def team_metrics(
    db: Database,
    config: WorkspaceConfig,
    key: str,
    *,
    now: dt.datetime,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> MetricsResult:
    """Every metric of team ``key`` over [start, end] (default: the last twelve weeks, in the team's zone)."""
    team = load_team(db, key)
    settings: TeamConfig = config.for_team(key)
    workflow, status_categories = settings.workflow, None
    if not settings.explicit:
        with db.connect() as conn:
            stages = board_stages(conn, team.id)
        from_board = workflow_from_board(stages) if stages else None
        if from_board is not None:
            workflow, status_categories = from_board
    tz = settings.time_zone or team.timezone or "UTC"
    first, last = _range(start, end, now, tz)
    minute = now.replace(second=0, microsecond=0)
    cache_key = (db.label, team.id, team.data_version, first, last, minute, id(config))

    def compute() -> MetricsResult:
        result = compute_metrics(
            team_frames(db, team),
            workflow,
            start=first,
            end=last,
            now=now,
            tz=tz,
            unplanned_types=settings.metrics.unplanned_types,
            bug_types=settings.metrics.bug_types,
            production_label=settings.metrics.production_label,
            status_categories=status_categories,
        )
        result["team"] = {"key": team.key, "name": team.name, "data_version": team.data_version}
        return result

    return _RESULTS.get_or_compute(cache_key, compute)
