"""The impediment detector on a hand-made team: it flags exactly the planted stalls, with their numbers."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cadence.analytics.impediment_signals import SignalRules, detect_impediments
from cadence.domain import frames as F

from .histories import Team, row, ts

NOW = ts(2024, 5, 16, 9)  # a Thursday
DAY = dt.timedelta(days=1)
REVIEW_DWELLS = (1, 2, 2, 2, 3, 3, 4)


def team() -> Team:
    t = Team()
    # Seven delivered items with a calm, known past: Ready 1 day, In Progress 2, Review 1-4 days, QA 1.
    # Cycle times 5, 6, 6, 6, 7, 7, 8 days: P85 (rank 6 of 7) is 7 days.
    for i, review in enumerate(REVIEW_DWELLS, start=1):
        t0 = ts(2024, 4, 1, 9) + 2 * i * DAY
        t.item(
            i,
            t0 - DAY,
            [
                (t0, "Ready"),
                (t0 + DAY, "In Progress"),
                (t0 + 3 * DAY, "In Review"),
                (t0 + (3 + review) * DAY, "QA"),
                (t0 + (4 + review) * DAY, "Done"),
            ],
        )
    created = ts(2024, 5, 1, 9)
    started_15 = [(ts(2024, 5, 14, 9), "Ready"), (ts(2024, 5, 15, 9), "In Progress")]
    # Calm: in progress for a day; in review for 0.875 days, reassigned once, flagged and unflagged.
    t.item(10, created, started_15)
    t.item(11, created, [(ts(2024, 5, 13, 9), "Ready"), (ts(2024, 5, 14, 9), "Doing"), (ts(2024, 5, 15, 12), "Review")])
    # Stuck in review: 6.0 days against a median of 2.0 (age exactly P85, 7.0 days: not above it).
    t.item(
        20, created, [(ts(2024, 5, 9, 9), "Ready"), (ts(2024, 5, 9, 10), "In Progress"), (ts(2024, 5, 10, 9), "Review")]
    )
    # Old: 12 days since start, every visit within twice its stage median (QA for 1.5 days against 1.0).
    t.item(
        21,
        created,
        [
            (ts(2024, 5, 4, 9), "Ready"),
            (ts(2024, 5, 5, 21), "In Progress"),
            (ts(2024, 5, 9, 9), "Review"),
            (ts(2024, 5, 14, 21), "QA"),
        ],
    )
    # Ping-pong: Review -> In Progress twice.
    t.item(
        30,
        created,
        [
            (ts(2024, 5, 13, 9), "Ready"),
            (ts(2024, 5, 13, 10), "In Progress"),
            (ts(2024, 5, 14, 9), "Review"),
            (ts(2024, 5, 14, 15), "In Progress"),
            (ts(2024, 5, 15, 9), "Review"),
            (ts(2024, 5, 15, 15), "In Progress"),
        ],
    )
    for item_id in (40, 50, 51, 52, 60):
        t.item(item_id, created, started_15)
    # Stale: last touched on Monday 13 May; Tuesday and Wednesday passed without a change.
    t.item(70, created, [(ts(2024, 5, 12, 9), "Ready"), (ts(2024, 5, 13, 9), "In Progress")])
    # Waiting in Ready for weeks, flagged: a committed queue, not work in progress, so not on the walk.
    t.item(80, ts(2024, 4, 1, 9), [(ts(2024, 4, 20, 9), "Ready")])
    # Reopened out of Done, then sent back from review: two backward moves.
    t.item(
        90,
        created,
        [
            (ts(2024, 5, 13, 9), "Ready"),
            (ts(2024, 5, 13, 10), "In Progress"),
            (ts(2024, 5, 14, 6), "QA"),
            (ts(2024, 5, 14, 9), "Done"),
            (ts(2024, 5, 14, 12), "Reopened"),
            (ts(2024, 5, 15, 9), "Review"),
            (ts(2024, 5, 15, 12), "In Progress"),
        ],
    )
    return t


def items(t: Team) -> pl.DataFrame:
    return t.items().with_columns(
        flagged=pl.col("item_id").is_in([51, 80])
    )  # 51 is flagged in Jira, with no flag history


def assignee_changes() -> pl.DataFrame:
    rows = [
        (11, 1, 2, ts(2024, 5, 14, 10)),
        (40, None, 1, ts(2024, 5, 7, 9)),  # a first assignment is no hand-over
        (40, 4, 1, ts(2024, 5, 1, 9)),  # outside the 10-day window
        (40, 1, 2, ts(2024, 5, 12, 9)),
        (40, 2, 3, ts(2024, 5, 14, 9)),
        (40, 3, 1, ts(2024, 5, 15, 10)),
    ]
    return F.conform(
        pl.DataFrame(rows, schema=["item_id", "from_id", "to_id", "at"], orient="row"), F.READ_ASSIGNEE_CHANGES
    )


def flag_changes() -> pl.DataFrame:
    rows = [
        (50, True, ts(2024, 5, 14, 12)),
        (52, True, ts(2024, 5, 14, 12)),
        (52, False, ts(2024, 5, 15, 12)),
        (10, True, ts(2024, 5, 17, 12)),  # after now: ignored
    ]
    return F.conform(pl.DataFrame(rows, schema=["item_id", "flagged", "at"], orient="row"), F.READ_FLAG_CHANGES)


def estimate_changes() -> pl.DataFrame:
    rows = [(20, 3.0, 5.0, ts(2024, 5, 15, 11))]  # someone touched the stuck item yesterday: it is not stale
    return F.conform(
        pl.DataFrame(rows, schema=["item_id", "from_value", "to_value", "at"], orient="row"), F.READ_ESTIMATE_CHANGES
    )


def blocking_links() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "item_id": [60, 60, 10, 1],
            "blocker_key": ["PAY-7", "PAY-8", "T-99", "PAY-9"],
            "blocker_team_id": [2, 2, 1, 2],  # T-99 is of the same team: not waiting on another team
            "blocker_team": ["PAY", "PAY", "T", "PAY"],
            "blocker_resolved_at": [None, ts(2024, 5, 13, 9), None, None],  # PAY-8 is finished
            "linked_at": [ts(2024, 5, 12, 9), ts(2024, 5, 10, 9), ts(2024, 5, 12, 9), ts(2024, 4, 2, 9)],
        }
    )


def detect(**kwargs: object) -> pl.DataFrame:
    t = team()
    return detect_impediments(
        t.history(),
        items(t),
        now=NOW,
        assignee_changes=assignee_changes(),
        flag_changes=flag_changes(),
        estimate_changes=estimate_changes(),
        blocking_links=blocking_links(),
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_detector_flags_exactly_the_planted_stalls() -> None:
    found = detect()
    assert found.select("item_id", pl.col("signal").cast(pl.String)).rows() == [
        (20, "stage_dwell"),
        (21, "age"),
        (30, "ping_pong"),
        (40, "reassigned"),
        (50, "flagged"),
        (51, "flagged"),
        (60, "linked_blocker"),
        (70, "stale"),
        (90, "ping_pong"),
    ]


def test_each_signal_says_why_with_its_numbers() -> None:
    found = detect()
    reasons = dict(zip(found["item_id"].to_list(), found["reason"].to_list(), strict=True))
    assert reasons == {
        20: "In Review for 6.0 days, 3.0x this stage's median of 2.0 days",
        21: "Age 12.0 days, above the team's cycle-time P85 of 7.0 days",
        30: "Moved back 2 times; most often Review -> In Progress (2 times)",
        40: "Reassigned 3 times in the last 10 days, between 3 people",
        50: "Flagged as blocked for 1.9 days",
        51: "Flagged as blocked",
        60: "Waiting on PAY-7 of PAY, which is not finished",
        70: "No change for 2 working days (last change on 2024-05-13)",
        90: "Moved back 2 times; most often Done -> In Progress (1 time)",
    }


def test_the_evidence_columns_and_when_each_threshold_was_crossed() -> None:
    found = detect()
    dwell = row(found, 20)
    assert (dwell["key"], dwell["stage"], dwell["unit"], dwell["detail"]) == ("T-20", "Review", "days", "Review")
    # Review visits ended by now: 1, 2, 2, 2, 3, 3, 4 (history), 5.5 (item 21), 0.25 twice (item 30), 0.125 (item
    # 90): the median (rank 6 of 11) is 2.
    assert (dwell["value"], dwell["baseline"], dwell["threshold"], dwell["sample"]) == (6.0, 2.0, 4.0, 11)
    assert dwell["detected_since"] == ts(2024, 5, 14, 9)  # entered review + 4 days
    age = row(found, 21)
    assert (age["value"], age["baseline"], age["sample"], age["detail"]) == (12.0, 7.0, 7, "P85")
    assert age["detected_since"] == ts(2024, 5, 11, 9)
    pong = row(found, 30)
    assert (pong["value"], pong["threshold"], pong["detail"]) == (2.0, 2.0, "Review -> In Progress")
    assert pong["detected_since"] == ts(2024, 5, 15, 15)
    moved = row(found, 40)
    assert (moved["value"], moved["detail"], moved["detected_since"]) == (3.0, "3 people", ts(2024, 5, 15, 10))
    assert row(found, 50)["value"] == pytest.approx(1.875)
    assert row(found, 50)["detected_since"] == ts(2024, 5, 14, 12)
    assert row(found, 51)["detected_since"] is None
    blocked = row(found, 60)
    assert (blocked["value"], blocked["detail"], blocked["detected_since"]) == (1.0, "PAY-7", ts(2024, 5, 12, 9))
    stale = row(found, 70)
    assert (stale["value"], stale["unit"], stale["detected_since"]) == (2.0, "working days", ts(2024, 5, 16))
    assert found.schema["detected_since"] == pl.Datetime("us", "UTC")


def test_thresholds_are_parameters() -> None:
    assert detect(rules=SignalRules(dwell_factor=3.5)).filter(pl.col("item_id") == 20).is_empty()
    # A minimum sample above every stage's visits silences both comparisons with history.
    quiet = detect(rules=SignalRules(min_sample=20))["signal"].cast(pl.String).to_list()
    assert "stage_dwell" not in quiet and "age" not in quiet
    assert detect(rules=SignalRules(ping_pong_moves=3)).filter(pl.col("item_id") == 30).is_empty()
    loose = detect(rules=SignalRules(reassignments=2, reassignment_window_days=3))
    assert row(loose, 40)["reason"] == "Reassigned 2 times in the last 3 days, between 3 people"
    at_p50 = detect(rules=SignalRules(age_percentile=50)).filter(pl.col("signal") == "age")  # P50 is 6.0 days
    assert at_p50["item_id"].to_list() == [20, 21]


def test_several_blockers_of_other_teams_are_listed() -> None:
    t = team()
    links = pl.concat(
        [blocking_links(), pl.DataFrame({"item_id": [60], "blocker_key": ["OPS-1"], "blocker_team_id": [3]})],
        how="diagonal_relaxed",
    )
    found = detect_impediments(t.history(), items(t), now=NOW, blocking_links=links)
    assert row(found.filter(pl.col("signal") == "linked_blocker"), 60)["reason"] == (
        "Waiting on 2 unfinished items of other teams: OPS-1 (team 3), PAY-7 (PAY)"
    )


def test_stale_counts_working_days_only() -> None:
    # Wednesday 15 May a public holiday: only Tuesday passed without a change.
    assert detect(holidays=[dt.date(2024, 5, 15)]).filter(pl.col("signal") == "stale").is_empty()
    # A team working Monday to Wednesday: Tuesday and Wednesday still count.
    assert row(detect(rules=SignalRules(weekdays=(0, 1, 2))), 70)["signal"] == "stale"
    # Seen from Monday 20 May: Tue 14 .. Fri 17 are four quiet days for item 70 (and item 10 now has a flag).
    t = team()
    later = detect_impediments(t.history(), items(t), now=ts(2024, 5, 20, 9), rules=SignalRules(min_sample=99))
    assert row(later.filter(pl.col("signal") == "stale"), 70)["reason"] == (
        "No change for 4 working days (last change on 2024-05-13)"
    )


def test_the_team_time_zone_decides_the_dates_of_staleness() -> None:
    # 70's last change is Monday 13 May 09:00 UTC; seen from Wednesday 15 May 23:30 UTC, which is already
    # Thursday 16 May in Tokyo: in UTC only Tuesday passed, in Tokyo Tuesday and Wednesday did.
    t = team()
    late = ts(2024, 5, 15, 23, 30)
    rules = SignalRules(min_sample=99)
    utc = detect_impediments(t.history(), items(t), now=late, rules=rules)
    tokyo = detect_impediments(t.history(), items(t), now=late, tz="Asia/Tokyo", rules=rules)
    assert 70 not in utc.filter(pl.col("signal") == "stale")["item_id"].to_list()
    assert row(tokyo.filter(pl.col("signal") == "stale"), 70)["detected_since"] == ts(2024, 5, 15, 15)


def test_a_calm_team_has_no_signals_and_an_empty_frame_keeps_its_schema() -> None:
    t = Team()
    for i, review in enumerate(REVIEW_DWELLS, start=1):
        t0 = ts(2024, 5, 1, 9) + i * dt.timedelta(hours=6)
        t.item(i, t0, [(t0, "Ready"), (t0 + DAY, "In Progress"), (t0 + (1 + review) * DAY, "Done")])
    t.item(10, ts(2024, 5, 14, 9), [(ts(2024, 5, 15, 9), "In Progress")])
    found = detect_impediments(t.history(), t.items(), now=NOW)
    assert found.is_empty()
    assert found.columns == [
        "item_id",
        "key",
        "stage",
        "signal",
        "reason",
        "value",
        "baseline",
        "threshold",
        "sample",
        "unit",
        "detail",
        "detected_since",
    ]


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="dwell_factor"):
        SignalRules(dwell_factor=0)
    with pytest.raises(ValueError, match="stale_working_days is 0"):
        SignalRules(stale_working_days=0)
