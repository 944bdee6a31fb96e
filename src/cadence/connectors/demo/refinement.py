"""Backlog refinement: the top of each team's backlog is kept ready for about two sprints of work.

Through the last two weeks the delivery manager and the developers refine the highest-ranked backlog items, in
rank order, until the refined items hold about two sprints of points (1.7-2.5 times the points the team delivered
per fortnight over the last six weeks): each gets acceptance criteria written into its description. An item
without an estimate, or bigger than 5 points (to be split first), is left for a later session, and one in ten is
skipped (the discussion ran out of time), so the refinement queue keeps some work near the top. Editing the
description moves the item's ``updated_at`` to the session, as Jira's "updated" does; no changelog frame records
description edits, so nothing else changes. Items outside the top are untouched: the long tail of ideas stays
unrefined and stale, as in real backlogs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray

from .calendar import US_PER_DAY, WorkCalendar

__all__ = ["refine_backlog"]

_SPLIT_ABOVE = 5.0  # points: bigger items are split before they can be ready
_SKIPPED = 0.1
_TARGET = (1.7, 2.5)  # sprints of work kept ready
_PACE_DAYS = 42
_SESSIONS_HOURS = 85.0  # effort hours before the end of the history: about the last ten working days

_CRITERIA = {
    "story": (
        "Given a signed-in customer admin, when they use the new option, then the change is saved and shown at once.",
        "Given a user without the permission, when they try it, then they see why and nothing changes.",
    ),
    "bug": (
        "Given the steps to reproduce, when they are followed on staging, then the error no longer occurs.",
        "Given the fix is released, when support checks the reporting account, then the ticket can be closed.",
    ),
    "task": (
        "Given the change is deployed, when the checks run, then they pass.",
        "Given the runbook, when on-call reads it, then it describes the new set-up.",
    ),
}
_FIRST = {kind: lines[0] for kind, lines in _CRITERIA.items()}
_SECOND = {kind: lines[1] for kind, lines in _CRITERIA.items()}
_NO_DESCRIPTION = {"story": "Refined with the team.", "bug": "Reproduced on staging.", "task": "Scoped with the team."}


def refine_backlog(
    items: pl.DataFrame,
    office: WorkCalendar,
    team_keys: Sequence[str],
    until_effort: NDArray[np.float64],
    until_end: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """``items`` with the top of each team's backlog refined (see the module docstring); same rows, same order."""
    team_index = {key: i for i, key in enumerate(team_keys)}
    frame = items.with_row_index("_row")
    since = pl.lit(until_end - _PACE_DAYS * US_PER_DAY).cast(pl.Datetime("us", "UTC"))
    pace = (
        frame.filter((pl.col("resolution") == "Done") & (pl.col("resolved_at") > since))
        .group_by("team")
        .agg((pl.col("estimate").fill_null(0).sum() * 14 / _PACE_DAYS).alias("fortnight"))
    )
    target = dict(pace.iter_rows())
    backlog = frame.filter((pl.col("status") == "Backlog") & pl.col("resolved_at").is_null()).sort("team", "rank")
    n = backlog.height
    share = rng.uniform(*_TARGET, len(team_keys))
    goal = {key: float(target.get(key) or 0.0) * share[i] for key, i in team_index.items()}
    draws = pl.DataFrame(
        {
            "skipped": rng.random(n) < _SKIPPED,
            "back": rng.uniform(0.5, _SESSIONS_HOURS, n),
            "pick": rng.integers(0, 2, n),
        }
    )
    eligible = ~pl.col("skipped") & pl.col("estimate").is_not_null() & (pl.col("estimate") <= _SPLIT_ABOVE)
    points = pl.when(eligible).then(pl.col("estimate")).otherwise(0.0)
    rows = (
        pl.concat([backlog, draws], how="horizontal")
        .with_columns(before=(points.cum_sum() - points).over("team"), goal=pl.col("team").replace_strict(goal))
        .filter(eligible & (pl.col("before") < pl.col("goal")))
    )
    if not rows.height:
        return items
    teams = rows["team"].replace_strict(team_index, return_dtype=pl.Int64).to_numpy()
    created = rows["created_at"].cast(pl.Int64).to_numpy()
    session = office.to_utc(teams, until_effort[teams] - rows["back"].to_numpy())
    session = np.minimum(np.maximum(session, created + 3_600_000_000), until_end) // 1000 * 1000
    criteria = pl.concat_str(
        [
            pl.lit("Acceptance criteria:\n- "),
            pl.col("type").replace_strict(_FIRST, default=None),
            pl.lit("\n- "),
            pl.col("type").replace_strict(_SECOND, default=None),
        ]
    )
    swapped = pl.concat_str(
        [
            pl.lit("Acceptance criteria:\n- "),
            pl.col("type").replace_strict(_SECOND, default=None),
            pl.lit("\n- "),
            pl.col("type").replace_strict(_FIRST, default=None),
        ]
    )
    edits = rows.select(
        "_row",
        pl.concat_str(
            [
                pl.coalesce(pl.col("description"), pl.col("type").replace_strict(_NO_DESCRIPTION, default="")),
                pl.lit("\n\n"),
                pl.when(pl.col("pick") == 0).then(criteria).otherwise(swapped),
            ]
        ).alias("refined_description"),
        pl.Series(session).cast(pl.Datetime("us", "UTC")).alias("refined_at"),
    ).filter(pl.col("refined_description").is_not_null())
    return (
        frame.join(edits, on="_row", how="left", maintain_order="left")
        .with_columns(
            description=pl.coalesce("refined_description", "description"),
            updated_at=pl.max_horizontal("updated_at", "refined_at"),
        )
        .drop("_row", "refined_description", "refined_at")
    )
