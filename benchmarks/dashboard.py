"""The health dashboard and the metrics API under concurrent load, for a team with tens of thousands of items.

Usage:
    .venv/bin/python benchmarks/dashboard.py [--scale 25] [--clients 4] [--requests 50] [--db PATH] [--json]

Generates the demo organisation at ``--scale`` (about 2,000 items per unit of scale, spread over about two teams
per unit) and stores it as ONE team (every team's rows moved to the first team's key, ``SUP``), so a single
dashboard covers ~50k items at scale 25 — the size of a large department's board. The SQLite file is temporary,
or ``--db PATH`` (kept and reused between runs). A superuser ``bench`` signs in. The real app is served by uvicorn
on 127.0.0.1 and, after one
warm-up request per endpoint (which reads the frames and computes the metrics into the caches), lets
``--clients`` threads each send ``--requests`` requests to every endpoint over loopback with httpx:

    dashboard   GET /teams/{team}?from=..&to=..      the page, signed in with a session (charts, tables, targets)
    metrics     GET /api/v1/teams/{team}/metrics     the JSON, with an API token

Server time is measured inside the app (a middleware around the whole request, sent back as ``Server-Timing``);
client time adds loopback and httpx. The target is p95 server time < 150 ms with cached frames.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import polars as pl
import uvicorn
from fastapi import FastAPI, Request, Response

from cadence.app import create_app
from cadence.connectors.demo import generate_demo
from cadence.domain.batch import RecordBatch
from cadence.services.audit_log import SYSTEM
from cadence.services.authentication import create_api_token
from cadence.services.seeding import demo_batch
from cadence.services.users import create_user
from cadence.services.workspace_status import workspace_status
from cadence.settings import Settings
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import upgrade

UNTIL = dt.date(2026, 6, 30)
TEAM = "SUP"
PASSWORD = "bench-cadence-password"  # noqa: S105 - a throwaway account in a throwaway database
START = UNTIL - dt.timedelta(weeks=12) + dt.timedelta(days=1)


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def _timed(app: FastAPI) -> None:
    @app.middleware("http")
    async def server_timing(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response: Response = await call_next(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response


def _one_team(batch: RecordBatch) -> RecordBatch:
    """The batch with every team-owned row moved into TEAM (one membership per person, the first kept)."""
    changes: dict[str, pl.DataFrame] = {}
    for name, frame in vars(batch).items():
        if isinstance(frame, pl.DataFrame) and "team" in frame.columns:
            changes[name] = frame.with_columns(pl.lit(TEAM).alias("team"))
    changes["memberships"] = changes["memberships"].unique(
        subset=["team", "person_id"], keep="first", maintain_order=True
    )
    if "check_ins" in changes:
        changes["check_ins"] = changes["check_ins"].unique(
            subset=["team", "person_id", "on_date"], keep="first", maintain_order=True
        )
    assert batch.teams is not None
    changes["teams"] = batch.teams.filter(pl.col("key") == TEAM)
    return RecordBatch(**{**vars(batch), **changes})


def _seed(db: Database, seed: int, scale: float) -> None:
    if workspace_status(db, None).teams:
        return
    with db.begin() as conn:
        ingest(conn, _one_team(demo_batch(generate_demo(seed=seed, scale=scale, until=UNTIL))))
    create_user(db, SYSTEM, username="bench", password=PASSWORD, superuser=True, now=dt.datetime.now(dt.UTC))


def _signed_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    answer = client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    )
    assert answer.status_code == 303, answer.text
    return client


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _load(client: httpx.Client, path: str, requests: int, headers: dict[str, str]) -> list[tuple[float, float]]:
    out = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200, (path, answer.status_code)
        server = float(answer.headers["server-timing"].split("dur=")[1])
        out.append((server, elapsed))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=25.0, help="demo scale (25: about 50k items, all in one team)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--requests", type=int, default=50, help="requests per client per endpoint")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to seed (kept) or reuse")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        path = args.db or Path(scratch) / "bench.db"
        url = f"sqlite:///{path}"
        db = Database(url)
        upgrade(db)
        started = time.perf_counter()
        _seed(db, args.seed, args.scale)
        seed_s = time.perf_counter() - started
        team, items = TEAM, next(t.items for t in workspace_status(db, None).teams if t.key == TEAM)
        token = create_api_token(db, "bench", "benchmark", now=dt.datetime.now(dt.UTC))
        app = create_app(Settings(database_url=url), db)
        _timed(app)
        results: dict[str, dict[str, float]] = {}
        with _serving(app) as base_url:
            endpoints = {
                "dashboard": (f"/teams/{team}?from={START}&to={UNTIL}", None),
                "metrics": (
                    f"/api/v1/teams/{team}/metrics?from={START}&to={UNTIL}",
                    {"Authorization": f"Bearer {token}"},
                ),
            }
            clients = [_signed_in(base_url) for _ in range(args.clients)]
            for name, (target, headers) in endpoints.items():
                warm = _load(clients[0], target, 1, headers or {})[0]
                with ThreadPoolExecutor(args.clients) as pool:
                    runs = list(pool.map(lambda c: _load(c, target, args.requests, headers or {}), clients))  # noqa: B023
                server = [s for run in runs for s, _ in run]
                client = [c for run in runs for _, c in run]
                results[name] = {
                    "warm_up_ms": warm[0],
                    "requests": len(server),
                    "server_p50_ms": statistics.median(server),
                    "server_p95_ms": _percentile(server, 95),
                    "client_p50_ms": statistics.median(client),
                    "client_p95_ms": _percentile(client, 95),
                }
            for c in clients:
                c.close()
        db.dispose()

    summary = {"team": team, "items": items, "scale": args.scale, "seed_s": seed_s, "clients": args.clients}
    if args.json:
        print(json.dumps({**summary, "endpoints": results}, indent=2))
        return
    print(f"team {team}: {items:,} items (scale {args.scale:g}, seeded in {seed_s:.1f} s); {args.clients} clients")
    heads = ("warm-up", "n", "server p50", "server p95", "client p50", "client p95")
    print(f"{'endpoint':<10} " + " ".join(f"{h:>11}" for h in heads))
    for name, r in results.items():
        print(
            f"{name:<10} {r['warm_up_ms']:>9.0f}ms {r['requests']:>11.0f} {r['server_p50_ms']:>9.1f}ms "
            f"{r['server_p95_ms']:>9.1f}ms {r['client_p50_ms']:>9.1f}ms {r['client_p95_ms']:>9.1f}ms"
        )


if __name__ == "__main__":
    main()
