"""Estimation health: do bigger estimates take longer? Rank and linear correlation of story points with time.

**Definition.** For items that have both an estimate and a duration, three coefficients between points and the
duration: Spearman's rho (ranks), Kendall's tau-b (concordant pairs, ties corrected) and Pearson's r (linear).
Spearman and Kendall are the ones to read: durations are heavily skewed (Shapiro–Wilk rejects normality on every
TAWOS project), and an estimate is an ordinal scale. A team whose points predict nothing shows rho near 0; the
projects studied by Tawosi, Moussa and Sarro (ESEM 2022) range from 0.2 to 0.52.

**The ESEM 2022 filter** (:func:`esem2022_filter`), reconstructed from the TAWOS extract so that it reproduces the
paper's recomputed counts and coefficients exactly: keep items whose time *In Progress* is over one minute (a
status flicked through is no measurement of work), then drop Tukey outliers of that time — outside
``[Q1 - 1.5 IQR, Q3 + 1.5 IQR]`` with quartiles by linear interpolation, computed over the items kept by the first
step. The same items are then used for every duration (in progress, total effort, resolution time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats

__all__ = ["Correlation", "correlate", "esem2022_filter"]


@dataclass(frozen=True, slots=True)
class Correlation:
    """Coefficients between points and one duration over ``n`` items; None when undefined (n < 3 or constant)."""

    n: int
    spearman: float | None
    kendall: float | None
    pearson: float | None


def _defined(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def correlate(points: npt.ArrayLike, durations: npt.ArrayLike) -> Correlation:
    """Spearman, Kendall tau-b and Pearson between ``points`` and ``durations``; rows with a missing value drop."""
    x = np.asarray(points, dtype=np.float64)
    y = np.asarray(durations, dtype=np.float64)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Correlation(int(x.size), None, None, None)
    return Correlation(
        n=int(x.size),
        spearman=_defined(stats.spearmanr(x, y).statistic),
        kendall=_defined(stats.kendalltau(x, y).statistic),
        pearson=_defined(stats.pearsonr(x, y).statistic),
    )


def esem2022_filter(items: pl.DataFrame, column: str = "in_progress_minutes", *, minimum: float = 1.0) -> pl.DataFrame:
    """The items the ESEM 2022 study keeps: ``column`` above ``minimum`` and within the Tukey fences of the rest."""
    kept = items.filter(pl.col(column) > minimum)
    if kept.height == 0:
        return kept
    q1, q3 = np.percentile(kept[column].to_numpy(), [25, 75])
    spread = 1.5 * (q3 - q1)
    return kept.filter(pl.col(column).is_between(q1 - spread, q3 + spread))
