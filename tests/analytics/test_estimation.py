"""Story-point accuracy measures and the suggester, on hand-made data."""

from __future__ import annotations

import numpy as np
import pytest

from cadence.analytics.estimation import baseline_errors, mae, mdae, random_guess_mae, standardised_accuracy
from cadence.analytics.estimation_suggester import StoryPointSuggester, SuggesterParams, tune_suggester


def test_errors_and_baselines_by_hand() -> None:
    assert mae([1, 2, 8], [2, 2, 5]) == pytest.approx(4 / 3)
    assert mdae([1, 2, 8], [2, 2, 5]) == 1.0
    b = baseline_errors([1, 2, 3, 10], [2, 5])
    assert (b.mean_prediction, b.median_prediction) == (4.0, 2.5)
    assert b.mean_mae == pytest.approx(1.5)  # |2-4| + |5-4| over 2
    assert b.median_mae == pytest.approx(1.5)  # |2-2.5| + |5-2.5| over 2


def test_random_guessing_and_sa() -> None:
    # every guess drawn from [3] is 3: the guesser's MAE is exact
    assert random_guess_mae([1, 5], [3], np.random.default_rng(0)) == 2.0
    assert standardised_accuracy([1, 5], [1, 5], [3], np.random.default_rng(0)) == 100.0
    assert standardised_accuracy([1, 5], [3, 3], [3], np.random.default_rng(0)) == 0.0


def _suggester(params: SuggesterParams | None = None) -> StoryPointSuggester:
    keys = ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"]
    titles = ["fix typo in login page", "fix typo in footer", "rewrite payment engine", "rewrite billing engine",
              "fix typo in header", "new reporting module"]  # fmt: skip
    points = [1, 1, 13, 13, 1, 8]
    return StoryPointSuggester(keys, titles, [""] * 6, points, params)


def test_suggestion_follows_the_most_similar_items() -> None:
    suggester = _suggester(SuggesterParams(neighbours=3, prior_weight=0.0))
    typo = suggester.suggest("fix typo in sidebar")
    assert typo.points == 1.0
    assert typo.confidence == 1.0
    assert len(typo.similar) == 3 and {s.key for s in typo.similar} == {"A-1", "A-2", "A-5"}
    engine = suggester.suggest("rewrite search engine")
    assert engine.points == 13.0
    assert engine.similar[0].key in {"A-3", "A-4"}


def test_unknown_text_falls_back_to_the_team_median() -> None:
    suggestion = _suggester(SuggesterParams(neighbours=3, prior_weight=1.0)).suggest("zzz qqq")
    # no similar item: the prior alone speaks; weighted median of 1,1,1,8,13,13 is 1
    assert suggestion.points == 1.0
    assert 0 < suggestion.confidence <= 1


def test_tuning_picks_the_grid_entry_with_the_lowest_validation_error() -> None:
    suggester = _suggester()
    grid = [SuggesterParams(6, 5.0), SuggesterParams(1, 0.0)]  # a heavy prior pulls "rewrite" down to 8
    params, error = tune_suggester(suggester, ["rewrite invoice engine", "fix typo in menu"], ["", ""], [13, 1], grid)
    assert params == SuggesterParams(1, 0.0)
    assert error == 0.0


def test_items_without_words_fall_back_to_the_prior() -> None:
    suggester = StoryPointSuggester(["A-1", "A-2", "A-3"], ["", "", ""], ["", "", ""], [2, 3, 3])
    suggestion = suggester.suggest("anything at all")
    assert suggestion.points == 3.0
    assert suggestion.confidence == pytest.approx(2 / 3, abs=1e-4)
