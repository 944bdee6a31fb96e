"""Each delivered item's cycle time over a range: the points of the cycle-time scatter.

The metrics result carries only percentile summaries (it is an API answer and must stay small); the scatter
needs one point per delivered item, so this reads the same cached frames and the same analytics functions, and
caches its answer per (team, data version, range) like ``team_metrics`` does.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import polars as pl

from cadence.analytics.cycle_time import cycle_times
from cadence.analytics.days import epoch_day, local_day
from cadence.analytics.history import build_history
from cadence.analytics.milestones import item_milestones
from cadence.analytics.serialize import json_rows
from cadence.domain.model import Team
from cadence.services.team_metrics import team_frames
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database

__all__ = ["delivered_cycle_times"]

_CACHE: OrderedDict[Hashable, list[dict[str, Any]]] = OrderedDict()
_LOCK = threading.Lock()
_SIZE = 64


def delivered_cycle_times(
    db: Database, config: WorkspaceConfig, team: Team, *, start: dt.date, end: dt.date, tz: str
) -> list[dict[str, Any]]:
    """Rows ``{key, type, done_at, cycle_time_days, cycle_time_calendar_days}`` of items delivered in [start, end]."""
    key = (db.label, team.id, team.data_version, start, end, tz, id(config))
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    workflow = config.for_team(team.key).workflow
    frames = team_frames(db, team)
    history = build_history(frames.items, frames.transitions, workflow)
    milestones = item_milestones(history.intervals, frames.items, workflow)
    in_range = local_day(pl.col("done_at"), tz).is_between(epoch_day(start), epoch_day(end)).fill_null(False)
    cycle = cycle_times(milestones.filter(pl.col("delivered") & in_range), tz=tz)
    rows = json_rows(
        cycle.select("key", "type", "done_at", "cycle_time_days", "cycle_time_calendar_days").sort("done_at")
    )
    with _LOCK:
        _CACHE[key] = rows
        while len(_CACHE) > _SIZE:
            _CACHE.popitem(last=False)
    return rows
