"""Status histories: how each work item moves through Backlog, Ready, In Progress, Review, QA and Done.

Before work starts an item is refined (Backlog -> Ready); a fifth are bounced back to the backlog and re-refined,
and some are resolved "Won't Do"/"Duplicate" without ever starting. From its start an item follows a small Markov
chain whose dwell times are lognormal in effort hours (heavy right tails, as real cycle times have):

* In Progress -> Review (stories, bugs, most tasks; 15 % of tasks and 40 % of incidents go straight to Done);
  15 % are parked back in Ready for a while (interrupted by support work); 9 % are flagged (blocked) for a
  lognormal spell that stretches the stay. Bigger estimates stay longer (sub-linearly).
* Review -> In Progress when changes are requested (45 % of first reviews, 20 % of later ones), else -> QA
  (stories, bugs, 40 % of tasks) or Done.
* QA -> In Progress when the test fails (30 % the first time, 12 % after), else -> Done.
* Done -> In Progress for 8 % of stories and bugs, reopened days later, then round the loop again.

That averages seven to eight transitions per delivered item. The chain runs vectorised across all items, one step
per iteration, and stops an item at ``until``: whatever is unfinished then is realistic ageing work in progress.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .workflow import BACKLOG, BUG, DONE, IN_PROGRESS, INCIDENT, QA, READY, REVIEW, STORY, TASK

__all__ = ["ASSIGNEE", "MANAGER", "REVIEWER", "TESTER", "Histories", "block_stalled_work", "simulate_histories"]

MANAGER, ASSIGNEE, REVIEWER, TESTER = range(4)
"""Who makes a transition: the team's manager, the item's assignee, a reviewer, a tester (another developer)."""

_IP_MEDIAN = np.array([9.0, 6.0, 5.0, 1.5])  # first stay In Progress, hours, by kind (story, bug, task, incident)
_REWORK_MEDIAN = np.array([3.0, 2.5, 2.0, 1.0])
_REVIEW_MEDIAN, _QA_MEDIAN, _PARKED_MEDIAN, _REOPEN_MEDIAN = 3.5, 5.0, 14.0, 40.0
_FLAG_SHARE, _FLAG_MEDIAN = 0.09, 9.0
_PARK_SHARE, _REOPEN_SHARE, _BOUNCE_SHARE, _TESTED_TASKS = 0.15, 0.08, 0.2, 0.4
_MIN_DWELL = 0.02  # about a minute of effort: two transitions of one item never share an instant
_MAX_STEPS = 40


@dataclass(frozen=True, eq=False)
class Histories:
    """Transitions (sorted by item, then time) and flagged periods, on the teams' effort clocks."""

    item: NDArray[np.int64]
    from_status: NDArray[np.int8]
    to_status: NDArray[np.int8]
    at: NDArray[np.float64]
    actor: NDArray[np.int8]
    flag_item: NDArray[np.int64]
    flag_on: NDArray[np.float64]
    flag_off: NDArray[np.float64]


def _size_factor(kind: NDArray[np.int8], estimate: NDArray[np.float64]) -> NDArray[np.float64]:
    """Bigger estimates take longer, sub-linearly (a 13 is not 13 times a 1)."""
    reference = np.where(kind == STORY, 3.0, 2.0)
    factor = np.where(np.isnan(estimate), 1.0, (estimate / reference) ** 0.6)
    return np.asarray(factor, dtype=np.float64)


Chunk = tuple[NDArray[np.int64], NDArray[np.int8], NDArray[np.int8], NDArray[np.float64], NDArray[np.int8]]
"""A batch of transitions: rows, from status, to status, at, actor."""


def _chunk(
    rows: NDArray[np.int64], source: int | NDArray[np.int8], target: int, at: NDArray[np.float64], actor: int
) -> Chunk:
    n = rows.size
    from_status = np.broadcast_to(np.asarray(source, dtype=np.int8), (n,)).copy()
    return rows, from_status, np.full(n, target, np.int8), at, np.full(n, actor, np.int8)


