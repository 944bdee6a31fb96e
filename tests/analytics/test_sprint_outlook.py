"""Sprint outlook and cycle time by size: hand-computed levels, fits and sentences; definitions match the doc."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

from cadence.analytics import size_durations, sprint_outlook
from cadence.analytics.correlation import Correlation
from cadence.analytics.size_durations import correlation_reading, cycle_time_by_size
from cadence.analytics.sprint_outlook import (
    at_least_levels,
    commitment_reliability,
    commitment_verdict,
    items_outlook,
    items_verdict,
    reliability_verdict,
    usual_length,
    velocity_outlook,
)

PAST = [31, 38, 35, 40, 33, 36]  # sorted: 31 33 35 36 38 40


def test_at_least_levels_are_the_nearest_rank_from_the_top() -> None:
    # n=6: P50 -> index 6 - ceil(3) = 3 -> 36 (36, 38, 40 reached it: 3 of 6); P85 -> 6 - ceil(5.1) = 0 -> 31
    assert at_least_levels(PAST) == {0.5: 36.0, 0.85: 31.0}
    assert at_least_levels([]) == {0.5: None, 0.85: None}
    assert at_least_levels([7.0, float("nan")]) == {0.5: 7.0, 0.85: 7.0}


@pytest.mark.parametrize(
    ("committed", "fit"),
    [(31, "fits"), (20, "fits"), (32, "stretch"), (36, "stretch"), (42, "too_big"), (None, "no_commitment")],
)
def test_the_commitment_fits_up_to_p85_stretches_up_to_p50(committed: float | None, fit: str) -> None:
    outlook = velocity_outlook(PAST, committed)
    assert (outlook.p50, outlook.p85, outlook.low, outlook.high, outlook.sprints) == (36.0, 31.0, 31.0, 40.0, 6)
    assert outlook.fit == fit


def test_the_verdict_reads_like_a_scrum_master() -> None:
    assert commitment_verdict(velocity_outlook(PAST, 42)) == (
        "this sprint commits 42 points; your last 6 sprints delivered 31-36 points (P85-P50): "
        "the commitment is likely too big."
    )
    assert "no closed sprint" in commitment_verdict(velocity_outlook([], 10))
    assert commitment_verdict(velocity_outlook([20], None), sprint="the next sprint") == (
        "the next sprint has no commitment yet; your last 1 sprint delivered 20 points (P85 and P50): "
        "plan up to 20 points."
    )


def test_commitment_reliability_by_nearest_rank() -> None:
    ratios = [0.5, 0.8, 1.0, 0.9, 1.2, 0.7, float("nan")]  # sorted: .5 .7 .8 .9 1.0 1.2 (n=6)
    r = commitment_reliability(ratios)
    # P15 rank ceil(0.9)=1 -> .5; P50 rank 3 -> .8; P85 rank ceil(5.1)=6 -> 1.2; met: 1.0 and 1.2 -> 2/6
    assert (r.sprints, r.p15, r.median, r.p85) == (6, 0.5, 0.8, 1.2)
    assert r.share_met == pytest.approx(2 / 6)
    assert reliability_verdict(r) == (
        "Over the last 6 sprints, say/do was 80 % at the median (P15 50 %, P85 120 %); 2 of 6 delivered their "
        "full commitment."
    )
    assert commitment_reliability([]).sprints == 0


def test_items_outlook_with_a_constant_pace_is_exact() -> None:
    start = dt.date(2026, 6, 1)
    rng = np.random.default_rng(0)
    # two items every day, 5 days: every trial delivers exactly 10
    out = items_outlook(np.full(28, 2), 10, start, start + dt.timedelta(days=4), rng=rng, trials=500)
    assert (out.days, out.p50, out.p85, out.fit) == (5, 10, 10, "fits")
    assert items_outlook(np.full(28, 2), 11, start, start + dt.timedelta(days=4), rng=rng, trials=500).fit == "too_big"
    none_left = items_outlook(np.full(28, 2), 3, start, start - dt.timedelta(days=1), rng=rng)
    assert (none_left.days, none_left.p85, none_left.fit) == (0, 0, "too_big")
    assert items_verdict(none_left) == "3 items are still open and no day is left."
    assert items_verdict(out).startswith("10 items are still open; at your recent pace the team delivers at least 10")


def test_items_outlook_is_seeded_and_ordered() -> None:
    sample = np.array([0, 1, 3, 0, 2, 5, 1])
    start, end = dt.date(2026, 6, 1), dt.date(2026, 6, 10)
    a = items_outlook(sample, 12, start, end, rng=np.random.default_rng(7))
    b = items_outlook(sample, 12, start, end, rng=np.random.default_rng(7))
    assert a == b and a.p85 <= a.p50


def test_usual_length_is_the_rounded_median() -> None:
    assert usual_length([13.98, 14.0, 13.9, 20.5]) == 14
    assert usual_length([]) == 14 and usual_length([], default=10) == 10


def test_cycle_time_by_size_and_overlaps() -> None:
    points = [1, 1, 1, 2, 2, 2, 3, 5, 5, 5, 5, 8, 8, 8]
    days = [1, 2, 3, 4, 5, 6, 9, 2, 3, 4, 20, 7, 8, 9]
    frame = cycle_time_by_size(points, days)
    assert frame["points"].to_list() == [1, 2, 3, 5, 8]
    assert frame["items"].to_list() == [3, 3, 1, 4, 3]
    # medians: rank ceil(n/2): [1,2,3]->2, [4,5,6]->5, [9], [2,3,4,20]->3 (rank 2), [7,8,9]->8
    assert frame["p50_days"].to_list() == [2, 5, 9, 3, 8]
    # P85 ranks ceil(.85 n): n=3 -> 3, n=4 -> 4
    assert frame["p85_days"].to_list() == [3, 6, 9, 20, 9]
    # the 3 has one item: listed, never compared; the 5's median (3) is not above the 2's (5)
    assert frame["overlaps"].to_list() == [False, False, False, True, False]
    assert frame["overlaps_with"].to_list() == [None, None, None, 2, None]
    assert cycle_time_by_size([], []).height == 0


@pytest.mark.parametrize(
    ("rho", "reading"), [(None, "unknown"), (0.1, "none"), (0.2, "weak"), (0.39, "weak"), (0.4, "moderate")]
)
def test_correlation_reading(rho: float | None, reading: str) -> None:
    assert correlation_reading(Correlation(10, rho, None, None)) == reading


DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


@pytest.mark.parametrize(
    "function",
    [
        sprint_outlook.velocity_outlook,
        sprint_outlook.commitment_reliability,
        sprint_outlook.items_outlook,
        size_durations.cycle_time_by_size,
    ],
)
def test_definitions_are_in_the_metrics_doc_word_for_word(function: object) -> None:
    doc = inspect.getdoc(function)
    assert doc
    page = re.sub(r"\s+", " ", DOC.read_text(encoding="utf-8").replace("``", "`"))
    for paragraph in (p for p in doc.split("\n\n") if "**" in p):
        assert re.sub(r"\s+", " ", paragraph.replace("``", "`")).strip() in page
