"""Backlog health on hand-made backlogs: each Definition-of-Ready check, the score, the pace and duplicates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from cadence.analytics.backlog_health import (
    ReadyRules,
    backlog_items,
    readiness,
    refinement_queue,
    size_limit,
    sprints_of_ready_work,
)
from cadence.analytics.duplicates import likely_duplicates
from cadence.analytics.workflow import DEFAULT_WORKFLOW
from cadence.store.backlog import OPEN_BLOCKERS, OPEN_ITEMS

NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
RECENT = NOW - dt.timedelta(days=5)

READY: dict[str, Any] = {
    "description": "As a user I want X.\n\nAcceptance criteria:\n- X works",
    "estimate": 3.0,
    "labels": [],
    "updated_at": RECENT,
}


def _items(*rows: dict[str, Any]) -> pl.DataFrame:
    full = [
        {
            "item_id": i + 1,
            "key": f"T-{i + 1}",
            "title": f"Item {i + 1}",
            "type": "story",
            "status": "Backlog",
            "rank": i + 1,
            "created_at": NOW - dt.timedelta(days=200),
            **READY,
            **row,
        }
        for i, row in enumerate(rows)
    ]
    return pl.DataFrame(full, schema=OPEN_ITEMS)


def _blockers(*pairs: tuple[int, str]) -> pl.DataFrame:
    return pl.DataFrame([{"item_id": i, "blocker_key": k} for i, k in pairs], schema=OPEN_BLOCKERS)


def _check(items: pl.DataFrame, blockers: pl.DataFrame | None = None, limit: float | None = 5.0) -> pl.DataFrame:
    return readiness(items, _blockers() if blockers is None else blockers, limit=limit, now=NOW)


def test_a_complete_item_passes_every_check() -> None:
    row = _check(_items({})).row(0, named=True)
    assert (row["checks_passed"], row["score"], row["ready"], row["lacks"]) == (6, 1.0, True, [])


@pytest.mark.parametrize(
    ("row", "lacks"),
    [
        ({"description": None}, ["description", "acceptance_criteria"]),
        ({"description": "   \n"}, ["description", "acceptance_criteria"]),
        ({"description": "Make the export faster."}, ["acceptance_criteria"]),
        ({"description": "Make it faster.", "labels": ["Has-AC"]}, []),
        ({"description": "## AC: exports in < 2 s"}, []),
        ({"description": "Given a user\nwhen they export\nthen it is fast"}, []),
        ({"description": "Then when given"}, ["acceptance_criteria"]),
        ({"estimate": None}, ["estimate"]),
        ({"estimate": 0.0}, []),
        ({"estimate": 5.0}, []),
        ({"estimate": 8.0}, ["size"]),
        ({"updated_at": NOW - dt.timedelta(days=60)}, []),
        ({"updated_at": NOW - dt.timedelta(days=61)}, ["fresh"]),
        ({"updated_at": None, "created_at": NOW - dt.timedelta(days=10)}, []),
    ],
)
def test_each_check_fails_exactly_on_its_rule(row: dict[str, Any], lacks: list[str]) -> None:
    result = _check(_items(row)).row(0, named=True)
    assert result["lacks"] == lacks
    assert result["checks_passed"] == 6 - len(lacks)
    assert result["score"] == pytest.approx((6 - len(lacks)) / 6)
    assert result["ready"] is (not lacks)


def test_an_open_blocker_fails_the_unblocked_check_and_is_named() -> None:
    result = _check(_items({}, {}), _blockers((1, "X-9"), (1, "X-2")))
    assert result["blocked_by"].to_list() == [["X-2", "X-9"], []]
    assert result["lacks"].to_list() == [["unblocked"], []]
    assert result["score"].to_list() == pytest.approx([5 / 6, 1.0])


def test_no_size_limit_passes_the_size_check() -> None:
    assert _check(_items({"estimate": 100.0}), limit=None)["ready"].to_list() == [True]


def test_disabled_checks_do_not_count() -> None:
    rules = ReadyRules(checks=("description", "estimate"))
    result = readiness(_items({"estimate": None}), _blockers(), limit=1.0, now=NOW, rules=rules)
    row = result.row(0, named=True)
    assert (row["checks_passed"], row["score"], row["ready"], row["lacks"]) == (1, 0.5, False, ["estimate"])
    assert "check_size" not in result.columns
    with pytest.raises(ValueError, match="unknown readiness check"):
        ReadyRules(checks=("vibes",))


def test_only_items_before_the_commitment_point_are_backlog() -> None:
    items = _items(
        {"status": "Backlog"},
        {"status": "to do"},
        {"status": "Ready"},
        {"status": "In Progress"},
        {"status": "Mystery"},
    )
    assert backlog_items(items, DEFAULT_WORKFLOW)["key"].to_list() == ["T-1", "T-2"]


def test_size_limit_is_the_nearest_rank_p85_of_recent_deliveries() -> None:
    estimates = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 1.0]  # 7 delivered: rank ceil(0.85 * 7) = 6 of [1,1,2,3,5,8,13] -> 8
    delivered = pl.DataFrame(
        {
            "status": ["Done"] * 7 + ["Won't Do", "Done", "Done"],
            "estimate": [*estimates, 40.0, 40.0, None],
            "resolved_at": [RECENT] * 8 + [NOW - dt.timedelta(weeks=13), RECENT],
        }
    )
    assert size_limit(delivered, DEFAULT_WORKFLOW, now=NOW) == 8.0
    assert size_limit(delivered.head(4), DEFAULT_WORKFLOW, now=NOW) is None


def test_refinement_queue_lists_unready_items_by_rank() -> None:
    items = _items(
        {"rank": 30, "estimate": None},
        {"rank": 10},
        {"rank": None, "description": None},
        {"rank": 20, "updated_at": NOW - dt.timedelta(days=90)},
    )
    queue = refinement_queue(_check(items))
    assert queue["key"].to_list() == ["T-4", "T-1", "T-3"]
    assert queue["lacks"].to_list() == [["fresh"], ["estimate"], ["description", "acceptance_criteria"]]


def test_sprints_of_ready_work_divides_ready_points_by_mean_velocity_of_last_three_sprints() -> None:
    checked = _check(_items({"estimate": 3.0}, {"estimate": 5.0}, {"estimate": None}))  # ready: 3 + 5 = 8 points
    pace = sprints_of_ready_work(checked, velocities=[100.0, 10.0, 20.0, 30.0], weekly_throughput=4.0)
    assert pace["basis"] == "velocity"
    assert pace["unit"] == "sprints"
    assert (pace["ready_points"], pace["ready_count"], pace["velocity"], pace["velocity_sprints"]) == (8.0, 2, 20.0, 3)
    assert pace["value"] == pytest.approx(8 / 20)


def test_without_sprints_ready_work_is_measured_in_weeks_of_throughput() -> None:
    checked = _check(_items({}, {}, {}))
    pace = sprints_of_ready_work(checked, velocities=[], weekly_throughput=2.0)
    assert (pace["basis"], pace["unit"], pace["value"], pace["velocity"]) == ("throughput", "weeks", 1.5, None)
    none = sprints_of_ready_work(checked, velocities=[0.0], weekly_throughput=None)
    assert (none["basis"], none["value"]) == (None, None)


def test_a_reworded_duplicate_is_found_and_an_unrelated_item_is_not() -> None:
    items = _items(
        {
            "title": "CSV export fails for large files",
            "description": "Exporting a large CSV file fails with a timeout.",
        },
        {"title": "Large CSV file export fails", "description": "The CSV export of a large file times out and fails."},
        {"title": "Add dark mode to settings", "description": "Users want a dark theme in the settings page."},
        {"title": "Settings page loads slowly", "description": "The settings page takes 5 s to load."},
    )
    found = likely_duplicates(items)
    assert found.pairs.select("key", "other_key").rows() == [("T-1", "T-2")]
    assert found.pairs["similarity"][0] >= 0.5
    assert (found.total, found.similar) == (1, {"T-1": ["T-2"], "T-2": ["T-1"]})
    alone = likely_duplicates(items.head(1))
    assert (alone.pairs.height, alone.total, alone.similar) == (0, 0, {})


def test_duplicates_are_bounded_and_ordered_by_similarity_then_key() -> None:
    """Four copies of one title (six pairs at 1.0) and a pair that shares part of it: the list is cut at ``limit``
    with ties going by key, each item names its ``per_item`` best, and the count covers every pair."""
    same = {"title": "Export to CSV fails on large files", "description": None}
    items = _items(
        same, {"title": "Dark mode in settings"}, same, same,
        {"title": "Export to CSV fails on large files with a timeout", "description": None}, same,
    )  # fmt: skip
    found = likely_duplicates(items, limit=3, per_item=2)
    assert found.pairs.rows() == [("T-1", "T-3", 1.0), ("T-1", "T-4", 1.0), ("T-1", "T-6", 1.0)]
    assert found.total == 6 + 4  # the four copies pairwise, and T-5 with each copy
    assert found.similar["T-3"] == ["T-1", "T-4"]  # equal similarity: by key
    assert found.similar["T-5"][:1] == ["T-1"] and "T-2" not in found.similar
    assert all(len(others) == 2 for others in found.similar.values())


def test_duplicates_do_not_depend_on_the_block_size_and_match_a_dense_computation() -> None:
    """The blocks only bound memory: every block size gives the same answer, equal to cosines of the dense TF-IDF
    matrix counted by hand over the upper triangle."""
    rng = np.random.default_rng(11)
    words = np.array(["export", "csv", "fails", "large", "file", "timeout"])
    items = _items(*({"title": " ".join(rng.choice(words, 3)), "description": None} for _ in range(60)))
    results = [likely_duplicates(items, limit=10, block_rows=rows) for rows in (1, 7, 60, 512)]
    for other in results[1:]:
        assert other.pairs.equals(results[0].pairs)
        assert (other.total, other.similar) == (results[0].total, results[0].similar)
    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True)
    dense = vectorizer.fit_transform(items["title"].to_list()).toarray()
    cosine = dense @ dense.T
    upper = np.triu(np.ones_like(cosine, dtype=bool), k=1)
    assert results[0].total == int(((cosine >= 0.5 - 1e-12) & upper).sum()) > 10
    assert results[0].pairs["similarity"].to_list() == sorted(np.round(cosine[upper], 3), reverse=True)[:10]
