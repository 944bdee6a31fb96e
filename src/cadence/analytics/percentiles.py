"""Percentiles by the nearest-rank method, and percentile ranks."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = [
    "PERCENTILES",
    "exceeded_percentile",
    "nearest_rank",
    "percentile_rank",
    "summarize",
]

PERCENTILES: tuple[int, ...] = (50, 70, 85, 95)


def _values(values: pl.Series | npt.NDArray[np.floating] | Sequence[float]) -> npt.NDArray[np.float64]:
    if isinstance(values, pl.Series):
        values = values.drop_nulls().drop_nans() if values.dtype.is_float() else values.drop_nulls()
        return values.cast(pl.Float64).to_numpy()
    arr = np.asarray(values, dtype=np.float64)
    return arr[~np.isnan(arr)]


def nearest_rank(
    values: pl.Series | npt.NDArray[np.floating] | Sequence[float], percentiles: Sequence[int] = PERCENTILES
) -> dict[int, float | None]:
    """**Method**: the P-th percentile of n values is the value at rank ``ceil(P/100 * n)`` in ascending order (rank 1
    is the smallest). It is always an observed value, and "85% of items finished in P85 days or less" is then literally
    true of the data — the reading a service level expectation needs. No interpolation.

    The nearest-rank percentiles of ``values`` (nulls ignored); None for every percentile of an empty sample.
    """
    arr = _values(values)
    for p in percentiles:
        if not 0 < p <= 100:
            raise ValueError(f"percentile {p} is outside (0, 100]")
    if not len(arr):
        return dict.fromkeys(percentiles)
    ranks = [max(math.ceil(p / 100 * len(arr)), 1) - 1 for p in percentiles]
    chosen = np.partition(arr, sorted(set(ranks)))  # O(n): only the wanted ranks are put in place
    return {p: float(chosen[r]) for p, r in zip(percentiles, ranks, strict=True)}


def percentile_rank(
    values: pl.Series | npt.NDArray[np.floating], sample: pl.Series | npt.NDArray[np.floating]
) -> npt.NDArray[np.float64]:
    """The **percentile rank** of a value among a sample is the share (0-100) of the sample that is less than or equal
    to it.

    For each of ``values``, the share (0-100) of ``sample`` at or below it; NaN when the sample is empty.
    """
    arr = _values(sample)
    v = values.cast(pl.Float64).to_numpy() if isinstance(values, pl.Series) else np.asarray(values, np.float64)
    if not len(arr):
        return np.full(len(v), np.nan)
    return np.searchsorted(np.sort(arr), v, side="right") / len(arr) * 100.0


def exceeded_percentile(
    values: pl.Series | npt.NDArray[np.floating], levels: dict[int, float | None]
) -> list[str | None]:
    """The highest of the given percentiles each value is strictly above (``"P85"``), or None."""
    v = values.cast(pl.Float64).to_numpy() if isinstance(values, pl.Series) else np.asarray(values, np.float64)
    label = np.full(len(v), None, dtype=object)
    for p, level in sorted(levels.items()):
        if level is not None:
            label[v > level] = f"P{p}"
    return list(label)


def summarize(values: pl.Series, percentiles: Sequence[int] = PERCENTILES) -> dict[str, float | int | None]:
    """``n``, ``mean`` and ``p50``..``p95`` (nearest rank) of a sample."""
    arr = _values(values)
    out: dict[str, float | int | None] = {"n": len(arr), "mean": float(arr.mean()) if len(arr) else None}
    out.update({f"p{p}": v for p, v in nearest_rank(arr, percentiles).items()})
    return out
