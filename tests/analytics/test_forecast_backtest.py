"""The back-test is honest: on a process whose future is like its past, coverage comes out near nominal."""

from __future__ import annotations

import numpy as np

from cadence.analytics.backtest import HindcastSettings, hindcast


def test_coverage_of_a_stationary_poisson_process_is_near_nominal() -> None:
    counts = np.random.default_rng(2024).poisson(1.5, 5 * 365)
    scores = hindcast(counts, (14, 28), rng=np.random.default_rng(7), settings=HindcastSettings(trials=1000))
    for score in scores.values():
        assert score.origins > 200
        assert score.p85_coverage is not None and 0.78 <= score.p85_coverage <= 0.92
        assert score.p50_coverage is not None and 0.40 <= score.p50_coverage <= 0.62
        assert score.bias is not None and abs(score.bias) < 0.05


def test_raw_bootstrap_is_also_calibrated_when_nothing_drifts() -> None:
    counts = np.random.default_rng(11).poisson(2.0, 4 * 365)
    raw = hindcast(counts, (14,), rng=np.random.default_rng(3), settings=HindcastSettings(trials=1000, calibrate=False))
    assert raw[14].p85_coverage is not None and 0.78 <= raw[14].p85_coverage <= 0.92


def test_empty_windows_are_not_scored_and_short_series_give_no_origins() -> None:
    counts = np.zeros(400, dtype=np.int64)
    counts[300:] = 1
    scores = hindcast(counts, (14,), rng=np.random.default_rng(0), settings=HindcastSettings(trials=100))
    # origins every 7 days from day 56; only those with a delivery in the 56 days before them count
    assert scores[14].origins == len([o for o in range(56, 400 - 14 + 1, 7) if o > 300])
    assert hindcast(np.ones(30, dtype=np.int64), (14,), rng=np.random.default_rng(0))[14].origins == 0


def test_calibrated_levels_come_from_the_track_record() -> None:
    from cadence.analytics.backtest import calibrated_levels

    counts = np.random.default_rng(5).poisson(2.0, 3 * 365)
    levels = calibrated_levels(
        counts, 28, (50, 85), rng=np.random.default_rng(1), settings=HindcastSettings(trials=500)
    )
    # nothing drifts, so the recalibrated levels stay near the raw ones (0.50 and 0.15)
    assert abs(levels[50] - 0.50) < 0.1 and abs(levels[85] - 0.15) < 0.08
    # too short a history for 12 scored origins: no calibration
    assert calibrated_levels(counts[:120], 28, (85,), rng=np.random.default_rng(1)) == {}


def test_how_many_reads_calibrated_levels() -> None:
    import datetime as dt

    from cadence.analytics.forecast import forecast_how_many

    start = dt.date(2024, 1, 1)
    raw = forecast_how_many([0, 1, 4], start, start + dt.timedelta(days=9), rng=np.random.default_rng(0), trials=200)
    low = forecast_how_many(
        [0, 1, 4], start, start + dt.timedelta(days=9), rng=np.random.default_rng(0), trials=200, levels={85: 0.0}
    )
    assert low.items[85] <= raw.items[85]  # level 0 reads the smallest total of the same trials
    assert low.items[50] == raw.items[50]  # percentiles without a level stay raw
