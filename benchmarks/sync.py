"""Jira sync throughput and memory: N issues with ~10 changelog entries each, served by the fake Jira.

Usage: .venv/bin/python benchmarks/sync.py [--issues 2000,10000] [--flavour cloud|dc] [--url sqlite:///PATH]

The fake server runs in a child process, so the peak RSS printed is the sync's own (connector + ingest). Memory
must stay flat in the number of issues (pages are streamed and written one by one): compare the sizes' peaks.
Target (issue [C]): 10k issues with ~100k changelog entries in under 60 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the fake server lives in the test suite

from cadence.services.sources import connect_jira
from cadence.services.sync import sync_source
from cadence.store.database import Database
from cadence.store.migrations import upgrade

MOVES = 8  # status changes per issue; plus a sprint and an estimate change: 10 histories per issue


def _serve(issues: int, flavour: str, port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from tests.connectors.jira.fake_jira import FakeJira, Served
    from tests.connectors.jira.payloads import CLOUD_ESTIMATE, CLOUD_SPRINT, CLOUD_STORY_POINTS, cloud_issue

    payloads = [cloud_issue(n, moves=MOVES) for n in range(1, issues + 1)]
    auth = "Basic cG1AZXhhbXBsZS5jb206Z29vZC10b2tlbg==" if flavour == "cloud" else "Bearer good-token"
    catalog = [
        {"id": CLOUD_SPRINT, "name": "Sprint", "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"}},
        {
            "id": CLOUD_ESTIMATE,
            "name": "Story point estimate",
            "schema": {"custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
        },
        {
            "id": CLOUD_STORY_POINTS,
            "name": "Story Points",
            "schema": {"custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"},
        },
    ]
    fake = FakeJira(
        flavour, payloads, fields=catalog, search_cap=100, bulk_page=1000, embed_limit=3, changelog_page=100, auth=auth
    )
    fake.dc_changelog_endpoint = True
    with Served(fake) as server:
        port_queue.put(server.url)
        while True:
            time.sleep(3600)


def run(issues: int, flavour: str, url: str | None) -> dict[str, float]:
    queue: multiprocessing.Queue[str] = multiprocessing.Queue()
    child = multiprocessing.Process(target=_serve, args=(issues, flavour, queue), daemon=True)
    child.start()
    try:
        server = queue.get(timeout=120)
        with tempfile.TemporaryDirectory() as folder:
            db = Database(url or f"sqlite:///{Path(folder) / 'bench.db'}")
            upgrade(db)
            key = Fernet.generate_key().decode()
            email = "pm@example.com" if flavour == "cloud" else None
            connect_jira(db, key=key, name="bench", url=server, email=email, token="good-token", allow_http=True)  # noqa: S106
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            report = sync_source(db, "bench", key=key)
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            db.dispose()
    finally:
        child.kill()
        child.join()
    return {
        "issues": report.read,
        "changelog_entries": report.details.get("transitions", 0)
        + report.details.get("sprint_changes", 0)
        + report.details.get("estimate_changes", 0),
        "seconds": round(seconds, 1),
        "issues_per_s": round(report.read / seconds),
        "rss_before_mb": round(before / 1024),
        "peak_rss_mb": round(peak / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issues", default="2000,10000", help="comma-separated issue counts")
    parser.add_argument("--flavour", default="cloud", choices=["cloud", "dc"])
    parser.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    for count in (int(n) for n in args.issues.split(",")):
        print(json.dumps({"flavour": args.flavour, **run(count, args.flavour, args.url)}))


if __name__ == "__main__":
    main()
