"""The full suite: stable keys, JSON-serialisable output, the same numbers as the metric functions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cadence.analytics.suite import compute_metrics
from cadence.analytics.team_frames import TeamFrames
from cadence.analytics.workflow import DEFAULT_WORKFLOW

from .histories import ts
from .synthetic import synthetic_team
from .test_sprints import estimate_changes, sprint_changes, sprints, team

KEYS = {
    "parameters",
    "cycle_time",
    "lead_time",
    "cycle_time_control_chart",
    "cycle_time_peer",
    "throughput",
    "throughput_weekly",
    "wip",
    "age",
    "cfd",
    "net_flow",
    "flow_efficiency",
    "stage_time",
    "reopen_rate",
    "backward_moves",
    "blocked",
    "little_law",
    "bug_share",
    "escaped_defects",
    "data_quality",
    "velocity",
    "say_do",
    "sprint_scope",
    "carry_over",
    "unplanned_share",
}


def hand_frames() -> TeamFrames:
    t = team()
    return TeamFrames(
        items=t.items(),
        transitions=t.transitions(),
        sprints=sprints(),
        sprint_changes=sprint_changes(),
        estimate_changes=estimate_changes(),
    )


def test_the_suite_returns_every_metric_under_stable_keys_as_json() -> None:
    result = compute_metrics(
        hand_frames(), DEFAULT_WORKFLOW, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31), now=ts(2024, 3, 30)
    )
    assert set(result) == KEYS
    assert json.loads(json.dumps(result, allow_nan=False)) == result
    assert set(result["cycle_time"]) >= {"n", "p50", "p70", "p85", "p95", "calendar_days"}
    assert result["cycle_time"]["n"] == 6  # items 1, 2, 4, 5, 6, 9 delivered in March
    assert len(result["throughput"]) == 31 and sum(p["count"] for p in result["throughput"]) == 6
    assert result["throughput"][11] == {"date": "2024-03-12", "count": 1}
    assert [s["stage"] for s in result["cfd"]] == list(DEFAULT_WORKFLOW.names)
    assert [a["item_id"] for a in result["age"]] == [3, 8]  # started, not done
    assert [(v["name"], v["completed_points"]) for v in result["velocity"]] == [("S1", 15.0), ("S2", 8.0)]
    assert result["say_do"]["overall"]["say_do_count"] == pytest.approx(4 / 9)
    assert result["unplanned_share"]["by_type"]["unplanned_count"] == 1  # the incident
    assert result["parameters"]["now"] == "2024-03-30T00:00:00Z"
    assert result["cycle_time_peer"] is None


def test_the_peer_variant_is_computed_on_request() -> None:
    result = compute_metrics(
        hand_frames(),
        DEFAULT_WORKFLOW,
        start=dt.date(2024, 3, 1),
        end=dt.date(2024, 3, 31),
        now=ts(2024, 3, 30),
        peer_variant=True,
    )
    # The six delivered items, plus the Won't Do item 7: the peer tool knows stages only, so discarded is done.
    assert result["cycle_time_peer"]["calendar_days"]["n"] == 7


def test_the_suite_runs_on_empty_frames() -> None:
    result = compute_metrics(
        TeamFrames(), DEFAULT_WORKFLOW, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 7), now=ts(2024, 3, 8)
    )
    assert result["cycle_time"]["n"] == 0 and result["cycle_time"]["p85"] is None
    assert [p["count"] for p in result["throughput"]] == [0] * 7
    assert result["velocity"] == [] and result["say_do"]["overall"]["say_do_count"] is None
    assert json.dumps(result, allow_nan=False)


def test_the_suite_refuses_naive_instants_and_reversed_ranges() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        compute_metrics(
            TeamFrames(),
            DEFAULT_WORKFLOW,
            start=dt.date(2024, 3, 1),
            end=dt.date(2024, 3, 7),
            now=dt.datetime(2024, 3, 8),  # noqa: DTZ001 - the point of the test
        )
    with pytest.raises(ValueError, match="ends \\(2024-03-01\\) before it starts"):
        compute_metrics(
            TeamFrames(), DEFAULT_WORKFLOW, start=dt.date(2024, 3, 7), end=dt.date(2024, 3, 1), now=ts(2024, 3, 8)
        )


def test_the_suite_agrees_with_itself_on_a_synthetic_team() -> None:
    now = ts(2025, 6, 1)
    frames = synthetic_team(3000, now=now, span_days=365)
    result = compute_metrics(
        frames, DEFAULT_WORKFLOW, start=dt.date(2024, 9, 1), end=dt.date(2025, 5, 31), now=now, tz="Europe/Paris"
    )
    delivered = sum(p["count"] for p in result["throughput"])
    assert delivered == result["cycle_time"]["n"] == result["lead_time"]["n"] == result["flow_efficiency"]["n"]
    assert sum(p["count"] for p in result["throughput_weekly"]) == delivered
    assert result["reopen_rate"]["delivered"] == delivered
    assert sum(p["departures"] for p in result["net_flow"]["daily"]) == delivered
    last_cfd_done = result["cfd"][-1]["series"][-1]
    assert last_cfd_done["cumulative"] == last_cfd_done["count"]
    assert result["cycle_time"]["p50"] <= result["cycle_time"]["p85"] <= result["cycle_time"]["p95"]
    assert 0 < result["flow_efficiency"]["aggregate"] < 1
