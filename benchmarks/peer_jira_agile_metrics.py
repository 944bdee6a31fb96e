"""Cycle time, side by side: Cadence's peer-compatible variant against jira-agile-metrics 0.24 (the "peer").

Usage:
    .venv/bin/python benchmarks/peer_jira_agile_metrics.py [--sizes 1000,10000,100000] [--json]
        [--seed 7] [--repeat 3] [--jira-tz UTC] [--cadence-tz TZ] [--peer-venv DIR] [--explain N]

Both tools get the same synthetic, Jira-shaped histories (seeded numpy, so every run sees the same data): issues of
a Backlog -> Ready -> In Progress -> Review -> QA -> Done workflow with backward moves (Review/QA -> In Progress,
Ready -> Backlog), skipped stages, reopened issues (Done -> In Progress), issues created straight into a committed
status and issues that never move; about 8 changelog events per issue. Timestamps are Jira REST strings
(``2024-03-09T17:00:00.456+0100``) in the ``--jira-tz`` time zone.

The peer runs in its own throwaway venv (``--peer-venv``, default ``$CADENCE_BENCH_PEER_VENV`` or
``~/.cache/cadence-bench/peer-venv``), created on first use with ``python3 -m venv`` and
``pip install jira-agile-metrics==0.24 "pandas>=1.5,<2" "numpy<2"`` and reused afterwards; nothing is installed
into Cadence's environment. ``benchmarks/peer/runner.py`` runs there, drives the peer offline through a fake Jira
client (as the peer's own tests do) and times its ``QueryManager`` + ``CycleTimeCalculator.run()``.

What is timed (wall clock; details in docs/benchmarks.md):
    cadence_s   from Cadence's read frames (READ_ITEMS, READ_TRANSITIONS) to per-item cycle times: ``build_history``
                then ``cycle_time_peer_variant`` (also timed apart: cadence_history_s, cadence_variant_s). One
                untimed warm-up call, then the median of ``--repeat`` calls.
    convert_s   turning the Jira-shaped histories into those read frames (vectorised Polars: string timestamps
                parsed to Datetime("us", "UTC"), ids assigned). Reported apart, not part of cadence_s.
    peer_s      the peer's QueryManager + CycleTimeCalculator.run() over the fake client's issues, one call
                (peer_cpu_s: its CPU time).
    peer_parse_s  the part of peer_s spent in ``dateutil.parser.parse``.
    ratio       peer_s / cadence_s.

Cadence takes calendar dates in ``--cadence-tz`` (default: ``--jira-tz``): the peer dates a change by the wall
clock of its Jira string, so Cadence, which stores UTC instants, must be told the zone the strings are written in.

cycle_time_match is the share of items whose cycle time (whole days) is equal in both tools, over every item that
at least one tool considers complete (has a cycle time): items completed by one tool only count as mismatches,
items neither completes are not compared. ``--explain N`` prints the histories of up to N mismatching items to
standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl

from cadence.analytics.history import build_history
from cadence.analytics.peer_variant import cycle_time_peer_variant
from cadence.analytics.workflow import Category, Stage, Workflow
from cadence.domain.frames import READ_ITEMS, READ_TRANSITIONS, conform

PEER_PACKAGES = ["jira-agile-metrics==0.24", "pandas>=1.5,<2", "numpy<2"]
RUNNER = Path(__file__).with_name("peer") / "runner.py"
DEFAULT_VENV = Path(os.environ.get("CADENCE_BENCH_PEER_VENV", Path.home() / ".cache" / "cadence-bench" / "peer-venv"))
JIRA_FORMAT = "%Y-%m-%dT%H:%M:%S%.3f%z"
T = TypeVar("T")

# The workflow both tools are configured with: (column, Jira statuses, peer column type). The peer's config parser
# makes the first column "backlog", the last "complete" and every other one "accepted" (committed).
WORKFLOW: list[tuple[str, list[str], str]] = [
    ("Backlog", ["Backlog"], "backlog"),
    ("Ready", ["Ready"], "accepted"),
    ("In Progress", ["In Progress"], "accepted"),
    ("Review", ["Review"], "accepted"),
    ("QA", ["QA"], "accepted"),
    ("Done", ["Done"], "complete"),
]
STATUSES = [statuses[0] for _, statuses, _ in WORKFLOW]
BACKLOG, READY, IN_PROGRESS, REVIEW, QA, DONE = range(6)

# Where an issue goes next from each status (rows: from, columns: to, in STATUSES order).
MOVES = np.array(
    [
        [0.0, 0.86, 0.08, 0.0, 0.0, 0.06],  # Backlog: commit, start without Ready, close without work
        [0.08, 0.0, 0.92, 0.0, 0.0, 0.0],  # Ready: back to the backlog, start
        [0.0, 0.04, 0.0, 0.80, 0.10, 0.06],  # In Progress: back to Ready, review, skip review, skip to Done
        [0.0, 0.0, 0.45, 0.0, 0.52, 0.03],  # Review: rework, QA, skip QA
        [0.0, 0.0, 0.40, 0.08, 0.0, 0.52],  # QA: rework, back to review, done
        [0.0, 0.0, 1.0, 0.0, 0.0, 0.0],  # Done: only left by a reopen
    ]
)
MEAN_HOURS = np.array([96.0, 30.0, 40.0, 12.0, 18.0, 72.0])  # mean stay in each status before moving on
P_STALL = 0.02  # per step: an unfinished issue stops moving (it is still in progress "now")
P_REOPEN = 0.2  # an issue reaching Done is reopened (at most once)
P_NEVER_MOVES = 0.04
P_CREATED_READY = 0.02  # created straight into a committed status (imported or moved between projects)
P_CREATED_IN_PROGRESS = 0.02
P_HOTFIX = 0.15  # issues that move 30x faster, so that many finish within the day they started
MAX_STEPS = 60
START = np.datetime64("2023-01-02T00:00:00", "ms")
SPAN_DAYS = 730


@dataclass(frozen=True)
class Histories:
    """Jira-shaped histories: what a Jira search with ``expand=changelog`` returns, flattened into two frames.

    ``issues``: key, issuetype, status, resolution, resolutiondate, created (strings, timestamps as Jira writes
    them). ``changes``: issue (row index into ``issues``), created, from, to; one status change per changelog
    entry, each issue's entries in chronological order.
    """

    issues: pl.DataFrame
    changes: pl.DataFrame


def jira_timestamps(ms: np.ndarray, tz: str) -> pl.Series:
    """Epoch milliseconds as Jira REST strings in ``tz``, e.g. ``2024-03-09T17:00:00.456+0100``."""
    utc = pl.Series(ms, dtype=pl.Int64).cast(pl.Datetime("ms", "UTC"))
    return utc.dt.convert_time_zone(tz).dt.strftime(JIRA_FORMAT)


def generate(n: int, seed: int, tz: str) -> Histories:
    """``n`` issues with their status changelogs, deterministic for a given (seed, n)."""
    rng = np.random.default_rng([seed, n])
    created = START.astype(np.int64) + rng.integers(0, SPAN_DAYS * 86_400_000, n)
    draw = rng.random(n)
    state = np.where(
        draw < P_CREATED_READY, READY, np.where(draw < P_CREATED_READY + P_CREATED_IN_PROGRESS, IN_PROGRESS, BACKLOG)
    )
    now = created.copy()
    active = rng.random(n) >= P_NEVER_MOVES
    reopened = np.zeros(n, dtype=bool)
    pace = np.where(rng.random(n) < P_HOTFIX, 1 / 30, 1.0)
    cumulative = MOVES.cumsum(axis=1)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for _ in range(MAX_STEPS):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        current = state[idx]
        draw = rng.random(idx.size)
        at_done = current == DONE
        stop = np.where(at_done, reopened[idx] | (draw >= P_REOPEN), draw < P_STALL)
        active[idx[stop]] = False
        idx, current = idx[~stop], current[~stop]
        target = np.minimum((rng.random(idx.size)[:, None] >= cumulative[current]).sum(axis=1), DONE)
        gap = np.maximum(rng.exponential(MEAN_HOURS[current] * pace[idx]) * 3_600_000, 60_000).astype(np.int64)
        now[idx] += gap + rng.integers(0, 1000, idx.size)
        reopened[idx] |= current == DONE
        parts.append((idx, now[idx].copy(), current, target))
        state[idx] = target

    issue = np.concatenate([p[0] for p in parts])
    at = np.concatenate([p[1] for p in parts])
    old = np.concatenate([p[2] for p in parts])
    new = np.concatenate([p[3] for p in parts])
    order = np.lexsort((at, issue))
    issue, at, old, new = issue[order], at[order], old[order], new[order]

    names = pl.Series(STATUSES, dtype=pl.String)
    last_at = np.zeros(n, dtype=np.int64)
    last_at[issue] = at  # sorted by time within an issue: the last write wins
    done = state == DONE
    issues = pl.DataFrame(
        {
            "key": pl.Series(np.arange(1, n + 1)).cast(pl.String).str.replace(r"^", "BENCH-"),
            "issuetype": pl.Series(np.where(rng.random(n) < 0.3, "Bug", "Story")),
            "status": names.gather(state),
            "resolution": pl.Series(np.where(done, "Done", ""), dtype=pl.String).replace("", None),
            "resolutiondate": jira_timestamps(last_at, tz).zip_with(
                pl.Series(done), pl.Series([None], dtype=pl.String)
            ),
            "created": jira_timestamps(created, tz),
        }
    )
    changes = pl.DataFrame(
        {
            "issue": issue.astype(np.int64),
            "created": jira_timestamps(at, tz),
            "from": names.gather(old),
            "to": names.gather(new),
        }
    )
    return Histories(issues=issues, changes=changes)


def peer_payload(histories: Histories) -> dict[str, Any]:
    """The runner's input (see ``benchmarks/peer/runner.py``): the workflow and the histories, columnar."""
    return {
        "workflow": [[name, statuses, kind] for name, statuses, kind in WORKFLOW],
        "issues": histories.issues.to_dict(as_series=False),
        "changes": histories.changes.to_dict(as_series=False),
    }


