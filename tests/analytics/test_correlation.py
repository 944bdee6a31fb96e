"""Points-vs-time correlations and the ESEM 2022 filter, on hand-made data."""

from __future__ import annotations

import polars as pl
import pytest

from cadence.analytics.correlation import correlate, esem2022_filter


def test_perfect_and_undefined_correlations() -> None:
    c = correlate([1, 2, 3, 5], [10, 20, 30, 1000])
    assert (c.n, c.spearman, c.kendall) == (4, pytest.approx(1.0), pytest.approx(1.0))
    assert c.pearson is not None and c.pearson < 1.0  # linear r is hurt by the long tail; ranks are not
    assert correlate([1, 1, 1], [1, 2, 3]).spearman is None
    assert correlate([1, 2, float("nan")], [1, 2, 3]).n == 2


def test_filter_drops_flicks_then_tukey_outliers() -> None:
    minutes = [0, 1, 10, 20, 30, 40, 50, 10_000]
    frame = pl.DataFrame({"points": [1.0] * 8, "in_progress_minutes": [float(m) for m in minutes]})
    kept = esem2022_filter(frame)["in_progress_minutes"].to_list()
    # > 1 minute leaves 10..10000; quartiles 20 and 50 (linear), fence 50 + 45 = 95 drops 10000
    assert kept == [10.0, 20.0, 30.0, 40.0, 50.0]
