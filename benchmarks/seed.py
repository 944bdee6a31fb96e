"""Seeding and storing throughput, and read-back into frames, on SQLite.

Usage: .venv/bin/python benchmarks/seed.py [--items 10000,100000] [--url sqlite:///PATH]

Prints one line per size: generation, storage and read-back seconds, items/s and transitions/s.
Targets (issue [A]): 100k items with their ~1M transitions stored in under 60 s on 2 cores; read back into
frames in under 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import tempfile
import time
from pathlib import Path

from cadence.connectors.demo import generate_demo
from cadence.services.seeding import demo_batch
from cadence.store import read_models
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import upgrade

ITEMS_AT_SCALE_1 = 2000
UNTIL = dt.date(2026, 6, 30)


def run(items: int, url: str | None) -> dict[str, float]:
    scale = items / ITEMS_AT_SCALE_1
    with tempfile.TemporaryDirectory() as folder:
        db = Database(url or f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(db)
        started = time.perf_counter()
        workspace = generate_demo(seed=7, scale=scale, until=UNTIL)
        generated = time.perf_counter()
        with db.begin() as conn:
            report = ingest(conn, demo_batch(workspace))
        stored = time.perf_counter()
        with db.connect() as conn:
            frames = [
                read_models.read_items(conn),
                read_models.read_transitions(conn),
                read_models.read_sprint_changes(conn),
                read_models.read_estimate_changes(conn),
                read_models.read_tickets(conn),
                read_models.read_ticket_events(conn),
            ]
        read = time.perf_counter()
        db.dispose()
    n_items, n_transitions = report.inserted["items"], report.inserted["transitions"]
    store_s = stored - generated
    return {
        "items": n_items,
        "transitions": n_transitions,
        "rows_read": sum(f.height for f in frames),
        "generate_s": round(generated - started, 2),
        "store_s": round(store_s, 2),
        "read_s": round(read - stored, 2),
        "items_per_s": round(n_items / store_s),
        "transitions_per_s": round(n_transitions / store_s),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", default="10000,100000", help="comma-separated item counts")
    parser.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    for size in (int(s) for s in args.items.split(",")):
        print(json.dumps(run(size, args.url)), flush=True)


if __name__ == "__main__":
    main()
