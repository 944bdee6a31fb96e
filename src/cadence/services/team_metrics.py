"""A team's flow and sprint metrics and its data-quality report, computed from cached frames.

Frames are read from the store once per (database, team, data version) and kept in memory; any write to a
team's item history bumps its data version, so a cached entry can never be stale — it is replaced by the next
version's frames (one entry per team: a workspace of many teams keeps each team's frames, whatever the churn).
Results are cached too, per (team, version, range, minute of ``now``): ages move with the clock, nothing else does.
Each team's minute starts at its own second (7 x team id): 20 teams' results expire spread over the minute, not at
once (20 teams on two instances would otherwise recompute 40 results in the same second).
A missing entry is computed once: concurrent requests for it wait for that computation instead of repeating it
(a 50k-item team's frames take seconds to read; a burst of requests must not read them once each).
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

__all__ = ["DEFAULT_WEEKS", "FRAME_TEAMS", "MetricsResult", "clear_caches", "load_team", "team_frames", "team_metrics"]

DEFAULT_WEEKS = 12
"""The default range: the last twelve weeks, long enough for stable percentiles, short enough to be current."""

MetricsResult = dict[str, Any]
T = TypeVar("T")


class _Lru:
    """A small thread-safe LRU; web workers share it. A missing key is computed by one thread while the others
    asking for it wait (if that computation fails, the next waiter tries). With ``slot``, keys sharing a slot
    replace each other (a team's newer data version evicts its older one at once)."""

    def __init__(self, size: int, slot: Callable[[Hashable], Hashable] | None = None) -> None:
        self._size = size
        self._slot = slot
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._owner: dict[Hashable, Hashable] = {}  # slot -> the key stored for it
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        while True:
            with self._lock:
                if key in self._data:
                    self._data.move_to_end(key)
                    self.hits += 1
                    return self._data[key]  # type: ignore[no-any-return]
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = threading.Event()
                    self.misses += 1
                    break
            pending.wait()
        try:
            value = compute()
            with self._lock:
                self._store(key, value)
        finally:
            with self._lock:
                del self._pending[key]
            pending.set()
        return value

    def _store(self, key: Hashable, value: Any) -> None:
        if self._slot is not None:
            slot = self._slot(key)
            previous = self._owner.get(slot)
            if previous is not None and previous != key:
                self._data.pop(previous, None)
            self._owner[slot] = key
        self._data[key] = value
        while len(self._data) > self._size:
            evicted, _ = self._data.popitem(last=False)
            if self._slot is not None and self._owner.get(self._slot(evicted)) == evicted:
                del self._owner[self._slot(evicted)]

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._owner.clear()
            self.hits = self.misses = 0


def _team_slot(key: Hashable) -> Hashable:
    assert isinstance(key, tuple)
    return key[:2]  # (database, team id): one data version per team


FRAME_TEAMS = 64
"""Teams whose frames one process keeps (one version each). Measured with every cache of a team warm (frames,
metrics, forecasts, backlog): ~20 MB per 5k-item team, ~80 MB per 20k-item team (docs/benchmarks.md)."""

_FRAMES = _Lru(FRAME_TEAMS, slot=_team_slot)
_RESULTS = _Lru(256)


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
    # each team's minute starts at its own second, so a workspace's teams do not all recompute at the same instant
    minute = int(now.timestamp() + team.id * 7) // 60
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
