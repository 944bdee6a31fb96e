"""Will this sprint deliver what it commits? Past velocity, say/do and a throughput simulation against one sprint.

Three independent readings of the same sprint, each from the team's own recent history: its committed points
against what recent sprints delivered (:func:`velocity_outlook`), the items still open in it against a Monte Carlo
of the days left (:func:`items_outlook`, on ``analytics/forecast.py``), and how reliably recent sprints kept their
commitments (:func:`commitment_reliability`). :func:`commitment_verdict` turns the first into one sentence.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from cadence.analytics.forecast import DayKind, forecast_how_many, simulated_days
from cadence.analytics.percentiles import nearest_rank

__all__ = [
    "CommitmentFit",
    "ItemsOutlook",
    "Reliability",
    "VelocityOutlook",
    "at_least_levels",
    "commitment_reliability",
    "commitment_verdict",
    "items_outlook",
    "items_verdict",
    "reliability_verdict",
    "usual_length",
    "velocity_outlook",
]

CommitmentFit = Literal["fits", "stretch", "too_big", "no_history", "no_commitment"]


def _clean(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    return arr[~np.isnan(arr)]


def at_least_levels(values: npt.ArrayLike, confidences: Sequence[float] = (0.5, 0.85)) -> dict[float, float | None]:
    """At each confidence c, the largest observed value that at least c of ``values`` reached or exceeded: the sorted
    values at index ``n - ceil(c * n)`` (the nearest-rank "at least" of ``forecast.at_least``); None when empty."""
    ordered = np.sort(_clean(values))
    if ordered.size == 0:
        return dict.fromkeys(confidences)
    return {c: float(ordered[ordered.size - math.ceil(c * ordered.size)]) for c in confidences}


@dataclass(frozen=True, slots=True)
class VelocityOutlook:
    """A sprint's committed points against the delivered points of the last ``sprints`` closed sprints."""

    sprints: int
    committed: float | None
    p50: float | None
    p85: float | None
    low: float | None
    high: float | None
    fit: CommitmentFit


def velocity_outlook(delivered: npt.ArrayLike, committed: float | None) -> VelocityOutlook:
    """**Velocity outlook**: the sprint's committed points against the velocity (completed points) of the team's last
    closed sprints, read as empirical "at least" levels: P85 is the largest velocity that at least 85 % of those
    sprints reached, P50 the largest that at least half reached (sorted velocities at index n - ceil(p n)). The
    commitment *fits* when it is at most P85, is a *stretch* when it is above P85 but at most P50, and is *too big*
    above P50. The next sprint is one draw from the same distribution, so the empirical levels are used as they are: a
    bootstrap of single past sprints would give the same levels plus simulation noise.
    """
    values = _clean(delivered)
    levels = at_least_levels(values)
    p50, p85 = levels[0.5], levels[0.85]
    fit: CommitmentFit
    if committed is None:
        fit = "no_commitment"
    elif p50 is None or p85 is None:
        fit = "no_history"
    elif committed <= p85:
        fit = "fits"
    elif committed <= p50:
        fit = "stretch"
    else:
        fit = "too_big"
    low = float(values.min()) if values.size else None
    high = float(values.max()) if values.size else None
    return VelocityOutlook(int(values.size), committed, p50, p85, low, high, fit)


@dataclass(frozen=True, slots=True)
class Reliability:
    """Say/do (points) of the last closed sprints: median, P15 and P85 (nearest rank), share at 100 % or more."""

    sprints: int
    median: float | None
    p15: float | None
    p85: float | None
    share_met: float | None


def commitment_reliability(say_do: npt.ArrayLike) -> Reliability:
    """**Commitment reliability**: the distribution of say/do by points (completed committed points / committed
    points) over the team's last closed sprints that committed points — its median, P15 and P85 by nearest rank — and
    the share of those sprints that completed at least 100 % of their commitment.
    """
    values = _clean(say_do)
    if values.size == 0:
        return Reliability(0, None, None, None, None)
    ranks = nearest_rank(values, (15, 50, 85))
    return Reliability(int(values.size), ranks[50], ranks[15], ranks[85], float(np.mean(values >= 1.0)))


@dataclass(frozen=True, slots=True)
class ItemsOutlook:
    """Items still open in the sprint against the simulated deliveries of its remaining days."""

    start: dt.date
    end: dt.date
    days: int
    open_items: int | None
    p50: int
    p85: int
    fit: CommitmentFit


