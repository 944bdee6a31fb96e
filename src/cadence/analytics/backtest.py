"""Rolling-origin back-tests ("hindcasts") of the Monte Carlo "how many" forecast, with calibration.

**Protocol.** The input is a zero-filled daily delivered-count series. Origins are every ``step`` days from day
``window`` on; an origin whose window (the ``window`` days before it) delivered nothing is skipped — no forecast
can be made from an empty window, and counting "at least 0 items" as a hit would flatter the coverage. At each
origin the forecast uses only the days before it: ``trials`` paths of daily counts are bootstrapped from the window
(``analytics/forecast.py``, calendar days), and the paths' running totals give the forecast for every horizon at
once. The *outcome* is what was delivered in the ``h`` days from the origin; origins whose horizon runs past the
end of the series are not scored.

**Calibration (why and how).** Plain bootstrapping treats days as independent and the near past as the whole
truth; real throughput drifts (teams change, projects wind down), so the raw P85 is met less often than 85 % of the
time, the more so the longer the horizon (on the TAWOS series: about 80 % at 14 days, 70 % at 56). Each forecast is
therefore recalibrated with the series' own track record (quantile recalibration, Kuleshov et al., ICML 2018):
for every earlier origin whose outcome was already known at this origin (origin + h <= this origin), its
*rank* ``u`` = share of its trials that delivered no more than what actually happened. To say "p chance of at
least m", we read the trials at the level ``q`` = the (1 - p) quantile of the past ranks instead of at 1 - p. Only
the latest ``track_record`` ranks count (104 weekly origins, two years), so the correction follows a team whose
behaviour changes; with fewer than ``min_history`` (12) past ranks the raw level is used. Nothing about an
origin's own outcome is used.

**Scores** per horizon: ``p50_coverage`` and ``p85_coverage`` = share of origins whose outcome was at or above
the forecast at that percentile (nominal 0.50 and 0.85); ``bias`` = sum(P50 forecast - outcome) / sum(outcome),
positive when the median forecast promised more than was delivered; ``origins`` = scored origins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["HindcastScore", "HindcastSettings", "calibrated_levels", "hindcast", "level_index"]

_NONE = np.array([], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class HindcastSettings:
    """How a back-test is run (defaults are the documented, calibrated method of ``docs/forecasting.md``)."""

    window: int = 56
    step: int = 7
    trials: int = 2000
    min_history: int = 12
    track_record: int = 104
    calibrate: bool = True


@dataclass(frozen=True, slots=True)
class HindcastScore:
    """Coverage of the P50 and P85 "at least" forecasts, relative bias of P50, and how many origins were scored."""

    p50_coverage: float | None
    p85_coverage: float | None
    bias: float | None
    origins: int


def _level_index(past: npt.NDArray[np.float64], confidence: float, trials: int, min_history: int) -> int:
    """Index into sorted trial totals of the "at least, with ``confidence``" forecast, recalibrated by ``past``."""
    if past.size < min_history:
        return trials - math.ceil(confidence * trials)
    return level_index(float(np.quantile(past, 1.0 - confidence, method="inverted_cdf")), trials)


def level_index(level: float, trials: int) -> int:
    """Index into ``trials`` sorted totals of the recalibrated ``level`` (a share of trials, 0..1)."""
    return min(max(math.ceil(level * trials) - 1, 0), trials - 1)


def _origins(
    series: npt.NDArray[np.int64], cumulative: npt.NDArray[np.int64], shortest: int, s: HindcastSettings
) -> list[int]:
    last = series.size - shortest + 1
    return [o for o in range(s.window, last, s.step) if cumulative[o] > cumulative[o - s.window]]


def _paths(window: npt.NDArray[np.int64], days: int, trials: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    return np.asarray(np.cumsum(window[rng.integers(0, window.size, size=(trials, days))], axis=1), dtype=np.int64)


def hindcast(
    counts: npt.ArrayLike,
    horizons: Sequence[int],
    *,
    rng: np.random.Generator,
    settings: HindcastSettings | None = None,
) -> dict[int, HindcastScore]:
    """Back-test the "how many" forecast on a daily count series for each horizon (days); see the module docstring."""
    s = settings or HindcastSettings()
    series = np.asarray(counts, dtype=np.int64)
    cumulative = np.concatenate([[0], np.cumsum(series)])
    ranks: dict[int, list[tuple[int, float]]] = {h: [] for h in horizons}
    forecasts: dict[int, list[tuple[int, int, int]]] = {h: [] for h in horizons}  # (p50, p85, outcome)
    for origin in _origins(series, cumulative, min(horizons), s):
        reach = [h for h in horizons if origin + h <= series.size]
        paths = _paths(series[origin - s.window : origin], max(reach), s.trials, rng)
        for h in reach:
            totals = np.sort(paths[:, h - 1])
            outcome = int(cumulative[origin + h] - cumulative[origin])
            known = np.array([u for o, u in ranks[h] if o + h <= origin][-s.track_record :]) if s.calibrate else _NONE
            p50 = int(totals[_level_index(known, 0.50, s.trials, s.min_history)])
            p85 = int(totals[_level_index(known, 0.85, s.trials, s.min_history)])
            forecasts[h].append((p50, p85, outcome))
            ranks[h].append((origin, float(np.searchsorted(totals, outcome, side="right")) / s.trials))
    scores: dict[int, HindcastScore] = {}
    for h in horizons:
        rows = np.array(forecasts[h], dtype=np.int64).reshape(-1, 3)
        if rows.shape[0] == 0:
            scores[h] = HindcastScore(None, None, None, 0)
            continue
        delivered = int(rows[:, 2].sum())
        scores[h] = HindcastScore(
            p50_coverage=float(np.mean(rows[:, 2] >= rows[:, 0])),
            p85_coverage=float(np.mean(rows[:, 2] >= rows[:, 1])),
            bias=float((rows[:, 0] - rows[:, 2]).sum() / delivered) if delivered else None,
            origins=int(rows.shape[0]),
        )
    return scores


def calibrated_levels(
    counts: npt.ArrayLike,
    horizon: int,
    confidences: Sequence[int],
    *,
    rng: np.random.Generator,
    settings: HindcastSettings | None = None,
) -> dict[int, float]:
    """The recalibrated trial level of each confidence (percent) for a forecast made *now*, ``horizon`` days ahead.

    ``counts`` is the whole zero-filled daily history up to the forecast's origin. The series' track record at this
    horizon (the ranks of its hindcasts, module docstring) gives, for confidence p, the level q = (1 - p) quantile
    of the latest ``track_record`` ranks; the forecast then reads its sorted trial totals at ``level_index(q)``.
    Empty when the record holds fewer than ``min_history`` ranks: the raw forecast is all there is.
    """
    s = settings or HindcastSettings()
    series = np.asarray(counts, dtype=np.int64)
    if horizon < 1 or series.size < s.window + horizon:
        return {}
    cumulative = np.concatenate([[0], np.cumsum(series)])
    ranks: list[float] = []
    for origin in _origins(series, cumulative, horizon, s):
        totals = np.sort(_paths(series[origin - s.window : origin], horizon, s.trials, rng)[:, -1])
        outcome = int(cumulative[origin + horizon] - cumulative[origin])
        ranks.append(float(np.searchsorted(totals, outcome, side="right")) / s.trials)
    recent = np.array(ranks[-s.track_record :])
    if recent.size < s.min_history:
        return {}
    return {p: float(np.quantile(recent, 1.0 - p / 100, method="inverted_cdf")) for p in confidences}
