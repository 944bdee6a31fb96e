"""Two-week sprints per team, and how items enter and leave them.

Each team runs on a fixed fortnightly grid (SUP starts on Mondays, PLAT on Wednesdays, on alternate ISO weeks so
the grid does not move with ``until``); a start that falls on a public holiday slips to the next working day.
Twelve sprints are closed, the thirteenth is active on ``until`` and one future sprint is being prepared. A sprint
starts at 10:00 local after planning and ends at 09:30 local on the next sprint's first day; closing it (a few
minutes either side of the end) moves every unfinished item into the next sprint, as Jira's "complete sprint" does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from cadence.domain.frames import SPRINT_CHANGES, SPRINTS, conform

from .calendar import WorkCalendar, epoch_day, local_instants, public_holidays
from .organisation import Organisation, TeamProfile
from .vocabulary import SPRINT_GOALS

__all__ = [
    "ACTIVE",
    "NEVER",
    "SPRINTS_PER_TEAM",
    "Episode",
    "SprintPlan",
    "plan_sprints",
    "sprint_changes",
    "sprint_grid",
    "sprint_numbers",
]

ACTIVE = 12
"""Index of the active sprint; 0..11 are closed, 13 is the future one."""
SPRINTS_PER_TEAM = ACTIVE + 2
NEVER = np.iinfo(np.int64).max
"""Instant of things that have not happened (a sprint not yet completed, an item not yet done)."""
_NUMBERING_EPOCH = dt.date(2023, 1, 2)


def sprint_grid(teams: tuple[TeamProfile, ...], until: dt.date) -> NDArray[np.int64]:
    """Start days (days since epoch) of each team's sprints, shape (teams, sprints + 1): the last column is the day
    the future sprint ends. Pure calendar arithmetic, so the storyline can be located without simulating."""
    grid = np.empty((len(teams), SPRINTS_PER_TEAM + 1), dtype=np.int64)
    for t, team in enumerate(teams):
        off = public_holidays(team.country, until.year - 1, until.year + 1)
        anchor = until - dt.timedelta(days=(until.weekday() - team.sprint_weekday) % 7)
        if ((anchor.toordinal() - 1) // 7 + t) % 2:
            anchor -= dt.timedelta(days=7)
        for _ in range(2):
            days = [_working(anchor + dt.timedelta(days=14 * (j - ACTIVE)), off) for j in range(SPRINTS_PER_TEAM + 1)]
            if days[ACTIVE] <= until:
                break
            anchor -= dt.timedelta(days=14)
        grid[t] = [epoch_day(d) for d in days]
    return grid


def sprint_numbers(grid: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each sprint's number in its team's history (teams have been sprinting for a while: numbers do not start at 1)."""
    offset = 3 + 17 * np.arange(grid.shape[0], dtype=np.int64)[:, None]
    return (grid[:, :SPRINTS_PER_TEAM] - epoch_day(_NUMBERING_EPOCH)) // 14 + offset


def _working(day: dt.date, off: frozenset[dt.date]) -> dt.date:
    while day.weekday() >= 5 or day in off:
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True, eq=False)
class SprintPlan:
    """Every team's sprints as (teams, sprints) arrays, in UTC microseconds and on the teams' effort clocks."""

    ids: NDArray[np.str_]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    completed: NDArray[np.int64]  # NEVER for the active and future sprints
    start_effort: NDArray[np.float64]  # (teams, sprints + 1): the last column is the future sprint's end
    close_effort: NDArray[np.float64]  # inf for the active and future sprints
    frame: pl.DataFrame

    def containing(self, team: NDArray[np.int64], effort: NDArray[np.float64]) -> NDArray[np.int64]:
        """Index of the sprint open at each effort instant: the first one not completed by then (at most ACTIVE)."""
        closes = self.close_effort[:, :ACTIVE]
        return np.asarray(np.minimum((closes[team] <= effort[:, None]).sum(axis=1), ACTIVE), dtype=np.int64)