def to_read_frames(histories: Histories) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The histories as Cadence's read frames, as the store would return them after a Jira sync (vectorised)."""
    items = histories.issues.with_row_index("item_id", offset=1).select(
        pl.col("item_id").cast(pl.Int64),
        pl.lit(1, pl.Int64).alias("team_id"),
        "key",
        pl.col("issuetype").str.to_lowercase().alias("type"),
        "status",
        pl.col("created").str.to_datetime(JIRA_FORMAT, time_unit="us", time_zone="UTC").alias("created_at"),
        pl.col("resolutiondate").str.to_datetime(JIRA_FORMAT, time_unit="us", time_zone="UTC").alias("resolved_at"),
        "resolution",
        pl.lit(False).alias("flagged"),
    )
    transitions = histories.changes.select(
        (pl.col("issue") + 1).alias("item_id"),
        pl.col("from").alias("from_status"),
        pl.col("to").alias("to_status"),
        pl.col("created").str.to_datetime(JIRA_FORMAT, time_unit="us", time_zone="UTC").alias("at"),
    )
    return conform(items, READ_ITEMS, name="items"), conform(transitions, READ_TRANSITIONS, name="transitions")


# --- the peer, in its own venv --------------------------------------------------------------------------------


def ensure_peer_venv(folder: Path, base_python: str) -> Path:
    """The peer venv's interpreter, creating the venv and installing the peer on first use."""
    python = folder / "bin" / "python"
    probe = [str(python), "-c", "import jira_agile_metrics.calculators.cycletime"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python
    print(f"creating the peer venv in {folder} (one-off, about a minute)", file=sys.stderr)
    folder.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([base_python, "-m", "venv", str(folder)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PEER_PACKAGES], check=True
    )
    subprocess.run(probe, check=True)
    return python


def run_peer(python: Path, histories: Histories, folder: Path) -> dict[str, Any]:
    source, target = folder / "peer-input.json", folder / "peer-output.json"
    source.write_text(json.dumps(peer_payload(histories)))
    subprocess.run([str(python), str(RUNNER), str(source), str(target)], check=True, cwd=folder)
    result: dict[str, Any] = json.loads(target.read_text())
    source.unlink()
    target.unlink()
    return result


# --- Cadence ----------------------------------------------------------------------------------------------------


def cadence_workflow() -> Workflow:
    """WORKFLOW as a Cadence workflow: the peer's first "accepted" column is the commitment point."""
    categories: dict[str, Category] = {"Backlog": "backlog", "Ready": "committed", "Review": "waiting", "Done": "done"}
    stages = tuple(Stage(name, categories.get(name, "active"), tuple(statuses)) for name, statuses, _ in WORKFLOW)
    return Workflow(stages=stages, commitment="Ready", delivery="Done")


def median_seconds(call: Callable[[], T], repeat: int) -> tuple[float, T]:
    """One untimed warm-up call, then the median wall-clock seconds of ``repeat`` calls, and the last result."""
    result = call()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def time_cadence(items: pl.DataFrame, transitions: pl.DataFrame, tz: str, repeat: int) -> dict[str, Any]:
    """Cadence's peer-compatible cycle time from the read frames: timings and ``frame(key, cadence_days)``.

    ``cadence_s`` is the whole path from the read frames: ``build_history`` (status rows in order, mapped to
    stages) then ``cycle_time_peer_variant``; ``history_s`` and ``variant_s`` time the two steps apart. The
    workflow is built once, outside the timings.
    """
    workflow = cadence_workflow()
    history_s, history = median_seconds(lambda: build_history(items, transitions, workflow), repeat)
    variant_s, _ = median_seconds(lambda: cycle_time_peer_variant(history, tz=tz), repeat)
    cadence_s, cycle = median_seconds(
        lambda: cycle_time_peer_variant(build_history(items, transitions, workflow), tz=tz), repeat
    )
    days = cycle.join(items.select("item_id", "key"), on="item_id", how="left").select(
        "key", pl.col("cycle_time_days").cast(pl.Int64).alias("cadence_days")
    )
    return {"cadence_s": cadence_s, "history_s": history_s, "variant_s": variant_s, "days": days}


def history_shapes(histories: Histories) -> dict[str, int]:
    """How many issues carry each awkward case, so a 100 % match is known to have been tested on them."""
    rank = {status: index for index, status in enumerate(STATUSES)}
    moves = histories.changes.select(
        "issue",
        pl.col("from").replace_strict(rank).alias("a"),
        pl.col("to").replace_strict(rank).alias("b"),
        pl.int_range(pl.len()).over("issue").alias("n"),
    )
    moved = moves["issue"].unique()
    never_moved = histories.issues.with_row_index("issue").filter(~pl.col("issue").is_in(moved.implode()))

    def issues_where(condition: pl.Expr) -> int:
        return moves.filter(condition)["issue"].n_unique()

    return {
        "issues_backward": issues_where((pl.col("b") < pl.col("a")) & (pl.col("a") < DONE)),
        "issues_reopened": issues_where(pl.col("a") == DONE),
        "issues_skipping": issues_where(pl.col("b") > pl.col("a") + 1),
        "issues_created_committed": issues_where((pl.col("n") == 0) & (pl.col("a") > BACKLOG)),
        "issues_never_moved": never_moved.height,
    }


# --- comparison ---------------------------------------------------------------------------------------------------


def compare(peer: dict[str, Any], cadence: pl.DataFrame) -> tuple[dict[str, Any], pl.DataFrame]:
    """Match statistics, and the mismatching items (key, peer_days, cadence_days)."""
    peer_frame = pl.DataFrame(
        {"key": peer["keys"], "peer_days": peer["cycle_days"]}, schema={"key": pl.String, "peer_days": pl.Int64}
    )
    joined = peer_frame.join(cadence.select("key", "cadence_days"), on="key", how="full", coalesce=True)
    compared = joined.filter(pl.col("peer_days").is_not_null() | pl.col("cadence_days").is_not_null())
    equal = compared.filter(pl.col("peer_days") == pl.col("cadence_days")).height
    mismatches = compared.filter(pl.col("peer_days").ne_missing(pl.col("cadence_days")))
    stats = {
        "cycle_time_match": round(equal / compared.height, 6) if compared.height else 1.0,
        "n_compared": compared.height,
        "n_equal": equal,
        "n_peer_complete": int(joined["peer_days"].is_not_null().sum()),
        "n_cadence_complete": int(joined["cadence_days"].is_not_null().sum()),
        "n_peer_only": mismatches.filter(pl.col("cadence_days").is_null()).height,
        "n_cadence_only": mismatches.filter(pl.col("peer_days").is_null()).height,
    }
    return stats, mismatches


def explain(histories: Histories, mismatches: pl.DataFrame, limit: int) -> None:
    """Print the raw histories of up to ``limit`` mismatching items to standard error."""
    issues = histories.issues.with_row_index("issue")
    for row in mismatches.head(limit).iter_rows(named=True):
        issue = issues.filter(pl.col("key") == row["key"]).row(0, named=True)
        print(
            f"{row['key']}: peer={row['peer_days']} cadence={row['cadence_days']} created={issue['created']} "
            f"status={issue['status']}",
            file=sys.stderr,
        )
        changes = histories.changes.filter(pl.col("issue") == issue["issue"])
        for change in changes.iter_rows(named=True):
            print(f"    {change['created']}  {change['from']} -> {change['to']}", file=sys.stderr)


# --- driver ---------------------------------------------------------------------------------------------------------


def measure(size: int, args: argparse.Namespace, python: Path, folder: Path) -> dict[str, Any]:
    started = time.perf_counter()
    histories = generate(size, args.seed, args.jira_tz)
    generate_s = time.perf_counter() - started

    started = time.perf_counter()
    items, transitions = to_read_frames(histories)
    convert_s = time.perf_counter() - started
    cadence = time_cadence(items, transitions, args.cadence_tz or args.jira_tz, args.repeat)

    peer = run_peer(python, histories, folder)
    stats, mismatches = compare(peer, cadence["days"])
    if args.explain:
        explain(histories, mismatches, args.explain)
    return {
        "size": size,
        "cadence_s": round(cadence["cadence_s"], 4),
        "peer_s": round(peer["peer_s"], 3),
        "ratio": round(peer["peer_s"] / cadence["cadence_s"], 1),
        **stats,
        "n_zero_day": sum(1 for days in peer["cycle_days"] if days == 0),
        "convert_s": round(convert_s, 4),
        "cadence_history_s": round(cadence["history_s"], 4),
        "cadence_variant_s": round(cadence["variant_s"], 4),
        "peer_cpu_s": round(peer["peer_cpu_s"], 3),
        "peer_parse_s": round(peer["peer_parse_s"], 3),
        "peer_parse_share": round(peer["peer_parse_s"] / peer["peer_s"], 3),
        "peer_parse_calls": peer["parse_calls"],
        "n_events": histories.changes.height,
        "events_per_issue": round(histories.changes.height / size, 2),
        **history_shapes(histories),
        "generate_s": round(generate_s, 3),
        "peer_version": peer["version"],
        "jira_tz": args.jira_tz,
        "cadence_tz": args.cadence_tz or args.jira_tz,
        "mismatch_examples": mismatches["key"].head(5).to_list(),
    }


COLUMNS = [
    ("size", "items", "{:>8}"),
    ("n_events", "events", "{:>8}"),
    ("cadence_s", "cadence s", "{:>10.3f}"),
    ("convert_s", "convert s", "{:>10.3f}"),
    ("peer_s", "peer s", "{:>9.2f}"),
    ("peer_cpu_s", "peer cpu s", "{:>10.2f}"),
    ("peer_parse_share", "parse %", "{:>8.0%}"),
    ("ratio", "ratio", "{:>8.0f}x"),
    ("n_compared", "compared", "{:>9}"),
    ("cycle_time_match", "match", "{:>8.2%}"),
]


def print_table(rows: list[dict[str, Any]]) -> None:
    widths = [len(fmt.format(rows[0][key])) if rows else len(title) for key, title, fmt in COLUMNS]
    print("  ".join(title.rjust(width) for (_, title, _), width in zip(COLUMNS, widths, strict=True)))
    for row in rows:
        print("  ".join(fmt.format(row[key]) for key, _, fmt in COLUMNS))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated issue counts")
    parser.add_argument("--json", action="store_true", help="one JSON object per size instead of a table")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed Cadence calls per size (median reported)")
    parser.add_argument("--jira-tz", default="UTC", help="time zone the Jira timestamps are written in (IANA name)")
    parser.add_argument(
        "--cadence-tz", help="time zone Cadence takes calendar dates in (default: --jira-tz, as the peer does)"
    )
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--peer-python", default="python3", help="interpreter that creates the peer venv")
    parser.add_argument("--explain", type=int, default=0, metavar="N", help="print N mismatching histories")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    python = ensure_peer_venv(args.peer_venv, args.peer_python)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cadence-peer-bench-") as folder:
        for size in sizes:
            row = measure(size, args, python, Path(folder))
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
    if not args.json:
        print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
