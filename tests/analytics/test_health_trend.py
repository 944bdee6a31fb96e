"""The health trend, hand-computed: means, lights, the change against the previous check and the trend's dead band."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path

import polars as pl
import pytest

from cadence.analytics.health_trend import ANSWERS, health_trend


def _at(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, day, 15, tzinfo=dt.UTC)


ANSWERED = pl.DataFrame(
    {
        "meeting_id": [1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3],
        "held_at": [_at(1)] * 4 + [_at(15)] * 2 + [_at(29)] * 5,
        "dimension": ["fun", "fun", "fun", "speed", "fun", "fun", "fun", "fun", "fun", "fun", "speed"],
        "score": [3, 3, 2, 2, 1, 2, 2, 2, 1, 2, 3],
    },
    schema=ANSWERS,
)


def test_means_lights_changes_and_trends_by_hand() -> None:
    out = health_trend(ANSWERED)
    rows = [(r["dimension"], r["meeting_id"], r["answers"], r["red"], r["amber"], r["green"]) for r in
            out.iter_rows(named=True)]  # fmt: skip
    assert rows == [("fun", 1, 3, 0, 1, 2), ("fun", 2, 2, 1, 1, 0), ("fun", 3, 4, 1, 3, 0),
                    ("speed", 1, 1, 0, 1, 0), ("speed", 3, 1, 0, 0, 1)]  # fmt: skip
    # fun: 8/3 = 2.667 (green) -> 3/2 = 1.5 (amber, -1.167: down) -> 7/4 = 1.75 (amber, +0.25: not above 0.25: same)
    # speed: 2 (amber) -> 3 (green, +1: up); meeting 2 had no speed answer, so speed compares 3 with 1.
    assert out.get_column("mean_score").round(3).to_list() == [2.667, 1.5, 1.75, 2.0, 3.0]
    assert out.get_column("light").to_list() == ["green", "amber", "amber", "amber", "green"]
    assert out.get_column("change").round(3).to_list() == [None, -1.167, 0.25, None, 1.0]
    assert out.get_column("trend").to_list() == [None, "down", "same", None, "up"]
    assert health_trend(ANSWERED, tolerance=0.2).get_column("trend").to_list()[2] == "up"


def test_edges() -> None:
    assert health_trend(ANSWERED.head(0)).height == 0
    red = health_trend(ANSWERED.with_columns(score=pl.lit(1, dtype=pl.Int64)))
    assert set(red.get_column("light")) == {"red"} and set(red.get_column("trend").drop_nulls()) == {"same"}
    with pytest.raises(ValueError, match="1, 2 or 3"):
        health_trend(ANSWERED.with_columns(score=pl.lit(4, dtype=pl.Int64)))
    with pytest.raises(ValueError, match="negative"):
        health_trend(ANSWERED, tolerance=-1)


def test_the_definition_is_in_the_metrics_doc() -> None:
    doc = inspect.getdoc(health_trend)
    assert doc
    words = lambda text: re.sub(r"\s+", " ", text.replace("``", "`")).strip()  # noqa: E731
    page = words((Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text(encoding="utf-8"))
    for paragraph in (p for p in doc.split("\n\n") if "**" in p):
        assert words(paragraph) in page
