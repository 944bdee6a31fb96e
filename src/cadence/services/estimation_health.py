"""A team's estimation health: does the size of its items predict how long they take?

The team's items delivered over the last ``weeks`` weeks (dates in its time zone, up to today) that carry an
estimate. The correlation between points and cycle time (``analytics/correlation.py``) is computed on the items the
ESEM 2022 filter keeps, applied to cycle time in minutes (over one minute, within the Tukey fences), so the team's
coefficient reads against the published projects. The per-size table (``analytics/size_durations.py``) uses every
estimated delivered item, outliers included: a P85 that leaves out the slow items would promise too much. Results are
cached per (team, data version, day, weeks).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cadence.analytics.correlation import correlate, esem2022_filter
from cadence.analytics.cycle_time import cycle_times
from cadence.analytics.days import epoch_day, local_day
from cadence.analytics.serialize import json_rows
from cadence.analytics.size_durations import MIN_ITEMS_PER_SIZE, correlation_reading, cycle_time_by_size
from cadence.domain.errors import InputError
from cadence.services.caches import Cache
from cadence.services.sprint_forecast import team_history
from cadence.services.team_metrics import load_team
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database

__all__ = ["DEFAULT_WEEKS", "clear_cache", "estimation_health"]

DEFAULT_WEEKS = 26
"""Half a year of deliveries: enough items per size for a median, recent enough to be today's estimating habits."""

_RESULTS = Cache("estimation_health", 64)

_READINGS = {
    "unknown": "not enough estimated deliveries to tell",
    "none": "size does not predict duration for this team",
    "weak": "size predicts duration weakly",
    "moderate": "size predicts duration moderately — as well as the best projects studied",
}


def clear_cache() -> None:
    _RESULTS.clear()


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".removesuffix(".0")


def _size(value: float) -> str:
    return f"{value:g}"


def _article(value: float) -> str:
    spoken = _size(value)
    return "an" if spoken.startswith("8") or spoken in ("11", "18") else "a"


def _size_sentence(row: dict[str, Any]) -> str:
    points = row["points"]
    return (
        f"{_article(points)} {_size(points)} takes {_days(row['p50_days'])} days at the median, "
        f"{_days(row['p85_days'])} at P85 ({row['items']} items)"
    )


def estimation_health(
    db: Database, config: WorkspaceConfig, key: str, *, now: dt.datetime, weeks: int = DEFAULT_WEEKS
) -> dict[str, Any]:
    """The estimation health of team ``key`` (JSON-ready; keys documented in docs/forecasting.md)."""
    if weeks < 1:
        raise InputError(f"the window must hold at least one week, not {weeks}")
    team = load_team(db, key)
    settings = config.for_team(key)
    tz = settings.time_zone or team.timezone or "UTC"
    today = now.astimezone(ZoneInfo(tz)).date()
    first = today - dt.timedelta(weeks=weeks) + dt.timedelta(days=1)

    def compute() -> dict[str, Any]:
        milestones = team_history(db, config, team).milestones
        in_range = local_day(pl.col("done_at"), tz).is_between(epoch_day(first), epoch_day(today)).fill_null(False)
        delivered = milestones.filter(pl.col("delivered") & in_range)
        cycle = cycle_times(delivered, tz=tz).join(delivered.select("item_id", "estimate"), on="item_id")
        estimated = cycle.filter(pl.col("estimate").is_not_null()).with_columns(
            (pl.col("cycle_time_days") * 1440).alias("cycle_time_minutes")
        )
        kept = esem2022_filter(estimated, "cycle_time_minutes")
        coefficients = correlate(kept["estimate"].to_numpy(), kept["cycle_time_days"].to_numpy())
        reading = correlation_reading(coefficients)
        sizes = cycle_time_by_size(estimated["estimate"].to_numpy(), estimated["cycle_time_days"].to_numpy())
        rows = sizes.to_dicts()
        return {
            "team": {"key": team.key, "name": team.name, "data_version": team.data_version},
            "parameters": {
                "from": first.isoformat(),
                "to": today.isoformat(),
                "tz": tz,
                "weeks": weeks,
                "filter": "esem2022 on cycle time in minutes",
                "min_items_per_size": MIN_ITEMS_PER_SIZE,
            },
            "delivered": cycle.height,
            "estimated": estimated.height,
            "correlation": {
                "n": coefficients.n,
                "spearman": coefficients.spearman,
                "kendall": coefficients.kendall,
                "pearson": coefficients.pearson,
                "reading": reading,
                "verdict": _READINGS[reading],
            },
            "sizes": json_rows(sizes),
            "size_sentences": [_size_sentence(r) for r in rows],
            "overlaps": [
                f"{_size(r['points'])}-point items take no longer than {_size(r['overlaps_with'])}-point items at the "
                f"median ({_days(r['p50_days'])} days against "
                f"{_days(next(o['p50_days'] for o in rows if o['points'] == r['overlaps_with']))})"
                for r in rows
                if r["overlaps"]
            ],
        }

    return _RESULTS.get_or_compute((db.label, team.id, team.data_version, today, weeks, id(config)), compute)
