"""Accuracy of story-point estimates, by the protocol of the story-point papers.

Choetkiertikul et al. (IEEE TSE 2018) and its replications judge an estimator on a project's test split by:

- **MAE**: mean of ``|actual - predicted|``; **MdAE**: the median of the same errors.
- **Mean / Median baselines**: predict the training split's mean (median) points for every test issue.
- **SA** (standardised accuracy): ``(1 - MAE / MAE_guess) x 100`` where ``MAE_guess`` is the mean MAE of
  ``runs`` (1000) random guessers, each predicting for every test issue a label drawn uniformly, with
  replacement, from the training labels. Above 0 means better than guessing; the papers report it per project.

The random guesses come from the ``rng`` passed in, so a seed fixes SA exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["BaselineErrors", "baseline_errors", "mae", "mdae", "random_guess_mae", "standardised_accuracy"]

FloatArray = npt.NDArray[np.float64]


def mae(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(actual, dtype=np.float64) - np.asarray(predicted, dtype=np.float64))))


def mdae(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Median absolute error."""
    return float(np.median(np.abs(np.asarray(actual, dtype=np.float64) - np.asarray(predicted, dtype=np.float64))))


def random_guess_mae(
    actual: npt.ArrayLike, train_labels: npt.ArrayLike, rng: np.random.Generator, *, runs: int = 1000
) -> float:
    """Mean MAE of ``runs`` random guessers drawing each prediction from ``train_labels`` (with replacement)."""
    truth = np.asarray(actual, dtype=np.float64)
    labels = np.asarray(train_labels, dtype=np.float64)
    guesses = rng.choice(labels, size=(runs, truth.size), replace=True)
    return float(np.mean(np.abs(guesses - truth[None, :])))


def standardised_accuracy(
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    train_labels: npt.ArrayLike,
    rng: np.random.Generator,
    *,
    runs: int = 1000,
) -> float:
    """SA in percent: how much of the random guesser's error the estimator removes."""
    return (1.0 - mae(actual, predicted) / random_guess_mae(actual, train_labels, rng, runs=runs)) * 100.0


@dataclass(frozen=True, slots=True)
class BaselineErrors:
    """The Mean and Median baselines of one project: their predictions and their errors on the test split."""

    mean_prediction: float
    median_prediction: float
    mean_mae: float
    median_mae: float
    mean_mdae: float
    median_mdae: float


def baseline_errors(train_labels: npt.ArrayLike, test_labels: npt.ArrayLike) -> BaselineErrors:
    """Predict the training mean (median) for every test issue and score both."""
    train = np.asarray(train_labels, dtype=np.float64)
    test = np.asarray(test_labels, dtype=np.float64)
    mean_prediction = float(np.mean(train))
    median_prediction = float(np.median(train))
    return BaselineErrors(
        mean_prediction=mean_prediction,
        median_prediction=median_prediction,
        mean_mae=mae(test, np.full(test.size, mean_prediction)),
        median_mae=mae(test, np.full(test.size, median_prediction)),
        mean_mdae=mdae(test, np.full(test.size, mean_prediction)),
        median_mdae=mdae(test, np.full(test.size, median_prediction)),
    )
