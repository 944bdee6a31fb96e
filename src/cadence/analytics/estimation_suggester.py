"""Story-point suggestions from similar past items: TF-IDF text similarity and a weighted median of neighbours.

**How a suggestion is made.** An item's text is its title twice (titles are short and carry most of the signal)
plus its description. Texts are turned into TF-IDF vectors (sublinear term frequency, English stop words removed,
words and word pairs; the vocabulary and IDF come from the *training items only*). For a new item, the
``neighbours`` most cosine-similar training items each vote their points with their similarity as weight; a
*prior* of total weight ``prior_weight`` is spread over all training items (the team's overall distribution), so
that an item unlike anything seen before falls back towards the team's median. The suggestion is the weighted
median of that evidence — a median because the target is absolute error, and because it always yields a value
the team actually uses.

**Confidence** is the share of that evidence (similarity weight plus prior) that holds exactly the suggested value:
1.0 when every similar item agrees, low when the neighbours scatter. The three most similar items are returned as
the reason.

**Tuning.** :func:`tune_suggester` picks ``neighbours`` and ``prior_weight`` on a validation split, never on the
items being predicted.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = [
    "DEFAULT_GRID",
    "SimilarItem",
    "StoryPointSuggester",
    "SuggesterParams",
    "Suggestion",
    "item_text",
    "tune_suggester",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SuggesterParams:
    """``neighbours``: how many similar items vote; ``prior_weight``: weight of the team-wide distribution
    relative to the neighbours' total weight of 1."""

    neighbours: int = 20
    prior_weight: float = 0.5


DEFAULT_GRID: tuple[SuggesterParams, ...] = tuple(
    SuggesterParams(k, w) for k, w in itertools.product((3, 5, 10, 20, 40), (0.0, 0.5, 1.0, 2.0))
)


@dataclass(frozen=True, slots=True)
class SimilarItem:
    """A past item offered as the reason for a suggestion."""

    key: str
    title: str
    points: float
    similarity: float


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Suggested points, how much of the evidence agrees (0..1), and the three most similar past items."""

    points: float
    confidence: float
    similar: tuple[SimilarItem, ...]


def item_text(title: str, description: str) -> str:
    """The text an item is compared by: the title counts twice."""
    return f"{title} {title} {description}"


class StoryPointSuggester:
    """Suggests points for new items from a fitted set of past items (see the module docstring)."""

    def __init__(
        self,
        keys: Sequence[str],
        titles: Sequence[str],
        descriptions: Sequence[str],
        points: npt.ArrayLike,
        params: SuggesterParams | None = None,
    ) -> None:
        labels = np.asarray(points, dtype=np.float64)
        if labels.size == 0 or not len(keys) == len(titles) == len(descriptions) == labels.size:
            raise ValueError("a suggester needs at least one past item, with a key, title, description and points")
        self.params = params or SuggesterParams()
        self._keys = list(keys)
        self._titles = list(titles)
        self._labels = labels
        self._values, inverse = np.unique(labels, return_inverse=True)
        self._value_index = inverse.astype(np.intp)
        self._prior = np.bincount(self._value_index, minlength=self._values.size) / labels.size
        texts = [item_text(t, d) for t, d in zip(titles, descriptions, strict=True)]
        self._vectoriser: TfidfVectorizer | None = TfidfVectorizer(
            sublinear_tf=True, stop_words="english", ngram_range=(1, 2), min_df=2 if labels.size >= 50 else 1
        )
        try:
            self._matrix = self._vectoriser.fit_transform(texts)
        except ValueError:  # no word at all in the training texts: only the prior can speak
            self._vectoriser = None

    def similarity(self, titles: Sequence[str], descriptions: Sequence[str]) -> FloatArray:
        """Cosine similarity of each given item (rows) to every fitted item (columns)."""
        texts = [item_text(t, d) for t, d in zip(titles, descriptions, strict=True)]
        if self._vectoriser is None:
            return np.zeros((len(texts), self._labels.size))
        product = self._vectoriser.transform(texts) @ self._matrix.T
        return np.asarray(product.toarray(), dtype=np.float64)

    def evidence(self, similarity: FloatArray, params: SuggesterParams | None = None) -> FloatArray:
        """Weight on each distinct point value (columns, ascending) for each item (rows); rows sum to 1."""
        p = params or self.params
        k = min(p.neighbours, similarity.shape[1])
        top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        weights = np.take_along_axis(similarity, top, axis=1).clip(min=0.0)
        totals = weights.sum(axis=1, keepdims=True)
        weights = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        mass = np.zeros((similarity.shape[0], self._values.size))
        rows = np.repeat(np.arange(similarity.shape[0]), k)
        np.add.at(mass, (rows, self._value_index[top].ravel()), weights.ravel())
        prior = p.prior_weight if p.prior_weight > 0 else 1e-9  # the prior only breaks ties when disabled
        mass += prior * self._prior[None, :]
        return np.asarray(mass / mass.sum(axis=1, keepdims=True), dtype=np.float64)

    def predict_from_evidence(self, evidence: FloatArray) -> FloatArray:
        """The weighted median point value of each row of :meth:`evidence`."""
        position = (np.cumsum(evidence, axis=1) >= 0.5 - 1e-12).argmax(axis=1)
        return np.asarray(self._values[position], dtype=np.float64)

    def predict(
        self, titles: Sequence[str], descriptions: Sequence[str], params: SuggesterParams | None = None
    ) -> FloatArray:
        """Suggested points for many items at once."""
        return self.predict_from_evidence(self.evidence(self.similarity(titles, descriptions), params))

    def suggest(self, title: str, description: str = "") -> Suggestion:
        """One item's suggestion with its confidence and its three most similar past items."""
        similarity = self.similarity([title], [description])
        evidence = self.evidence(similarity)
        points = float(self.predict_from_evidence(evidence)[0])
        confidence = float(evidence[0, np.searchsorted(self._values, points)])
        order = np.argsort(-similarity[0], kind="stable")[:3]
        similar = tuple(
            SimilarItem(self._keys[i], self._titles[i], float(self._labels[i]), round(float(similarity[0, i]), 4))
            for i in order
        )
        return Suggestion(points=points, confidence=round(confidence, 4), similar=similar)


def tune_suggester(
    suggester: StoryPointSuggester,
    titles: Sequence[str],
    descriptions: Sequence[str],
    points: npt.ArrayLike,
    grid: Sequence[SuggesterParams] = DEFAULT_GRID,
) -> tuple[SuggesterParams, float]:
    """The parameters of ``grid`` with the lowest MAE on the given (validation) items, and that MAE.

    Ties go to the earlier entry of the grid, so the result does not depend on floating-point noise.
    """
    truth = np.asarray(points, dtype=np.float64)
    similarity = suggester.similarity(titles, descriptions)
    best: tuple[SuggesterParams, float] | None = None
    for params in grid:
        error = float(np.mean(np.abs(suggester.predict_from_evidence(suggester.evidence(similarity, params)) - truth)))
        if best is None or error < best[1] - 1e-12:
            best = (params, error)
    assert best is not None, "the grid is empty"
    return best
