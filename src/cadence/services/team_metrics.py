"""A team's flow and sprint metrics and its data-quality report, computed from cached frames.

Frames are read from the store once per (database, team, data version) and kept in memory; any write to a
team's item history bumps its data version, so a cached entry can never be stale — it is replaced by the next
version's frames (one entry per team: a workspace of many teams keeps each team's frames, whatever the churn).
Results are cached too, per (team, version, range), and refreshed as the clock moves (ages move with it, nothing
else does): after :data:`METRICS_REFRESH_SECONDS` the result is served while one background thread computes the next
(``Cache.get_or_refresh``), so no request waits at the turn of a period; the result's ``now`` says when it was taken.
A missing entry is computed once: concurrent requests for it wait for that computation instead of repeating it
(a 50k-item team's frames take seconds to read; a burst of requests must not read them once each).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from cadence.analytics.suite import compute_metrics
from cadence.analytics.team_frames import TeamFrames
from cadence.domain.errors import InputError, NotFound
from cadence.domain.model import Team
from cadence.services.caches import Cache, team_slot
from cadence.services.workspace_config import TeamConfig, WorkspaceConfig, workflow_from_board
from cadence.store import read_models as R
from cadence.store.database import Database
from cadence.store.migrations import require_current
from cadence.store.teams import board_stages, find_team, list_teams

__all__ = ["DEFAULT_WEEKS", "FRAME_TEAMS", "MetricsResult", "clear_caches", "load_team", "team_frames", "team_metrics"]

DEFAULT_WEEKS = 12
"""The default range: the last twelve weeks, long enough for stable percentiles, short enough to be current."""

MetricsResult = dict[str, Any]


FRAME_TEAMS = 64
"""Teams whose frames one process keeps at most (one version each); the byte budget (``services.caches``) usually
binds first: every cache of a team warm takes ~10 MB for 5k items and ~100 MB for 50k (docs/benchmarks.md)."""

METRICS_REFRESH_SECONDS = 300
"""A team's metrics older than this are recomputed in the background while the older result is served: ages and
times in progress move by days, so five minutes cannot change what a reader concludes; a data change (a sync, an
edit) is a new data version and computed at once."""
METRICS_STALE_SECONDS = 1800
"""Past this age a team's metrics are recomputed before answering (a team nobody looked at for half an hour)."""

_FRAMES = Cache("team_frames", FRAME_TEAMS, slot=team_slot)
_RESULTS = Cache("team_metrics", 256)


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
    cache_key = (db.label, team.id, team.data_version, first, last, id(config))

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

    return _RESULTS.get_or_refresh(
        cache_key,
        compute,
        now=now.timestamp(),
        refresh_after=METRICS_REFRESH_SECONDS,
        stale_limit=METRICS_STALE_SECONDS,
    )
