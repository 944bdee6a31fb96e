"""The jira-agile-metrics compatible cycle time on hand-made backward-move cases."""

from __future__ import annotations

import polars as pl

from cadence.analytics.peer_variant import cycle_time_peer_variant

from .histories import Team, ts


def peer(team: Team, tz: str = "UTC") -> dict[int, tuple[object, object, int]]:
    frame = cycle_time_peer_variant(team.history(), tz=tz)
    return {r[0]: (r[1], r[2], r[3]) for r in frame.rows()}


def test_a_straight_item_counts_whole_days_with_the_same_day_as_zero() -> None:
    team = (
        Team()
        .item(
            1,
            ts(2024, 3, 1),
            [(ts(2024, 3, 4, 9), "Ready"), (ts(2024, 3, 5), "In Progress"), (ts(2024, 3, 8, 21), "Done")],
        )
        .item(2, ts(2024, 3, 1), [(ts(2024, 3, 4, 9), "Ready"), (ts(2024, 3, 4, 17), "Done")])
    )
    assert peer(team) == {
        1: (ts(2024, 3, 4, 9), ts(2024, 3, 8, 21), 4),
        2: (ts(2024, 3, 4, 9), ts(2024, 3, 4, 17), 0),
    }


def test_re_entering_a_stage_keeps_its_first_date_and_erases_later_ones() -> None:
    # Ready, In Progress, back to Ready, In Progress again, Done: Ready keeps the 2nd.
    team = Team().item(
        1,
        ts(2024, 3, 1),
        [
            (ts(2024, 3, 2), "Ready"),
            (ts(2024, 3, 3), "In Progress"),
            (ts(2024, 3, 4), "Ready"),
            (ts(2024, 3, 6), "In Progress"),
            (ts(2024, 3, 9), "Done"),
        ],
    )
    assert peer(team) == {1: (ts(2024, 3, 2), ts(2024, 3, 9), 7)}


def test_a_move_back_to_the_backlog_restarts_the_committed_date() -> None:
    team = Team().item(
        1,
        ts(2024, 3, 1),
        [
            (ts(2024, 3, 2), "Ready"),
            (ts(2024, 3, 3), "In Progress"),
            (ts(2024, 3, 4), "Backlog"),
            (ts(2024, 3, 10), "Ready"),
            (ts(2024, 3, 12), "Done"),
        ],
    )
    assert peer(team) == {1: (ts(2024, 3, 10), ts(2024, 3, 12), 2)}


def test_a_reopen_erases_the_first_done_date() -> None:
    team = Team().item(
        1,
        ts(2024, 3, 1),
        [
            (ts(2024, 3, 2), "Ready"),
            (ts(2024, 3, 3), "In Progress"),
            (ts(2024, 3, 5), "Done"),
            (ts(2024, 3, 6), "In Progress"),
            (ts(2024, 3, 8, 12), "Done"),
        ],
    )
    assert peer(team) == {1: (ts(2024, 3, 2), ts(2024, 3, 8, 12), 6)}


def test_items_not_done_now_or_never_committed_have_no_cycle_time() -> None:
    team = (
        Team()
        .item(1, ts(2024, 3, 1), [(ts(2024, 3, 2), "Ready"), (ts(2024, 3, 3), "Done"), (ts(2024, 3, 4), "Review")])
        .item(2, ts(2024, 3, 1), [(ts(2024, 3, 3), "Done")])
        .item(3, ts(2024, 3, 1), [(ts(2024, 3, 2), "In Progress"), (ts(2024, 3, 5), "Done")])  # skipped Ready
    )
    assert peer(team) == {3: (ts(2024, 3, 2), ts(2024, 3, 5), 3)}


def test_unknown_statuses_are_skipped_even_when_their_category_is_known() -> None:
    team = Team().item(
        1,
        ts(2024, 3, 1),
        [(ts(2024, 3, 2), "Ready"), (ts(2024, 3, 3), "Parked"), (ts(2024, 3, 4), "Ready"), (ts(2024, 3, 6), "Done")],
    )
    frame = cycle_time_peer_variant(team.history(status_categories={"Parked": "new"}))
    assert frame.rows() == [(1, ts(2024, 3, 2), ts(2024, 3, 6), 4)]


def test_dates_are_wall_clock_days_in_the_given_time_zone() -> None:
    # 23:30 UTC on the 1st is already the 2nd in Paris; 22:30 UTC on the 2nd is 23:30 there.
    team = Team().item(1, ts(2024, 3, 1), [(ts(2024, 3, 1, 23, 30), "Ready"), (ts(2024, 3, 2, 22, 30), "Done")])
    assert peer(team)[1][2] == 1
    assert peer(team, "Europe/Paris")[1][2] == 0
    assert cycle_time_peer_variant(Team().history()).schema["cycle_time_days"] == pl.Int32
