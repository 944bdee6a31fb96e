"""Sprint outcomes — say/do and how well a sprint's delivered points can be forecast while it runs.

**Definitions** (one row per sprint, in story points):

- *committed* (say) = the scope at sprint start (``vel_starttime``);
- *scope at t* = committed + added - removed by the time ``t`` % of the sprint has elapsed;
- *delivered* (do) = the points done at sprint close = scope at t + ``vel_diff`` at t (the same for every t);
- *say/do* = delivered / committed, for sprints that committed something. Delivered points include work added
  during the sprint, so say/do can exceed 1; the completed-committed ratio of ``docs/metrics.md`` needs item
  histories the sprint datasets do not carry.

**Forecasts evaluated at each t** (the question of Choetkiertikul et al., TSE 2017: what will this sprint deliver?):

- ``plan``: the sprint delivers its scope at t (the team's own plan);
- ``history``: the scope at t times the median delivered / scope-at-t ratio of the *same board's earlier sprints*
  (ordered by sprint id, at least three with a scope), else ``plan``. Only earlier sprints inform a forecast.

Scores: mean and median absolute error in points, over sprints with a positive scope at t.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

__all__ = ["delivered_points", "evaluate_sprint_forecasts", "history_ratio", "say_do_summary"]

_MIN_HISTORY = 3


def _scope(frame: pl.DataFrame) -> pl.Expr:
    return pl.col("vel_starttime") + pl.col("vel_added") - pl.col("vel_removed")


def delivered_points(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds scope_t and delivered (see the module docstring) to an iteration frame."""
    return frame.with_columns(_scope(frame).alias("scope_t")).with_columns(
        (pl.col("scope_t") + pl.col("vel_diff")).alias("delivered")
    )


def say_do_summary(frame: pl.DataFrame) -> dict[str, Any]:
    """Distribution of delivered / committed over sprints that committed points: n, mean and P10–P90."""
    rows = delivered_points(frame).filter(pl.col("vel_starttime") > 0)
    ratio = (rows["delivered"] / rows["vel_starttime"]).to_numpy()
    if ratio.size == 0:
        return {"n": 0}
    quantiles = np.quantile(ratio, [0.1, 0.25, 0.5, 0.75, 0.9])
    summary: dict[str, Any] = {"n": int(ratio.size), "mean": round(float(ratio.mean()), 4)}
    summary.update({f"p{p}": round(float(q), 4) for p, q in zip((10, 25, 50, 75, 90), quantiles, strict=True)})
    summary["share_at_least_committed"] = round(float(np.mean(ratio >= 1.0)), 4)
    return summary


def history_ratio(frame: pl.DataFrame) -> pl.Series:
    """Per sprint, the median delivered / scope-at-t ratio of its board's earlier sprints (null if fewer than 3)."""
    rows = delivered_points(frame).with_row_index("_row").sort("boardid", "sprintid")
    ratios: list[float | None] = []
    for _, board in rows.group_by("boardid", maintain_order=True):
        past: list[float] = []
        for scope, delivered in zip(board["scope_t"], board["delivered"], strict=True):
            ratios.append(float(np.median(past)) if len(past) >= _MIN_HISTORY else None)
            if scope > 0:
                past.append(delivered / scope)
    order = rows["_row"].to_numpy()
    result: list[float | None] = [None] * len(ratios)
    for position, row in enumerate(order):
        result[int(row)] = ratios[position]
    return pl.Series("history_ratio", result, dtype=pl.Float64)


def evaluate_sprint_forecasts(iterations: Mapping[int, pl.DataFrame]) -> dict[str, Any]:
    """Sprint count, say/do distribution and forecast errors at each elapsed share ``t`` of ``iterations``."""
    first = iterations[min(iterations)]
    forecasts: dict[str, Any] = {}
    for t, frame in sorted(iterations.items()):
        rows = delivered_points(frame).with_columns(history_ratio(frame)).filter(pl.col("scope_t") > 0)
        actual = rows["delivered"].to_numpy()
        plan = rows["scope_t"].to_numpy()
        ratio = rows["history_ratio"].fill_null(1.0).to_numpy()
        history = plan * ratio
        forecasts[str(t)] = {
            "n": int(actual.size),
            "plan_mae": round(float(np.mean(np.abs(plan - actual))), 4) if actual.size else None,
            "plan_mdae": round(float(np.median(np.abs(plan - actual))), 4) if actual.size else None,
            "history_mae": round(float(np.mean(np.abs(history - actual))), 4) if actual.size else None,
            "history_mdae": round(float(np.median(np.abs(history - actual))), 4) if actual.size else None,
        }
    return {
        "sprints": first.height,
        "boards": first["boardid"].n_unique(),
        "say_do": say_do_summary(first),
        "forecasts": forecasts,
    }
