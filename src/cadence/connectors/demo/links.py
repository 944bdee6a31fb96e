"""Links between work items: duplicates, cross-team dependencies and related work.

* every item closed as "Duplicate" duplicates an earlier bug of its team;
* 3 % of platform items block a support-team item created around the same time (the classic cross-team
  dependency a PM has to chase);
* 4 % of items relate to a neighbour of their team's backlog (created close in time).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from cadence.domain.frames import ITEM_LINKS, conform

from .intake import Intake
from .items import Work, utc
from .sprints import NEVER
from .workflow import BUG, DUPLICATE

__all__ = ["link_items"]

_SHIFT = 46


def _neighbour(
    order_key: NDArray[np.int64],
    team_start: NDArray[np.int64],
    team_end: NDArray[np.int64],
    query: NDArray[np.int64],
    offset: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Position near ``query`` in ``order_key`` (sorted), shifted by ``offset``, kept inside the team's block."""
    position = np.searchsorted(order_key, query) + offset
    return np.asarray(np.clip(position, team_start, np.maximum(team_end - 1, team_start)), dtype=np.int64)


def link_items(intake: Intake, work: Work, until_end: int, rng: np.random.Generator) -> pl.DataFrame:
    """ITEM_LINKS rows (``A blocks B`` is from A to B)."""
    n, team = intake.size, intake.team
    origin = int(work.created.min()) - 1
    key = (team << _SHIFT) | (work.created - origin)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    n_teams = int(team.max()) + 1
    team_start = np.searchsorted(sorted_key, np.arange(n_teams, dtype=np.int64) << _SHIFT)
    team_end = np.append(team_start[1:], n)

    # duplicates -> an earlier bug of the same team (the closest earlier one)
    bugs = np.flatnonzero(intake.kind == BUG)
    bug_key = np.sort(key[bugs])
    bug_rows = bugs[np.argsort(key[bugs], kind="stable")]
    dup = np.flatnonzero((intake.resolution == DUPLICATE) & (work.resolved != NEVER))
    back = np.searchsorted(bug_key, key[dup]) - 1 - (rng.random(dup.size) * 5).astype(np.int64)
    back = np.maximum(back, 0)
    same = (bug_key[back] >> _SHIFT) == team[dup]
    dup, original = dup[same], bug_rows[back[same]]
    keep = original != dup
    dup, original = dup[keep], original[keep]

    # platform items blocking a support item of the partner team
    platform = np.flatnonzero(team % 2 == 1)
    blocker = platform[rng.random(platform.size) < 0.03]
    partner = team[blocker] - 1
    target = order[
        _neighbour(
            sorted_key,
            team_start[partner],
            team_end[partner],
            (partner << _SHIFT) | (work.created[blocker] - origin),
            rng.integers(0, 6, blocker.size),
        )
    ]

    # related items of the same team, close in the backlog
    source = np.flatnonzero(rng.random(n) < 0.04)
    step = rng.integers(1, 12, source.size) * np.where(rng.random(source.size) < 0.5, -1, 1)
    related = order[_neighbour(sorted_key, team_start[team[source]], team_end[team[source]], key[source], step)]
    keep = related != source
    source, related = source[keep], related[keep]

    start = np.concatenate([dup, blocker, source])
    end = np.concatenate([original, target, related])
    kind = np.repeat(["duplicates", "blocks", "relates"], [dup.size, blocker.size, source.size])
    linked = np.maximum(work.created[start], work.created[end]) + (rng.random(start.size) * 3_600_000_000).astype(
        np.int64
    )
    linked = np.where(kind == "duplicates", work.resolved[np.where(kind == "duplicates", start, 0)], linked)
    frame = pl.DataFrame(
        {
            "from_source_id": work.ids.gather(start),
            "to_source_id": work.ids.gather(end),
            "link_type": kind,
            "created_at": utc(np.minimum(linked, until_end)),
        }
    )
    return conform(frame.unique(maintain_order=True), ITEM_LINKS, name="item_links")