def _before_start(
    ready: NDArray[np.float64],
    start: NDArray[np.float64],
    close: NDArray[np.float64],
    horizon: NDArray[np.float64],
    rng: np.random.Generator,
) -> list[Chunk]:
    """Refinement, bounces and the first move out of the backlog, in time order per item."""
    n = ready.size
    end = np.fmin(np.fmin(start, close), horizon)
    refined = ~np.isnan(ready) & (ready < end)
    bounce = refined & (rng.random(n) < _BOUNCE_SHARE)
    back = ready + (end - ready) * rng.uniform(0.2, 0.45, n)
    again = ready + (end - ready) * rng.uniform(0.55, 0.85, n)
    prior = np.where(refined, READY, BACKLOG).astype(np.int8)
    started, closed = ~np.isnan(start), np.isnan(start) & ~np.isnan(close)
    rows = np.arange(n, dtype=np.int64)
    return [
        _chunk(rows[refined], BACKLOG, READY, ready[refined], MANAGER),
        _chunk(rows[bounce], READY, BACKLOG, back[bounce], MANAGER),
        _chunk(rows[bounce], BACKLOG, READY, again[bounce], MANAGER),
        _chunk(rows[started], prior[started], IN_PROGRESS, start[started], ASSIGNEE),
        _chunk(rows[closed], prior[closed], DONE, close[closed], MANAGER),
    ]


def simulate_histories(
    kind: NDArray[np.int8],
    ready: NDArray[np.float64],
    start: NDArray[np.float64],
    close: NDArray[np.float64],
    speed: NDArray[np.float64],
    estimate: NDArray[np.float64],
    horizon: NDArray[np.float64],
    rng: np.random.Generator,
) -> Histories:
    """Every item's status history up to its ``horizon`` (the effort reading of ``until`` on its team's clock).

    ``start`` is the first entry into In Progress (NaN: never started); ``close`` the instant a never-started item
    is resolved without work (NaN: stays open). ``speed`` stretches every dwell (1.35 for the incident sprint's plans).
    """
    chunks = _before_start(ready, start, close, horizon, rng)
    size = _size_factor(kind, estimate)

    idx = np.flatnonzero(~np.isnan(start) & (start <= horizon))
    cur = np.full(idx.size, IN_PROGRESS, dtype=np.int8)
    t = start[idx].copy()
    first = np.ones(idx.size, dtype=bool)
    reviews = np.zeros(idx.size, dtype=np.int8)
    tests = np.zeros(idx.size, dtype=np.int8)
    parked = kind[idx] == INCIDENT  # incidents are never parked
    reopen = np.isin(kind[idx], (STORY, BUG)) & (rng.random(idx.size) < _REOPEN_SHARE)
    flags: list[tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]] = []
    tested = np.isin(kind, (STORY, BUG)) | ((kind == TASK) & (rng.random(kind.size) < _TESTED_TASKS))

    for step in range(_MAX_STEPS):
        if idx.size == 0:
            break
        m, k = idx.size, kind[idx]
        loops = step < _MAX_STEPS - 8  # past that, a runaway loop is pushed forward so the chain always ends
        median = np.select(
            [cur == IN_PROGRESS, cur == REVIEW, cur == QA, cur == READY],
            [
                np.where(first, _IP_MEDIAN[k] * size[idx], _REWORK_MEDIAN[k]),
                np.where(reviews > 0, _REVIEW_MEDIAN / 2, _REVIEW_MEDIAN),
                np.full(m, _QA_MEDIAN),
                np.full(m, _PARKED_MEDIAN),
            ],
            _REOPEN_MEDIAN,
        )
        sigma = np.where(cur == DONE, 1.0, np.where(cur == QA, 0.8, 0.9))
        stretch = np.where(cur == DONE, 1.0, speed[idx])
        dwell = median * np.exp(sigma * rng.standard_normal(m)) * stretch + _MIN_DWELL

        flagged = first & (cur == IN_PROGRESS) & (rng.random(m) < _FLAG_SHARE)
        if flagged.any():
            on = t[flagged] + dwell[flagged] * rng.random(int(flagged.sum()))
            blocked = rng.lognormal(np.log(_FLAG_MEDIAN), 0.9, int(flagged.sum())) + _MIN_DWELL
            flags.append((idx[flagged], on, on + blocked))
            dwell[flagged] += blocked

        u = rng.random(m)
        park = (cur == IN_PROGRESS) & ~parked & (u < _PARK_SHARE) & loops
        back_from_review = u < np.where(reviews > 0, 0.2, 0.45)
        fail_qa = u < np.where(tests > 0, 0.12, 0.3)
        straight_done = ((k == TASK) & (u > 0.85)) | ((k == INCIDENT) & (u > 0.6))
        needs_qa = tested[idx]
        nxt = np.select(
            [
                park,
                cur == READY,
                (cur == IN_PROGRESS) & straight_done,
                cur == IN_PROGRESS,
                (cur == REVIEW) & back_from_review & loops,
                (cur == REVIEW) & needs_qa,
                cur == REVIEW,
                (cur == QA) & fail_qa & loops,
                cur == QA,
            ],
            [READY, IN_PROGRESS, DONE, REVIEW, IN_PROGRESS, QA, DONE, IN_PROGRESS, DONE],
            IN_PROGRESS,  # Done, reopened
        ).astype(np.int8)
        actor = np.select([cur == REVIEW, cur == QA, cur == DONE], [REVIEWER, TESTER, TESTER], ASSIGNEE)
        t = t + dwell
        chunks.append((idx, cur, nxt, t, actor.astype(np.int8)))

        reviews = reviews + ((cur == REVIEW) & (nxt == IN_PROGRESS))
        tests = tests + ((cur == QA) & (nxt == IN_PROGRESS))
        parked = parked | park
        reopening = (cur == DONE) & (nxt == IN_PROGRESS)
        reopen = reopen & ~reopening
        first = first & (cur != IN_PROGRESS) & ~reopening
        cur = nxt
        alive = ((cur != DONE) | reopen) & (t <= horizon[idx])
        idx, cur, t, first, reviews, tests, parked, reopen = (
            a[alive] for a in (idx, cur, t, first, reviews, tests, parked, reopen)
        )

    item, from_status, to_status, at, actor = (np.concatenate(parts) for parts in zip(*chunks, strict=True))
    sequence = np.repeat(np.arange(len(chunks)), [c[0].size for c in chunks])
    keep = at <= horizon[item]
    order = np.lexsort((sequence[keep], item[keep]))
    flag_item, flag_on, flag_off = (
        (np.concatenate(parts) for parts in zip(*flags, strict=True))
        if flags
        else (np.empty(0, np.int64), np.empty(0), np.empty(0))
    )
    return Histories(
        item=item[keep][order],
        from_status=from_status[keep][order],
        to_status=to_status[keep][order],
        at=at[keep][order],
        actor=actor[keep][order],
        flag_item=flag_item,
        flag_on=flag_on,
        flag_off=flag_off,
    )


