"""Fault tests: a real PostgreSQL whose connections are killed or which is restarted, Cadence served over loopback,
a stormy fake Jira.

The database faults need PostgreSQL (killing one backend or restarting the server has no SQLite equivalent);
without ``CADENCE_TEST_POSTGRES_URL`` they skip with the same reason as the other PostgreSQL tests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from cadence.app import create_app
from cadence.domain.model import Role
from cadence.services.audit_log import SYSTEM
from cadence.services.authentication import create_api_token
from cadence.services.users import create_user, set_role
from cadence.settings import Settings
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import upgrade
from tests.conftest import POSTGRES_URL, _fresh_postgres_database
from tests.factories import team_batch
from tests.web.server import serving

PASSWORD = "correct horse battery"
_ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = _ROOT / ".ci" / "postgres.sh"


# --- a second connection that holds locks and kills the app's backends -----------------------------------------
def admin_dsn(url: str) -> str:
    """A plain psycopg DSN for ``url`` (the SQLAlchemy driver name removed)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def signal_backends(url: str, function: str = "pg_terminate_backend", *, waiting_on_lock: bool = False) -> int:
    """Call ``function`` (``pg_terminate_backend`` or ``pg_cancel_backend``) on every other session of ``url``'s
    database, or only on those waiting on a lock; returns how many were signalled."""
    query = sql.SQL("SELECT {}(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() {}").format(
        sql.Identifier(function), sql.SQL("AND wait_event_type = 'Lock'" if waiting_on_lock else "")
    )
    with psycopg.connect(admin_dsn(url), autocommit=True) as conn:
        rows = conn.execute(query, (make_url(url).database,)).fetchall()
    return sum(1 for (done,) in rows if done)


def wait_for_lock_waiter(url: str, timeout: float = 10.0) -> None:
    """Return once some session of ``url``'s database waits on a lock: the request under test is held there."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(admin_dsn(url), autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                (make_url(url).database,),
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.01)
    raise AssertionError("nothing ever waited on the held lock")


@contextlib.contextmanager
def table_locked(url: str, table: str, mode: str) -> Iterator[None]:
    """``LOCK TABLE table IN mode MODE`` held by a second connection until the block ends."""
    with psycopg.connect(admin_dsn(url)) as conn:
        conn.execute(sql.SQL("LOCK TABLE {} IN {} MODE").format(sql.Identifier(table), sql.SQL(mode)))
        try:
            yield
        finally:
            conn.rollback()


# --- Cadence served on PostgreSQL ------------------------------------------------------------------------------
@dataclass
class Site:
    """Cadence served on loopback over its own database; the token is ``dev``'s, a member of team OPS."""

    db: Database
    url: str
    base_url: str
    token: str
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, timeout: float = 15.0) -> httpx.Client:
        client = httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"},
                              timeout=timeout)  # fmt: skip
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()


def populate(db: Database) -> str:
    """Migrate; team OPS from the factory and a member ``dev``; returns dev's API token."""
    upgrade(db)
    now = dt.datetime.now(dt.UTC)
    with db.begin() as conn:
        ingest(conn, team_batch())
    create_user(db, SYSTEM, username="dev", password=PASSWORD, now=now)
    set_role(db, SYSTEM, username="dev", team_key="OPS", role=Role.MEMBER, now=now)
    return create_api_token(db, "dev", "faults", now=now)


@contextlib.contextmanager
def served_site(url: str, *, db: Database | None = None) -> Iterator[Site]:
    db = db or Database(url)
    token = populate(db)
    try:
        with serving(create_app(Settings(database_url=url), db)) as base_url:
            site = Site(db, url, base_url, token)
            try:
                yield site
            finally:
                site.close()
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def pg_site() -> Iterator[Site]:
    """One migrated PostgreSQL database and app per module (migrating costs ~1.5 s): tests count deltas."""
    for url in _fresh_postgres_database():
        with served_site(url) as site:
            yield site


# --- a PostgreSQL server of our own, to stop and start ----------------------------------------------------------
def _port() -> int:
    """55460 + the xdist worker number, or any free port when something already listens there."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    preferred = 55460 + int(worker.removeprefix("gw") or 0)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", preferred)) != 0:
            return preferred
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return int(free.getsockname()[1])


@dataclass
class OwnPostgres:
    """A throwaway PostgreSQL server run by ``.ci/postgres.sh`` in ``folder``; stop and start it at will."""

    folder: str
    port: int
    url: str = ""

    def start(self) -> None:
        done = subprocess.run(["bash", str(_SCRIPT), "start", self.folder, str(self.port)], capture_output=True,
                              text=True, timeout=90, check=False)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"could not start PostgreSQL in {self.folder}: {done.stderr.strip()}")
        self.url = done.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        subprocess.run(["bash", str(_SCRIPT), "stop", self.folder], capture_output=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server: set CADENCE_TEST_POSTGRES_URL or install the postgresql package")
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        pytest.fail("PostgreSQL is configured but its server binaries (initdb, pg_ctl) are not installed here")
    server = OwnPostgres(tempfile.mkdtemp(prefix="cadence-fault-pg."), _port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
