"""Likely duplicate backlog items, by the text similarity of their title and description.

**Likely duplicates**: two open backlog items whose TF-IDF vectors (title + description; English stop words
removed; unigrams and bigrams; sublinear term frequency; L2-normalised) have a cosine similarity of at least the
threshold (default :data:`DUPLICATE_THRESHOLD`). The vocabulary and inverse document frequencies are learnt from the
backlog itself, so words every item shares ("the service", a product name) weigh little.

The similarities come from the sparse product ``X @ X.T``, computed :data:`BLOCK_ROWS` rows at a time and cut at
the threshold before the next block, so memory stays bounded whatever the backlog: a 9k-item backlog of templated
titles has a million pairs above 0.5, and the whole product took several GB. What is kept is bounded too: the count
of all pairs, the ``limit`` most similar pairs, and each item's ``per_item`` most similar others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = [
    "DUPLICATE_COLUMNS",
    "DUPLICATE_LIMIT",
    "DUPLICATE_THRESHOLD",
    "SIMILAR_PER_ITEM",
    "Duplicates",
    "likely_duplicates",
]

DUPLICATE_THRESHOLD = 0.5
"""Cosine at or above which two items are reported. Chosen, not fitted: the demo's ``duplicates`` links join a bug
to an arbitrary earlier bug (their median similarity is 0), so they cannot tune it. Instead it is set against the
false-positive side: over random pairs of the demo's items (seed 3, scale 1 — templated titles, a harsh case) the
99th percentile of similarity is 0.45 and 0.7% of pairs reach 0.5 (0.3% reach 0.6), while a reworded copy of the
same request ("CSV export fails for large files" / "Large CSV file export fails", same description) scores above
0.5. It is a suggestion to look, never an automatic link."""

DUPLICATE_LIMIT = 100
"""Pairs listed, most similar first: a list to work through in a refinement session, not an export."""

SIMILAR_PER_ITEM = 3
"""Other items named beside each item (``similar``), most similar first."""

BLOCK_ROWS = 512
"""Rows of ``X`` multiplied at a time: a block's product holds at most 512 x n similarities."""

DUPLICATE_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "key": pl.String,
    "other_key": pl.String,
    "similarity": pl.Float64,
}


@dataclass(frozen=True)
class Duplicates:
    """``pairs``: the most similar pairs (key, other_key in the items' order, similarity rounded to 3 places), most
    similar first, then by key; ``similar``: per item with any, its most similar others (key -> keys); ``total``:
    every pair at or above the threshold."""

    pairs: pl.DataFrame
    similar: dict[str, list[str]]
    total: int


def likely_duplicates(
    items: pl.DataFrame,
    *,
    threshold: float = DUPLICATE_THRESHOLD,
    limit: int = DUPLICATE_LIMIT,
    per_item: int = SIMILAR_PER_ITEM,
    block_rows: int = BLOCK_ROWS,
) -> Duplicates:
    """Pairs of ``items`` (columns key, title, description) at or above ``threshold`` cosine similarity; the result
    does not depend on ``block_rows``, only the peak memory does."""
    if not 0 < threshold <= 1:
        raise ValueError(f"duplicate threshold {threshold} is outside (0, 1]")
    none = Duplicates(pl.DataFrame(schema=DUPLICATE_COLUMNS), {}, 0)
    if items.height < 2:
        return none
    text = (
        items.select(
            pl.concat_str([pl.col("title").fill_null(""), pl.col("description").fill_null("")], separator="\n")
        )
        .to_series()
        .to_list()
    )
    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, dtype=np.float64)
    try:
        matrix = sp.csr_matrix(vectorizer.fit_transform(text))
    except ValueError:  # only stop words or empty texts: nothing to compare
        return none
    keys = items["key"]
    order = keys.rank("ordinal").cast(pl.Int64).to_numpy()  # ties between equal similarities go by key
    transposed = matrix.T.tocsc()
    total = 0
    empty = np.empty(0, np.int64)
    best = (np.empty(0), empty, empty)  # (similarity, row, col) of the running top `limit` pairs
    similar_rows, similar_cols = [empty], [empty]
    for start in range(0, matrix.shape[0], block_rows):
        block = sp.coo_matrix(matrix[start : start + block_rows] @ transposed)
        keep = (block.data >= threshold - 1e-12) & (block.row + start != block.col)
        row, col, sim = block.row[keep].astype(np.int64) + start, block.col[keep].astype(np.int64), block.data[keep]
        sim = np.round(sim, 3)
        upper = row < col
        total += int(upper.sum())
        best = _top(
            np.concatenate((best[0], sim[upper])), np.concatenate((best[1], row[upper])),
            np.concatenate((best[2], col[upper])), order, limit,
        )  # fmt: skip
        mine = _top_per_row(sim, row, col, order, per_item)
        similar_rows.append(row[mine])
        similar_cols.append(col[mine])
    sim, row, col = best
    pairs = pl.DataFrame(
        {"key": keys.gather(row), "other_key": keys.gather(col), "similarity": sim},
        schema=DUPLICATE_COLUMNS,
    )
    similar_frame = pl.DataFrame(
        {"key": keys.gather(np.concatenate(similar_rows)), "other": keys.gather(np.concatenate(similar_cols))}
    )
    similar = {
        key: others for key, others in similar_frame.group_by("key", maintain_order=True).agg("other").iter_rows()
    }
    return Duplicates(pairs, similar, total)


def _top(
    sim: np.ndarray, row: np.ndarray, col: np.ndarray, order: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``limit`` best (similarity, row, col) triples: most similar first, then by the keys."""
    ranked = np.lexsort((order[col], order[row], -sim))[:limit]
    return sim[ranked], row[ranked], col[ranked]


def _top_per_row(sim: np.ndarray, row: np.ndarray, col: np.ndarray, order: np.ndarray, limit: int) -> np.ndarray:
    """Indices of each row's ``limit`` most similar columns, grouped by row, most similar first."""
    ranked = np.lexsort((order[col], -sim, row))
    grouped = row[ranked]
    starts = np.r_[0, np.flatnonzero(np.diff(grouped)) + 1]
    position = np.arange(grouped.size) - np.repeat(starts, np.diff(np.r_[starts, grouped.size]))
    kept: np.ndarray = ranked[position < limit]
    return kept
