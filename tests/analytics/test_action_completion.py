"""The completion rate and the metric before/after check, on hand-made frames."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cadence.analytics.action_completion import better_direction, completion_rate, metric_check

D = dt.date


def _frame(rows: list[tuple[D | None, str, D | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"due_on": pl.Date, "status": pl.String, "done_on": pl.Date}, orient="row")


def test_only_actions_done_by_their_due_date_count() -> None:
    actions = _frame([
        (D(2026, 3, 10), "done", D(2026, 3, 10)),  # on the due date: on time
        (D(2026, 3, 10), "done", D(2026, 3, 11)),  # a day late
        (D(2026, 3, 12), "dropped", None),
        (D(2026, 3, 14), "open", None),
        (None, "done", D(2026, 3, 1)),  # no due date: left out
        (D(2026, 2, 28), "done", D(2026, 2, 27)),  # due before the window
        (D(2026, 4, 1), "done", D(2026, 3, 5)),  # due after the window, even though done in it
    ])  # fmt: skip
    result = completion_rate(actions, start=D(2026, 3, 1), end=D(2026, 3, 31))
    assert (result["due"], result["done_on_time"]) == (4, 1)
    assert result["rate"] == pytest.approx(0.25)


def test_nothing_due_is_no_rate_not_zero() -> None:
    result = completion_rate(_frame([(None, "open", None)]), start=D(2026, 3, 1), end=D(2026, 3, 31))
    assert (result["due"], result["rate"]) == (0, None)


def test_the_check_follows_the_metric_direction() -> None:
    assert better_direction("cycle_time.p85") == "lower"
    assert better_direction("say_do.overall.say_do_points") == "higher"
    assert better_direction("little_law.throughput_per_day") == "higher"  # a rate of delivery, whatever the family
    assert better_direction("wip") is None
    down = metric_check(10.0, 7.5, "lower")
    assert (down["change"], down["improved"]) == (-2.5, True)
    assert metric_check(0.6, 0.5, "higher")["improved"] is False
    assert metric_check(3.0, 3.0, "lower")["improved"] is False  # unchanged is not an improvement
    assert metric_check(3.0, 4.0, None)["improved"] is None
    assert metric_check(None, 4.0, "lower") == {
        "baseline": None, "current": 4.0, "change": None, "better": "lower", "improved": None,
    }  # fmt: skip
