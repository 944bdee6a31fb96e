"""Time the whole metrics suite: from frames in memory, and read from the store then computed.

Usage:
    .venv/bin/python benchmarks/analytics.py --items 1000000            # frames in memory (synthetic team)
    .venv/bin/python benchmarks/analytics.py --items 200000 --store     # also: seed SQLite, read back, compute

Prints one JSON object per measurement: seconds per metric family (the functions ``analytics.suite`` calls,
timed by wrapping them), the total, the frame sizes and the peak RSS. Targets (issue [B]): 1M items / ~10M
transitions, the full suite in <= 5 s from frames on 2 cores; read from SQLite + compute <= 20 s.

The in-memory frames come from the synthetic team generator the analytics tests use (``tests/analytics/
synthetic.py``: Markov walks over the demo workflow with loops, reopens and skips, ~10 transitions per item).
``--store`` uses the demo organisation instead (what ``cadence seed --demo --scale K`` writes), read back for all
teams at once, the organisation-wide worst case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import inspect
import json
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cadence.analytics import suite
from cadence.analytics.team_frames import TeamFrames
from cadence.analytics.workflow import DEFAULT_WORKFLOW

NOW = dt.datetime(2026, 6, 30, 17, tzinfo=dt.UTC)
TIMINGS: dict[str, float] = defaultdict(float)


def _instrument() -> None:
    """Wrap every function the suite calls so its time is attributed to its family (module name)."""
    for name, value in vars(suite).items():
        if not inspect.isfunction(value) or value.__module__ == suite.__name__ or name == "compute_metrics":
            continue
        family = value.__module__.rsplit(".", 1)[-1]

        def timed(*args: Any, _f: Callable[..., Any] = value, _family: str = family, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                TIMINGS[_family] += time.perf_counter() - started

        setattr(suite, name, functools.wraps(value)(timed))


def _compute(frames: TeamFrames) -> dict[str, Any]:
    TIMINGS.clear()
    started = time.perf_counter()
    result = suite.compute_metrics(
        frames, DEFAULT_WORKFLOW, start=NOW.date() - dt.timedelta(days=83), end=NOW.date(), now=NOW, tz="UTC"
    )
    total = time.perf_counter() - started
    families = {k: round(v, 3) for k, v in sorted(TIMINGS.items(), key=lambda kv: -kv[1])}
    return {
        "total_s": round(total, 3),
        "families_s": families,
        "delivered_in_range": result["cycle_time"]["n"],
    }


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def in_memory(items: int) -> dict[str, Any]:
    from tests.analytics.synthetic import synthetic_team

    started = time.perf_counter()
    frames = synthetic_team(items, now=NOW).conformed()
    built = time.perf_counter() - started
    _compute(frames)  # warm-up: first calls pay Polars' one-off costs
    out = _compute(frames)
    return {
        "mode": "frames",
        "items": frames.items.height,
        "transitions": frames.transitions.height,
        "build_frames_s": round(built, 2),
        **out,
        "peak_rss_mb": _rss_mb(),
    }


def from_store(items: int) -> dict[str, Any]:
    from cadence.connectors.demo import generate_demo
    from cadence.services.seeding import demo_batch
    from cadence.store import read_models as R
    from cadence.store.database import Database
    from cadence.store.ingest import ingest
    from cadence.store.migrations import upgrade

    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(db)
        seeded = time.perf_counter()
        with db.begin() as conn:
            ingest(conn, demo_batch(generate_demo(seed=7, scale=items / 2000, until=NOW.date())))
        seeded = time.perf_counter() - seeded
        started = time.perf_counter()
        with db.connect() as conn:
            frames = TeamFrames(
                items=R.read_items(conn),
                transitions=R.read_transitions(conn),
                sprints=R.read_sprints(conn),
                sprint_changes=R.read_sprint_changes(conn),
                estimate_changes=R.read_estimate_changes(conn),
                flag_changes=R.read_flag_changes(conn),
                escalated_bugs=R.read_escalated_bugs(conn),
            ).conformed()
        read = time.perf_counter() - started
        out = _compute(frames)
        db.dispose()
    return {
        "mode": "sqlite",
        "items": frames.items.height,
        "transitions": frames.transitions.height,
        "seed_and_store_s": round(seeded, 1),
        "read_s": round(read, 2),
        **out,
        "read_plus_compute_s": round(read + out["total_s"], 2),
        "peak_rss_mb": _rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000, help="number of work items")
    parser.add_argument("--store", action="store_true", help="also seed SQLite, read back and compute")
    args = parser.parse_args()
    _instrument()
    print(json.dumps(in_memory(args.items)), flush=True)
    if args.store:
        print(json.dumps(from_store(args.items)), flush=True)


if __name__ == "__main__":
    main()