def block_stalled_work(
    history: Histories, team: NDArray[np.int64], horizon: NDArray[np.float64], rng: np.random.Generator
) -> Histories:
    """Flag the longest-stalled In Progress items of each team (about one in six, at least one) as blocked today.

    Boards on any given day show a few blocked cards, usually the ones ageing most; the chain alone leaves that to
    chance, so the most stalled unflagged items get a flag raised after they last entered In Progress."""
    n = team.size
    last = np.searchsorted(history.item, np.arange(n), side="right") - 1
    moved = last >= 0
    in_progress = moved & (history.to_status[np.maximum(last, 0)] == IN_PROGRESS)
    entered = np.where(in_progress, history.at[np.maximum(last, 0)], np.inf)
    candidates = np.flatnonzero(in_progress & ~np.isin(np.arange(n), history.flag_item))
    order = candidates[np.lexsort((entered[candidates], team[candidates]))]
    rank = np.arange(order.size) - np.searchsorted(team[order], team[order])
    quota = np.maximum(1, np.rint(np.bincount(team[order], minlength=int(team.max()) + 1) / 6)).astype(np.int64)
    chosen = order[rank < quota[team[order]]]
    on = entered[chosen] + rng.uniform(0.3, 0.9, chosen.size) * (horizon[chosen] - entered[chosen])
    return Histories(
        item=history.item,
        from_status=history.from_status,
        to_status=history.to_status,
        at=history.at,
        actor=history.actor,
        flag_item=np.concatenate([history.flag_item, chosen]),
        flag_on=np.concatenate([history.flag_on, on]),
        flag_off=np.concatenate([history.flag_off, np.full(chosen.size, np.inf)]),
    )
