"""PostgreSQL stopped and started again under a steady stream of requests: 503 envelopes during the outage, none
slower than a bound, then success again within seconds, without restarting Cadence.

The server is this module's own (``.ci/postgres.sh`` in a temporary folder, port 55460 + the xdist worker number)
so that stopping it disturbs no other test; Cadence runs in a real uvicorn on loopback. The metrics are read once
before the stream starts: a *cold* metrics read goes through connectorx, whose own connection pool waits for the
server to come back (up to its fixed 30 s) instead of failing at once; see docs/resilience.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.faults.conftest import OwnPostgres, Site, served_site

BASE = "/api/v1/teams/OPS"
DRIVERS = 3
BOUND = 8.0
"""No request may take longer (seconds): a refused connection fails at once, a silent one after connect_timeout=5."""


@dataclass(frozen=True)
class Hit:
    started: float
    ended: float
    status: int | None
    body: str


@pytest.fixture(scope="module")
def restart_site(own_postgres: OwnPostgres) -> Iterator[Site]:
    with served_site(own_postgres.url) as site:
        yield site


def _drive(client: httpx.Client, offset: int, hits: list[Hit], stop: threading.Event) -> None:
    """A member's day in a loop: list the check-ins, check in (an edit after the first), read the metrics."""
    n = offset
    while not stop.is_set():
        started = time.monotonic()
        try:
            if n % 3 == 0:
                response = client.get(f"{BASE}/checkins")
            elif n % 3 == 1:
                response = client.post(f"{BASE}/checkins", json={"today": f"request {n}"})
            else:
                response = client.get(f"{BASE}/metrics")
            hits.append(Hit(started, time.monotonic(), response.status_code, response.text))
        except httpx.HTTPError as error:
            hits.append(Hit(started, time.monotonic(), None, repr(error)))
        n += 1
        time.sleep(0.01)


def test_requests_fail_cleanly_while_postgresql_restarts_and_recover_without_a_restart(
    own_postgres: OwnPostgres, restart_site: Site
) -> None:
    warm = restart_site.client()
    assert warm.get(f"{BASE}/metrics").status_code == 200
    hits: list[Hit] = []
    stop = threading.Event()
    drivers = [
        threading.Thread(target=_drive, args=(restart_site.client(timeout=30), i, hits, stop)) for i in range(DRIVERS)
    ]
    for driver in drivers:
        driver.start()
    try:
        time.sleep(0.6)
        own_postgres.stop()  # pg_ctl -m fast: open sessions are terminated, new ones refused
        stopped = time.monotonic()
        time.sleep(1.5)
        restarting = time.monotonic()
        own_postgres.start()
        up = time.monotonic()
        time.sleep(3.0)
    finally:
        stop.set()
        for driver in drivers:
            driver.join(BOUND + 5)
    assert not any(driver.is_alive() for driver in drivers), "a request never finished"

    assert {h.status for h in hits} <= {200, 201, 503}, sorted({(h.status, h.body[:200]) for h in hits})
    slowest = max(hits, key=lambda h: h.ended - h.started)
    assert slowest.ended - slowest.started < BOUND, slowest
    failed = [h for h in hits if h.status == 503]
    assert failed, "no request met the outage"
    assert {httpx.Response(503, text=h.body).json()["error"]["code"] for h in failed} <= {
        "database_unavailable",
        "database",
    }
    outage = [h for h in hits if h.started > stopped and h.ended < restarting]
    assert outage and all(h.status == 503 for h in outage)
    recovered = min(h.ended for h in hits if h.started >= up and h.status in {200, 201})
    assert recovered - up < 3.0
    after = [h for h in hits if h.started >= up + 1.0]
    assert after and all(h.status in {200, 201} for h in after), [h for h in after if h.status not in {200, 201}]
    assert len(hits) > 50  # a steady stream, not a handful
