"""A database connection killed between requests or in the middle of one: a 503, nothing half-written, recovery.

A request is *held* mid-transaction by a table lock a second connection takes: the app's backend then waits on that
lock (visible in ``pg_stat_activity``) and the test kills or cancels exactly that backend. The check-in write
inserts its row, then its audit entry, so a lock on ``audit_log`` holds it between the two.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import delete, func, select, update

from cadence.app import create_app
from cadence.settings import Settings
from cadence.store import schema as S
from cadence.store.database import Database
from tests.faults.conftest import Site, signal_backends, table_locked, wait_for_lock_waiter
from tests.web.server import serving

BASE = "/api/v1/teams/OPS"


@pytest.fixture
def site(pg_site: Site) -> Iterator[Site]:
    """The module's site with no check-in yet (each test's first check-in is a 201)."""
    with pg_site.db.begin() as conn:
        conn.execute(delete(S.table(S.CheckIn)))
    yield pg_site


def _held(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, dict[str, httpx.Response]]:
    box: dict[str, httpx.Response] = {}
    thread = threading.Thread(target=lambda: box.setdefault("response", call()))
    thread.start()
    return thread, box


def _rows(site: Site) -> tuple[int, int]:
    """(check-ins, audit entries) stored."""
    with site.db.connect() as conn:
        return (
            int(conn.execute(select(func.count()).select_from(S.table(S.CheckIn))).scalar_one()),
            int(conn.execute(select(func.count()).select_from(S.table(S.AuditEntry))).scalar_one()),
        )


def assert_503_envelope(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json" and response.headers["retry-after"] == "5"
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()


def test_connections_killed_between_requests_are_replaced_unseen(site: Site) -> None:
    client = site.client()
    assert client.get(f"{BASE}/checkins").status_code == 200  # the pool now holds a connection
    assert signal_backends(site.url) >= 1
    assert client.get(f"{BASE}/checkins").status_code == 200  # pre-ping found it dead and opened another
    assert client.post(f"{BASE}/checkins", json={"today": "OPS-2"}).status_code == 201


def test_a_write_killed_mid_transaction_answers_503_and_writes_nothing(site: Site) -> None:
    client = site.client()
    before = _rows(site)
    with table_locked(site.url, "audit_log", "SHARE"):
        thread, box = _held(lambda: client.post(f"{BASE}/checkins", json={"today": "OPS-2"}))
        wait_for_lock_waiter(site.url)  # the check-in row is inserted, its audit entry waits
        assert signal_backends(site.url, waiting_on_lock=True) == 1
        thread.join(15)
    assert_503_envelope(box["response"], "database_unavailable")
    assert "terminating connection" in box["response"].json()["error"]["message"]
    assert _rows(site) == before  # PostgreSQL rolled the whole transaction back
    again = client.post(f"{BASE}/checkins", json={"today": "OPS-2"})
    assert again.status_code == 201, again.text
    assert _rows(site) == (before[0] + 1, before[1] + 1)


def test_a_cancelled_statement_answers_503_and_writes_nothing(site: Site) -> None:
    """``pg_cancel_backend`` (an operator, or a statement timeout) fails the statement but keeps the connection.
    Before the fix this was a bare ``500 Internal Server Error``."""
    client = site.client()
    before = _rows(site)
    with table_locked(site.url, "audit_log", "SHARE"):
        thread, box = _held(lambda: client.post(f"{BASE}/checkins", json={"today": "OPS-2"}))
        wait_for_lock_waiter(site.url)
        assert signal_backends(site.url, "pg_cancel_backend", waiting_on_lock=True) == 1
        thread.join(15)
    assert_503_envelope(box["response"], "database")
    assert "canceling statement due to user request" in box["response"].json()["error"]["message"]
    assert _rows(site) == before
    assert client.post(f"{BASE}/checkins", json={"today": "OPS-2"}).status_code == 201


def test_a_read_killed_mid_query_answers_503_then_the_next_succeeds(site: Site) -> None:
    client = site.client()
    with table_locked(site.url, "check_ins", "ACCESS EXCLUSIVE"):
        thread, box = _held(lambda: client.get(f"{BASE}/checkins"))
        wait_for_lock_waiter(site.url)
        assert signal_backends(site.url, waiting_on_lock=True) == 1
        thread.join(15)
    assert_503_envelope(box["response"], "database_unavailable")
    assert client.get(f"{BASE}/checkins").json()["page"]["total"] == 0


@pytest.mark.parametrize("path", ["/teams/OPS", f"{BASE}/metrics"])
def test_a_columnar_read_killed_mid_query_answers_503(site: Site, path: str) -> None:
    """The dashboard and the metrics read items through connectorx, on connections of its own whose failures are
    bare ``RuntimeError``s: before the fix, a 500 (a plain-text one for the API)."""
    with site.db.begin() as conn:  # the team's data changed: its cached frames are stale, the read must happen
        conn.execute(update(S.table(S.Team)).values(data_version=S.table(S.Team).c.data_version + 1))
    client = site.client()
    with table_locked(site.url, "work_items", "ACCESS EXCLUSIVE"):
        thread, box = _held(lambda: client.get(path))
        wait_for_lock_waiter(site.url)
        assert signal_backends(site.url, waiting_on_lock=True) == 1
        thread.join(15)
    response = box["response"]
    if path.startswith("/api/"):
        assert_503_envelope(response, "database_unavailable")
    else:
        assert response.status_code == 503 and response.headers["content-type"].startswith("text/html")
        assert response.headers["retry-after"] == "5"
        assert "cannot reach the database" in response.text and "Traceback" not in response.text
    assert client.get(path).status_code == 200


def test_an_exhausted_pool_answers_503_within_its_timeout(site: Site) -> None:
    """Every pooled connection busy (say, slow queries piling up): the next request waits ``pool_timeout`` for one,
    then gets a 503 (before the fix: a 500 after SQLAlchemy's default 30 s)."""
    db = Database(site.url, pool_timeout=0.5)
    held = [db.engine.connect() for _ in range(5 + 10)]  # pool_size + max_overflow
    try:
        with serving(create_app(Settings(database_url=site.url), db)) as base_url:
            client = httpx.Client(base_url=base_url, timeout=15, headers=site.client().headers)
            site.clients.append(client)
            response = client.get(f"{BASE}/checkins")
            assert_503_envelope(response, "database")
            assert "no free connection" in response.json()["error"]["message"]
            assert response.elapsed.total_seconds() < 5
            for conn in held:
                conn.close()
            assert client.get(f"{BASE}/checkins").status_code == 200
    finally:
        for conn in held:
            conn.close()
        db.dispose()
