"""A vectorised generator of realistic team histories, for invariants and for the 1M-item benchmark.

Items arrive uniformly over a span and walk a Markov chain over the demo workflow's statuses (with review loops,
QA rejections, reopens, skips of the commitment stage and discards), spending an exponential time in each status.
The walk is simulated for all items at once, one step per loop turn (a few dozen turns, never one per item);
anything after ``now`` is cut, which leaves the recent items open.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from cadence.analytics.team_frames import TeamFrames

__all__ = ["STATUSES", "synthetic_team"]

STATUSES = ["Backlog", "Ready", "In Progress", "Doing", "Review", "QA", "Done", "Won't Do"]
_DONE, _WONT = 6, 7
# Row = from status, column = to status. Done -> In Progress is a reopen; a zero row (Won't Do) is absorbing.
_P = np.array(
    [
        [0.00, 0.83, 0.10, 0.00, 0.00, 0.00, 0.02, 0.05],  # Backlog
        [0.06, 0.00, 0.94, 0.00, 0.00, 0.00, 0.00, 0.00],  # Ready
        [0.00, 0.04, 0.00, 0.26, 0.70, 0.00, 0.00, 0.00],  # In Progress
        [0.00, 0.00, 0.10, 0.00, 0.90, 0.00, 0.00, 0.00],  # Doing
        [0.00, 0.00, 0.45, 0.00, 0.00, 0.55, 0.00, 0.00],  # Review
        [0.00, 0.00, 0.35, 0.00, 0.00, 0.00, 0.65, 0.00],  # QA
        [0.00, 0.00, 0.12, 0.00, 0.00, 0.00, 0.00, 0.00],  # Done (0.88: stays done)
        [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],  # Won't Do
    ]
)
_MEAN_DAYS = np.array([8.0, 2.0, 1.5, 1.0, 0.8, 0.6, 6.0, 1.0])
_DAY_US = 86_400_000_000


def synthetic_team(
    n_items: int,
    *,
    now: dt.datetime,
    span_days: int = 730,
    seed: int = 7,
    max_steps: int = 60,
    with_sprints: bool = True,
    loops: bool = True,
) -> TeamFrames:
    """A team of ``n_items`` items created uniformly over the ``span_days`` before ``now``.

    ``loops=False`` removes every move out of committed work other than delivery (no return to the backlog, no
    reopen, no skipping straight to done): the stable flow Little's law speaks of.
    """
    rng = np.random.default_rng(seed)
    now_us = int(now.timestamp() * 1_000_000)
    created = now_us - rng.integers(0, span_days * _DAY_US, n_items)
    item_ids = np.arange(1, n_items + 1, dtype=np.int64)
    p = _P.copy()
    if not loops:
        p[0] = [0.0, 0.95, 0.0, 0.0, 0.0, 0.0, 0.0, 0.05]
        p[1] = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        p[2] = [0.0, 0.0, 0.0, 0.27, 0.73, 0.0, 0.0, 0.0]
        p[6] = 0.0
    cum = np.cumsum(p, axis=1)

    state = np.zeros(n_items, dtype=np.int64)
    clock = created.copy()
    alive = np.ones(n_items, dtype=bool)
    steps: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for _ in range(max_steps):
        idx = np.flatnonzero(alive)
        if not len(idx):
            break
        s = state[idx]
        clock[idx] += (rng.exponential(_MEAN_DAYS[s]) * _DAY_US).astype(np.int64)
        u = rng.random(len(idx))
        nxt = (u[:, None] < cum[s]).argmax(axis=1)
        moves = (u < cum[s, -1]) & (clock[idx] <= now_us)
        moved = idx[moves]
        steps.append((moved, state[moved], nxt[moves], clock[moved]))
        state[moved] = nxt[moves]
        alive[idx[~moves]] = False
    item = np.concatenate([m for m, *_ in steps])
    order = np.lexsort((np.concatenate([t for *_, t in steps]), item))
    names = np.array(STATUSES)
    transitions = pl.DataFrame(
        {
            "item_id": item_ids[item[order]],
            "from_status": names[np.concatenate([f for _, f, _, _ in steps])[order]],
            "to_status": names[np.concatenate([t for _, _, t, _ in steps])[order]],
            "at": np.concatenate([t for *_, t in steps])[order],
        }
    ).with_columns(pl.col("at").cast(pl.Datetime("us", "UTC")), pl.lit(None, pl.Int64).alias("by_id"))

    kinds = np.array(["story", "bug", "task", "incident"])
    estimate = rng.choice(np.array([1.0, 2.0, 3.0, 5.0, 8.0]), n_items)
    estimate[rng.random(n_items) < 0.1] = np.nan
    escaped = rng.random(n_items) < 0.05
    items = pl.DataFrame(
        {
            "item_id": item_ids,
            "team_id": np.ones(n_items, dtype=np.int64),
            "type": kinds[rng.choice(4, n_items, p=[0.6, 0.2, 0.15, 0.05])],
            "status": names[state],
            "estimate": estimate,
            "created_at": created,
        }
    ).with_columns(
        pl.format("T-{}", pl.col("item_id")).alias("key"),
        pl.col("created_at").cast(pl.Datetime("us", "UTC")),
        pl.col("estimate").fill_nan(None),
        pl.when(pl.Series(escaped))
        .then(pl.lit("found-in-production"))
        .otherwise(pl.lit(""))
        .str.split(",")
        .list.eval(pl.element().filter(pl.element() != ""))
        .alias("labels"),
    )
    flag_changes = _flags(rng, transitions)
    if not with_sprints:
        return TeamFrames(items=items, transitions=transitions, flag_changes=flag_changes)
    sprints, sprint_changes, estimate_changes = _sprints(rng, items, transitions, now_us, span_days)
    return TeamFrames(
        items=items,
        transitions=transitions,
        sprints=sprints,
        sprint_changes=sprint_changes,
        estimate_changes=estimate_changes,
        flag_changes=flag_changes,
    )


def _flags(rng: np.random.Generator, transitions: pl.DataFrame) -> pl.DataFrame:
    """Flag 10% of the moves into In Progress for an exponential while (mean 1 day)."""
    starts = transitions.filter(pl.col("to_status") == "In Progress").select("item_id", "at")
    picked = starts.filter(pl.Series(rng.random(starts.height) < 0.1))
    length = pl.Series((rng.exponential(1.0, picked.height) * _DAY_US).astype(np.int64)).cast(pl.Duration("us"))
    on = picked.with_columns(pl.lit(True).alias("flagged"))
    off = picked.with_columns((pl.col("at") + length).alias("at"), pl.lit(False).alias("flagged"))
    return pl.concat([on, off]).sort("item_id", "at").select("item_id", "flagged", "at")


def _sprints(
    rng: np.random.Generator, items: pl.DataFrame, transitions: pl.DataFrame, now_us: int, span_days: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Two-week sprints; an item joins the sprint running when it becomes Ready and follows until done."""
    length = 14 * _DAY_US
    first = now_us - span_days * _DAY_US
    n_sprints = span_days // 14
    starts = first + np.arange(n_sprints) * length
    sprints = pl.DataFrame(
        {
            "sprint_id": np.arange(1, n_sprints + 1, dtype=np.int64),
            "team_id": np.ones(n_sprints, dtype=np.int64),
            "name": [f"Sprint {i}" for i in range(1, n_sprints + 1)],
            "state": ["closed"] * (n_sprints - 1) + ["active"],
            "start_at": starts,
            "end_at": starts + length,
            "completed_at": np.where(np.arange(n_sprints) < n_sprints - 1, starts + length, 0),
        }
    ).with_columns(
        pl.col("start_at", "end_at").cast(pl.Datetime("us", "UTC")),
        pl.when(pl.col("completed_at") > 0).then(pl.col("completed_at")).cast(pl.Datetime("us", "UTC")),
    )
    ready = transitions.filter(pl.col("to_status") == "Ready").group_by("item_id").agg(pl.col("at").min())
    done = transitions.filter(pl.col("to_status") == "Done").group_by("item_id").agg(pl.col("at").max().alias("done"))
    spans = (
        ready.join(done, on="item_id", how="left")
        .sort("item_id")
        .with_columns(
            pl.col("at").dt.epoch("us").alias("r"), pl.col("done").dt.epoch("us").fill_null(now_us).alias("d")
        )
    )
    r, d = spans["r"].to_numpy(), spans["d"].to_numpy()
    k0 = np.clip((r - first) // length, 0, n_sprints - 1)
    k1 = np.clip((d - first) // length, k0, n_sprints - 1)
    count = (k1 - k0 + 1).astype(np.int64)
    rep = np.repeat(np.arange(len(r)), count)
    k = k0[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count))
    planned_early = rng.random(len(rep)) < 0.7
    first_sprint = k == k0[rep]
    added_at = np.where(first_sprint & ~planned_early, r[rep], starts[k] - 3_600_000_000)
    sprint_changes = pl.DataFrame(
        {
            "item_id": spans["item_id"].to_numpy()[rep],
            "sprint_id": k + 1,
            "change": ["added"] * len(rep),
            "at": added_at,
        }
    ).with_columns(pl.col("at").cast(pl.Datetime("us", "UTC")))
    picked = items.filter(pl.Series(rng.random(items.height) < 0.1))
    estimate_changes = picked.select(
        "item_id",
        pl.col("estimate").alias("from_value"),
        (pl.col("estimate").fill_null(1.0) + 2.0).alias("to_value"),
        (pl.col("created_at") + pl.duration(days=3)).alias("at"),
    )
    return sprints, sprint_changes.sort("item_id", "at"), estimate_changes.sort("item_id", "at")
