"""A team's delivery forecasts: "how many items by a date" and "when will N items be done", from its own history.

The throughput sample is the team's delivered items per day (``analytics/throughput.py``) over the ``window_days``
days that end yesterday in the team's time zone — today is not over, and a half day would bias the sample low. The
simulation is ``analytics/forecast.py``. A "how many" forecast on calendar days is recalibrated with the team's own
track record at that horizon (``analytics/backtest.calibrated_levels``, the method ``cadence eval forecast``
evaluates) once its history holds at least 12 scored weekly origins; ``how_many.calibrated`` says whether it was.
Unless a seed is given, the seed is derived from (team, data version, day), so the same question asked twice on the
same day gets the same answer, and any new history changes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from cadence.analytics.backtest import HindcastSettings, calibrated_levels, hindcast
from cadence.analytics.forecast import (
    FORECAST_PERCENTILES,
    DayKind,
    forecast_how_many,
    forecast_when,
    simulated_days,
    throughput_sample,
)
from cadence.analytics.history import build_history
from cadence.analytics.milestones import item_milestones
from cadence.analytics.throughput import throughput
from cadence.domain.errors import InputError
from cadence.services.team_metrics import load_team, team_frames
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database

__all__ = ["REFERENCE_HORIZON", "team_forecast"]

REFERENCE_HORIZON = 28
"""The horizon (days) of the track record shown beside a "when" forecast, which has no horizon of its own."""


def _seed(team_id: int, data_version: int, day: dt.date) -> int:
    digest = hashlib.sha256(f"{team_id}:{data_version}:{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def team_forecast(
    db: Database,
    config: WorkspaceConfig,
    key: str,
    *,
    now: dt.datetime,
    items: int | None = None,
    until: dt.date | None = None,
    window_days: int = 56,
    days: DayKind = "calendar",
    trials: int = 10_000,
    scope_growth: float = 0.0,
    seed: int | None = None,
) -> dict[str, Any]:
    """Forecast team ``key`` from today (in its zone): ``items`` -> "when", ``until`` -> "how many"; one or both.

    JSON-ready: the sample's window and totals, then ``when`` (percentile -> ISO date or null) and/or ``how_many``
    (percentile -> at least this many items, and whether the answer was recalibrated), and ``track_record``: the
    team's own back-test at the same horizon, so every forecast says how often such forecasts came true.
    """
    if items is None and until is None:
        raise InputError("ask for a number of items ('when') or an end date ('how many'), or both")
    team = load_team(db, key)
    settings = config.for_team(key)
    tz = settings.time_zone or team.timezone or "UTC"
    today = now.astimezone(ZoneInfo(tz)).date()
    if until is not None and until < today:
        raise InputError(f"the end date {until} is before today ({today}) in the team's time zone {tz}")
    last = today - dt.timedelta(days=1)
    first = last - dt.timedelta(days=window_days - 1)
    frames = team_frames(db, team)
    history = build_history(frames.items, frames.transitions, settings.workflow)
    milestones = item_milestones(history.intervals, frames.items, settings.workflow)
    earliest = milestones.filter(pl.col("delivered"))["done_at"].min()
    since = min(first, earliest.astimezone(ZoneInfo(tz)).date()) if isinstance(earliest, dt.datetime) else first
    daily = throughput(milestones, start=since, end=last, tz=tz)
    sample = throughput_sample(daily, end=last, window_days=window_days, days=days)
    rng = np.random.default_rng(_seed(team.id, team.data_version, today) if seed is None else seed)
    result: dict[str, Any] = {
        "team": {"key": team.key, "name": team.name, "data_version": team.data_version},
        "sample": {"from": first.isoformat(), "to": last.isoformat(), "days": days, "delivered": int(sample.sum())},
        "trials": trials,
    }
    if until is not None:
        levels: dict[int, float] = {}
        if days == "calendar":
            levels = calibrated_levels(
                daily["count"].to_numpy(),
                simulated_days(today, until, days),
                FORECAST_PERCENTILES,
                rng=rng,
                settings=HindcastSettings(window=window_days, trials=1000),
            )
        how_many = forecast_how_many(sample, today, until, rng=rng, trials=trials, days=days, levels=levels)
        result["how_many"] = {
            "from": today.isoformat(),
            "to": until.isoformat(),
            "items": {str(p): n for p, n in how_many.items.items()},
            "calibrated": bool(levels),
        }
    horizon = simulated_days(today, until, "calendar") if until is not None else REFERENCE_HORIZON
    result["track_record"] = _track_record(daily["count"].to_numpy(), max(horizon, 1), window_days, rng)
    if items is not None:
        when = forecast_when(sample, items, today, rng=rng, trials=trials, days=days, scope_growth=scope_growth)
        result["when"] = {
            "items": items,
            "scope_growth": scope_growth,
            "dates": {str(p): None if d is None else d.isoformat() for p, d in when.dates.items()},
            "unfinished_share": when.unfinished_share,
        }
    return result


def _track_record(
    counts: np.ndarray[Any, Any], horizon: int, window_days: int, rng: np.random.Generator
) -> dict[str, Any]:
    """How often this team's own past forecasts at this horizon came true: the back-test shown beside a forecast.

    Rolling origins a week apart, each forecast made only from the ``window_days`` before it (the method of
    ``cadence eval forecast``); ``p85_coverage`` is the share of origins whose outcome reached the P85 "at least".
    """
    score = hindcast(counts, [horizon], rng=rng, settings=HindcastSettings(window=window_days, trials=1000))[horizon]
    return {
        "horizon_days": horizon,
        "origins": score.origins,
        "p50_coverage": score.p50_coverage,
        "p85_coverage": score.p85_coverage,
        "bias": score.bias,
    }