def items_outlook(
    sample: npt.ArrayLike,
    open_items: int | None,
    start: dt.date,
    end: dt.date,
    *,
    rng: np.random.Generator,
    trials: int = 10_000,
    days: DayKind = "calendar",
) -> ItemsOutlook:
    """**Items outlook**: the items still open in the sprint against a Monte Carlo "how many" forecast
    (``analytics/forecast.py``) of the team's deliveries from ``start`` to the sprint's last day ``end``, both
    included. The open items *fit* when they are at most the P85 "at least" (85 % of trials deliver that many or more),
    are a *stretch* up to the P50, and are *too big* above it. A sprint with no day left delivers nothing more.
    """
    if end < start:
        return ItemsOutlook(start, end, 0, open_items, 0, 0, _fit(open_items, 0, 0))
    forecast = forecast_how_many(sample, start, end, rng=rng, trials=trials, days=days, percentiles=(50, 85))
    p50, p85 = forecast.items[50], forecast.items[85]
    return ItemsOutlook(start, end, simulated_days(start, end, days), open_items, p50, p85, _fit(open_items, p50, p85))


def _fit(amount: float | None, p50: float, p85: float) -> CommitmentFit:
    if amount is None:
        return "no_commitment"
    if amount <= p85:
        return "fits"
    return "stretch" if amount <= p50 else "too_big"


def usual_length(lengths_days: npt.ArrayLike, default: int = 14) -> int:
    """The median of past sprints' lengths in days, rounded to whole days; ``default`` when there are none."""
    lengths = _clean(lengths_days)
    lengths = lengths[lengths > 0]
    return max(round(float(np.median(lengths))), 1) if lengths.size else default


_READING: dict[CommitmentFit, str] = {
    "fits": "the commitment is realistic",
    "stretch": "the commitment is a stretch: about half of those sprints delivered this much",
    "too_big": "the commitment is likely too big",
}


def _points(value: float) -> str:
    return f"{value:g}"


def commitment_verdict(outlook: VelocityOutlook, *, sprint: str = "this sprint") -> str:
    """One plain sentence: the commitment, the delivered range of the last sprints (P85-P50) and the reading."""
    if outlook.fit == "no_history":
        return f"{sprint} commits {_points(outlook.committed or 0)} points; no closed sprint to compare it with yet."
    recent = f"your last {outlook.sprints} sprint{'s' if outlook.sprints != 1 else ''}"
    spread = (
        f"delivered {_points(outlook.p85 or 0)}-{_points(outlook.p50 or 0)} points (P85-P50)"
        if outlook.p85 != outlook.p50
        else f"delivered {_points(outlook.p50 or 0)} points (P85 and P50)"
    )
    if outlook.fit == "no_commitment" or outlook.committed is None:
        return f"{sprint} has no commitment yet; {recent} {spread}: plan up to {_points(outlook.p85 or 0)} points."
    return f"{sprint} commits {_points(outlook.committed)} points; {recent} {spread}: {_READING[outlook.fit]}."


_ITEMS_READING: dict[CommitmentFit, str] = {
    "fits": "likely to finish them",
    "stretch": "a coin flip to finish them all",
    "too_big": "unlikely to finish them all",
}


def items_verdict(outlook: ItemsOutlook) -> str:
    """One plain sentence: the open items, the days left and what the simulated pace says of them."""
    days = f"{outlook.days} day{'s' if outlook.days != 1 else ''}"
    pace = f"at your recent pace the team delivers at least {outlook.p85} (P85) to {outlook.p50} (P50) items in {days}"
    if outlook.open_items is None:
        return f"{pace[0].upper()}{pace[1:]}."
    if outlook.days == 0:
        return f"{outlook.open_items} items are still open and no day is left."
    return f"{outlook.open_items} items are still open; {pace}: {_ITEMS_READING[outlook.fit]}."


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def reliability_verdict(reliability: Reliability) -> str:
    """One plain sentence on the say/do distribution of the last sprints."""
    if reliability.sprints == 0:
        return "No closed sprint with a commitment yet."
    met = round((reliability.share_met or 0) * reliability.sprints)
    return (
        f"Over the last {reliability.sprints} sprints, say/do was {_percent(reliability.median)} at the median "
        f"(P15 {_percent(reliability.p15)}, P85 {_percent(reliability.p85)}); {met} of {reliability.sprints} "
        "delivered their full commitment."
    )
