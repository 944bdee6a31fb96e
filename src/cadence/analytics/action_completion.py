"""Follow-through of action items: the completion rate, and whether the metric an action targets moved the right way.

Pure functions over an actions frame (one row per action: ``due_on`` date, ``status`` open | done | dropped,
``done_on`` the date it was closed in the team's zone, or null) — the service reads the rows and converts times.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl

__all__ = ["BETTER", "better_direction", "completion_rate", "metric_check"]

BETTER: dict[str, str] = {
    "cycle_time": "lower",
    "lead_time": "lower",
    "cycle_time_control_chart": "lower",
    "cycle_time_peer": "lower",
    "little_law": "lower",
    "blocked": "lower",
    "reopen_rate": "lower",
    "backward_moves": "lower",
    "bug_share": "lower",
    "escaped_defects": "lower",
    "unplanned_share": "lower",
    "flow_efficiency": "higher",
    "say_do": "higher",
    "data_quality": "higher",
}
"""Which way is better, per metric family (the first part of the metric's dotted key), defined once. A key whose
last part is a rate of delivery (``throughput_per_day``) is better higher whatever its family."""
_HIGHER_LEAVES = ("throughput_per_day", "say_do_points", "say_do_items", "efficiency")


def better_direction(metric: str) -> str | None:
    """``"lower"`` or ``"higher"`` for a metric key, or None when Cadence does not know which way is better."""
    leaf = metric.rsplit(".", 1)[-1]
    if leaf in _HIGHER_LEAVES:
        return "higher"
    return BETTER.get(metric.split(".", 1)[0])


def completion_rate(actions: pl.DataFrame, *, start: dt.date, end: dt.date) -> dict[str, Any]:
    """**Completion rate**: of the action items due in the window `[start, end]` (their due date inside it), the
    share that were done on or before their due date (status `done` and the day they were closed, in the team's
    zone, not after the due date). Dropped and still-open actions due in the window count in the denominator and
    not in the numerator; actions without a due date are left out. Null when nothing was due in the window.
    """
    due = actions.filter(pl.col("due_on").is_not_null() & pl.col("due_on").is_between(start, end))
    on_time = due.filter((pl.col("status") == "done") & pl.col("done_on").is_not_null())
    on_time = on_time.filter(pl.col("done_on") <= pl.col("due_on"))
    total, done = due.height, on_time.height
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "due": total,
        "done_on_time": done,
        "rate": done / total if total else None,
    }


def metric_check(baseline: float | None, current: float | None, better: str | None) -> dict[str, Any]:
    """The before/after check of an action's metric: the change (current minus baseline) and whether it improved.

    ``improved`` is None when either value is missing or the direction of "better" is unknown; an unchanged value
    is not an improvement.
    """
    known = baseline is not None and current is not None and math.isfinite(baseline) and math.isfinite(current)
    change = (current - baseline) if known else None  # type: ignore[operator]
    improved: bool | None = None
    if change is not None and better is not None:
        improved = change < 0 if better == "lower" else change > 0
    return {"baseline": baseline, "current": current, "change": change, "better": better, "improved": improved}
