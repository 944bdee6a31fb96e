"""Evaluations of Cadence's forecasts and estimates on public research datasets (``cadence eval ...``).

Each function reads a dataset folder through ``connectors.datasets``, runs the pure analytics and returns plain
JSON-ready dicts whose shapes are stable contracts (``docs/forecasting.md``, ``docs/cli.md``). Randomness is
created here, from an explicit seed, and handed to analytics — never the other way round. Figures are rounded to
4 decimals, the precision of the published reference tables they are compared with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cadence.analytics.backtest import HindcastSettings, hindcast
from cadence.analytics.correlation import correlate, esem2022_filter
from cadence.analytics.estimation import baseline_errors, mae, mdae, standardised_accuracy
from cadence.analytics.estimation_suggester import StoryPointSuggester, tune_suggester
from cadence.analytics.forecast_sprints import evaluate_sprint_forecasts
from cadence.connectors.datasets import (
    list_deep_se_projects,
    read_completion_folder,
    read_deep_se_project,
    read_sprint_iterations,
    read_tawos_folder,
)
from cadence.domain.errors import InputError

__all__ = [
    "DURATIONS",
    "daily_counts",
    "evaluate_correlation",
    "evaluate_estimation",
    "evaluate_forecast",
    "evaluate_sprints",
]

DURATIONS: dict[str, str] = {
    "in_progress": "in_progress_minutes",
    "effort": "total_effort_minutes",
    "resolution": "resolution_minutes",
}
"""The effort proxies of the ESEM 2022 study: time In Progress, total effort time, creation -> resolution."""


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def evaluate_estimation(folder: Path, *, seed: int = 0) -> dict[str, Any]:
    """The story-point protocol of Choetkiertikul et al. (TSE 2018) on every project of a Deep-SE folder.

    Per project: the Mean and Median baselines, and the suggester fitted on the training split with its
    parameters tuned on the validation split, scored on the test split (MAE, MdAE, SA with 1000 random guesses
    from the training labels, seeded per project so one project's result does not depend on the others).
    """
    projects: dict[str, Any] = {}
    for name in list_deep_se_projects(folder):
        issues = read_deep_se_project(folder, name).issues
        train, valid, test = (issues.filter(pl.col("split") == s) for s in ("train", "valid", "test"))
        if train.height == 0 or test.height == 0:
            raise InputError(f"Deep-SE project '{name}' has an empty training or test split", project=name)
        suggester = StoryPointSuggester(
            train["key"].to_list(), train["title"].to_list(), train["description"].to_list(), train["points"]
        )
        params = suggester.params
        if valid.height:
            params, _ = tune_suggester(
                suggester, valid["title"].to_list(), valid["description"].to_list(), valid["points"]
            )
        predicted = suggester.predict(test["title"].to_list(), test["description"].to_list(), params)
        actual = test["points"].to_numpy()
        labels = train["points"].to_numpy()
        baselines = baseline_errors(labels, actual)
        rng = np.random.default_rng(seed)
        projects[name] = {
            "n_test": test.height,
            "mae": _round(mae(actual, predicted)),
            "mdae": _round(mdae(actual, predicted)),
            "sa": _round(standardised_accuracy(actual, predicted, labels, rng)),
            "mean_mae": _round(baselines.mean_mae),
            "median_mae": _round(baselines.median_mae),
        }
    return {"projects": projects}


def daily_counts(dates: pl.Series) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Zero-filled completions per calendar day from the first to the last completion date."""
    days = dates.cast(pl.Int32).to_numpy()
    return np.bincount(days - days.min()).astype(np.int64)


def evaluate_forecast(
    folder: Path,
    *,
    horizons: Sequence[int] = (14, 28, 56),
    seed: int = 0,
    settings: HindcastSettings | None = None,
) -> dict[str, Any]:
    """Rolling-origin back-test of the "how many" forecast on every completion-date file of ``folder``."""
    if not horizons or min(horizons) < 1:
        raise InputError(f"horizons must be positive numbers of days, not {list(horizons)}")
    files: dict[str, Any] = {}
    for name, dates in read_completion_folder(folder).items():
        scores = hindcast(daily_counts(dates), horizons, rng=np.random.default_rng(seed), settings=settings)
        files[name] = {
            "horizons": {
                str(h): {
                    "p50_coverage": _round(s.p50_coverage),
                    "p85_coverage": _round(s.p85_coverage),
                    "bias": _round(s.bias),
                    "origins": s.origins,
                }
                for h, s in scores.items()
            }
        }
    return {"files": files}


def evaluate_correlation(folder: Path) -> dict[str, Any]:
    """Points-vs-time correlations of every TAWOS project, after the ESEM 2022 filter."""
    projects: dict[str, Any] = {}
    for name, issues in read_tawos_folder(folder).items():
        kept = esem2022_filter(issues)
        entry: dict[str, Any] = {"n_raw": issues.height, "n_after_filter": kept.height}
        for label, column in DURATIONS.items():
            c = correlate(kept["points"], kept[column])
            entry[label] = {"spearman": _round(c.spearman), "kendall": _round(c.kendall), "pearson": _round(c.pearson)}
        projects[name] = entry
    return {"projects": projects}


def evaluate_sprints(folder: Path) -> dict[str, Any]:
    """Say/do and sprint-forecast errors per ecosystem of a sprint-dataset folder (Choetkiertikul et al., 2017).

    Reads every ``<ecosystem>_iteration_<t>.csv``; the sprints of an ecosystem are those of its ``t = 0`` file.
    """
    pattern = re.compile(r"^(?P<eco>.+)_iteration_(?P<t>\d+)\.csv$")
    found: dict[str, dict[int, Path]] = {}
    for path in sorted(folder.glob("*_iteration_*.csv")) if folder.is_dir() else []:
        match = pattern.match(path.name)
        if match:
            found.setdefault(match["eco"], {})[int(match["t"])] = path
    if not found:
        raise InputError(f"'{folder}' holds no <ecosystem>_iteration_<t>.csv sprint files", path=str(folder))
    result: dict[str, Any] = {}
    for ecosystem, paths in sorted(found.items()):
        if 0 not in paths:
            raise InputError(f"'{folder}' lacks {ecosystem}_iteration_0.csv (the sprints at start)", path=str(folder))
        result[ecosystem] = evaluate_sprint_forecasts({t: read_sprint_iterations(p) for t, p in paths.items()})
    return {"ecosystems": result}