def plan_sprints(
    org: Organisation, grid: NDArray[np.int64], calendar: WorkCalendar, rng: np.random.Generator, bad: tuple[int, int]
) -> SprintPlan:
    """Sprint instants, ids, names and goals (``bad`` = (team, sprint) of the storyline's bad sprint)."""
    n_teams, width = len(org.teams), SPRINTS_PER_TEAM
    team = np.repeat(np.arange(n_teams, dtype=np.int64), width + 1)
    starts = local_instants(team, grid.ravel(), np.full(team.size, 10.0), calendar.zones).reshape(grid.shape)
    ends = local_instants(team, grid.ravel(), np.full(team.size, 9.5), calendar.zones).reshape(grid.shape)
    start, end = starts[:, :width], ends[:, 1:]
    jitter = rng.integers(-25, 16, size=(n_teams, width)) * 60_000_000
    index = np.arange(width)
    completed = np.where(index[None, :] < ACTIVE, end + jitter, NEVER)
    start_effort = calendar.effort_at(team, starts.ravel()).reshape(grid.shape)
    close_effort = np.where(
        index[None, :] < ACTIVE,
        calendar.effort_at(np.repeat(np.arange(n_teams), width), np.minimum(completed, end).ravel()).reshape(end.shape),
        np.inf,
    )

    keys = [t.key for t in org.teams]
    number = sprint_numbers(grid)
    key_col = pl.Series(keys).gather(np.repeat(np.arange(n_teams), width))
    num_col = pl.Series(number.ravel()).cast(pl.String)
    ids = pl.select(pl.concat_str([pl.lit("demo-sprint-"), key_col, pl.lit("-"), num_col])).to_series()
    goals = [SPRINT_GOALS[t.kind] for t in org.teams]
    goal = [goals[t][int(number[t, j]) % len(goals[t])] for t in range(n_teams) for j in range(width)]
    goal[bad[0] * width + bad[1]] = "Kubernetes cluster migration (all services) + PostgreSQL 16 in production"
    state = np.where(index < ACTIVE, "closed", np.where(index == ACTIVE, "active", "future"))
    frame = pl.DataFrame(
        {
            "source_id": ids,
            "team": key_col,
            "name": pl.select(pl.concat_str([key_col, pl.lit(" Sprint "), num_col])).to_series(),
            "state": np.tile(state, n_teams),
            "start_at": pl.Series(start.ravel()).cast(pl.Datetime("us", "UTC")),
            "end_at": pl.Series(end.ravel()).cast(pl.Datetime("us", "UTC")),
            "completed_at": pl.Series(np.where(completed == NEVER, 0, completed).ravel()).cast(
                pl.Datetime("us", "UTC")
            ),
            "goal": goal,
            "board": pl.select(pl.concat_str([key_col, pl.lit(" board")])).to_series(),
        }
    ).with_columns(completed_at=pl.when(pl.col("state") == "closed").then(pl.col("completed_at")))
    return SprintPlan(
        ids=ids.to_numpy().astype(str).reshape(n_teams, width),
        start=start,
        end=end,
        completed=completed,
        start_effort=start_effort,
        close_effort=close_effort,
        frame=conform(frame, SPRINTS, name="sprints"),
    )


@dataclass(frozen=True, eq=False)
class Episode:
    """A stay of items in sprints: added to ``sprint`` at ``added_at``, carried over at each close until ``ends_at``
    (the item's resolution, or NEVER). Rows are parallel arrays."""

    item: NDArray[np.int64]
    team: NDArray[np.int64]
    sprint: NDArray[np.int64]
    added_at: NDArray[np.int64]
    added_by: NDArray[np.int64]
    ends_at: NDArray[np.int64]


def sprint_changes(
    plan: SprintPlan,
    episodes: Episode,
    removals: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
    manager: NDArray[np.int64],
    item_ids: pl.Series,
    person_ids: pl.Series,
    until_end: int,
) -> pl.DataFrame:
    """SPRINT_CHANGES rows: each episode's addition, its carry-overs (removed from the closed sprint, added to the
    next, at the close instant, by the team's manager) and explicit mid-sprint ``removals`` (item, team, sprint, at)."""
    closes = plan.completed[:, :ACTIVE]
    t, j0 = episodes.team, episodes.sprint
    closed_before_end = (closes[t] < episodes.ends_at[:, None]).sum(axis=1)
    last = np.where(j0 > ACTIVE, j0, np.clip(closed_before_end, j0, ACTIVE))
    carries = last - j0
    c_item = np.repeat(episodes.item, carries)
    c_team = np.repeat(t, carries)
    c_from = np.repeat(j0, carries) + np.arange(carries.sum()) - np.repeat(np.cumsum(carries) - carries, carries)
    c_at = closes[c_team, np.minimum(c_from, ACTIVE - 1)] if c_item.size else np.empty(0, np.int64)
    r_item, r_team, r_sprint, r_at = removals
    item = np.concatenate([episodes.item, c_item, c_item, r_item])
    team = np.concatenate([t, c_team, c_team, r_team])
    sprint = np.concatenate([j0, c_from, c_from + 1, r_sprint])
    at = np.concatenate([episodes.added_at, c_at, c_at, r_at])
    added = np.concatenate(
        [np.ones(t.size, bool), np.zeros(c_item.size, bool), np.ones(c_item.size, bool), np.zeros(r_item.size, bool)]
    )
    by = np.concatenate([episodes.added_by, manager[c_team], manager[c_team], manager[r_team]])
    order = np.concatenate([np.zeros(t.size), np.ones(c_item.size), np.full(c_item.size, 2), np.ones(r_item.size)])
    keep = at <= until_end
    item, team, sprint, at, added, by, order = (a[keep] for a in (item, team, sprint, at, added, by, order))
    sort = np.lexsort((order, at, item))
    item, team, sprint, at, added, by = (a[sort] for a in (item, team, sprint, at, added, by))
    frame = pl.DataFrame(
        {
            "item_source_id": item_ids.gather(item),
            "item": item,
            "sprint_id": pl.Series(plan.ids.ravel()).gather(team * SPRINTS_PER_TEAM + sprint),
            "change": np.where(added, "added", "removed"),
            "at": pl.Series(at).cast(pl.Datetime("us", "UTC")),
            "by_id": person_ids.gather(by),
        }
    ).with_columns(event_key=pl.concat_str([pl.lit("s"), (pl.int_range(pl.len()).over("item") + 1).cast(pl.String)]))
    return conform(frame, SPRINT_CHANGES, name="sprint_changes")
