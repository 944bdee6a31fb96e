"""Several Cadence processes on one PostgreSQL behave as one (docs/deployment.md).

Two real ``cadence serve`` processes (uvicorn, separate memory, separate caches) share one fresh database: a session
signed in on one works on the other, a change made through one is in the other's next read although it had the old
answer cached, one webhook delivery sent to both is applied once, two ``cadence sync`` processes of one source run
it once, and two ``cadence worker`` processes run the scheduled sync once. PostgreSQL is required: the test skips
only when no server is configured (CI sets one; CADENCE_REQUIRE_POSTGRES=1 turns the skip into a failure).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cadence.domain.model import Role
from cadence.services.audit_log import SYSTEM
from cadence.services.authentication import create_api_token
from cadence.services.sources import connect_jira, describe_sources
from cadence.services.users import create_user, set_role
from cadence.store import schema as S
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import upgrade
from cadence.store.read_models import read_items, read_transitions
from tests.conftest import _fresh_postgres_database
from tests.connectors.jira.fake_jira import FakeJira, Served
from tests.connectors.jira.payloads import cloud_issue
from tests.factories import team_batch

pytestmark = pytest.mark.postgres

KEY = Fernet.generate_key().decode()
PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
CLOUD_AUTH = "Basic " + base64.b64encode(b"pm@example.com:good-token").decode()
LAUNCH = "from cadence.cli.main import main; main()"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(url: str, folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env.update(
        CADENCE_DATABASE_URL=url, CADENCE_ENCRYPTION_KEY=KEY, CADENCE_DATA_DIR=str(folder),
        CADENCE_WORKSPACE_FILE=str(folder / "cadence.toml"), CADENCE_SCHEDULER="false", CADENCE_LOG_LEVEL="warning",
        **extra,
    )  # fmt: skip
    return env


def _cadence(env: dict[str, str], folder: Path, *args: str) -> subprocess.Popen[str]:
    """``cadence ARGS`` in a process of its own (its working directory holds no ``.env``)."""
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *args], env=env, cwd=folder, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


@dataclass
class Instance:
    name: str
    base_url: str
    process: subprocess.Popen[str]


@dataclass
class Cluster:
    url: str
    db: Database
    folder: Path
    a: Instance
    b: Instance

    def env(self, **extra: str) -> dict[str, str]:
        return _environment(self.url, self.folder, **extra)


def _serve(name: str, url: str, folder: Path) -> Instance:
    """Start ``cadence serve`` on a free port (not waiting for it)."""
    port = _free_port()
    with (folder / f"serve-{name}.log").open("w") as sink:  # a file, not a pipe nobody reads: never blocks
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_environment(url, folder), cwd=folder, text=True, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return Instance(name, f"http://127.0.0.1:{port}", process)


def _wait_ready(instance: Instance, folder: Path) -> None:
    deadline = time.monotonic() + 120  # a loaded CI machine may take long to import the app
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            log = (folder / f"serve-{instance.name}.log").read_text()
            raise RuntimeError(f"instance {instance.name} exited: {log[-2000:]}")
        try:
            if httpx.get(f"{instance.base_url}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"instance {instance.name} did not answer /api/health within 120 s")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    for url in _fresh_postgres_database():
        folder = tmp_path_factory.mktemp("instances")
        db = Database(url)
        upgrade(db)
        with db.begin() as conn:
            ingest(conn, team_batch())
        create_user(db, SYSTEM, username="pm", password=PASSWORD, now=NOW)
        set_role(db, SYSTEM, username="pm", team_key="OPS", role=Role.MANAGER, now=NOW)
        instances: list[Instance] = []
        try:
            instances += [_serve("A", url, folder), _serve("B", url, folder)]  # starting side by side
            for instance in instances:
                _wait_ready(instance, folder)
            yield Cluster(url, db, folder, *instances)
        finally:
            for instance in instances:
                _stop(instance.process)
            db.dispose()


def _sign_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    answer = client.post("/login", data={"username": "pm", "password": PASSWORD, "csrf_token": token.group(1),
                                         "next": "/"})  # fmt: skip
    assert answer.status_code in (302, 303), answer.text
    assert client.cookies.get("cadence_session")
    return client


def _csrf(client: httpx.Client) -> str:
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/").text)
    assert found
    return found.group(1)


def test_a_session_signed_in_on_one_instance_works_on_the_other(cluster: Cluster) -> None:
    on_a = _sign_in(cluster.a.base_url)
    on_b = httpx.Client(base_url=cluster.b.base_url, cookies={"cadence_session": on_a.cookies["cadence_session"]})
    try:
        home = on_b.get("/")
        assert home.status_code == 200 and "pm" in home.text
        teams = on_b.get("/api/v1/teams")
        assert teams.status_code == 200 and [t["key"] for t in teams.json()["data"]] == ["OPS"]
        # Signing out on B ends the session everywhere: A no longer knows it.
        assert on_b.post("/logout", headers={"X-CSRF-Token": _csrf(on_b)}).status_code in (200, 302, 303)
        assert on_a.get("/api/v1/teams").status_code == 401
    finally:
        on_a.close()
        on_b.close()


def test_a_change_through_one_instance_is_in_the_others_next_read(cluster: Cluster) -> None:
    on_a = _sign_in(cluster.a.base_url)
    on_b = httpx.Client(base_url=cluster.b.base_url, cookies={"cadence_session": on_a.cookies["cadence_session"]})
    try:
        path = "/api/v1/teams/OPS/support/metrics"
        # B reads the team's tickets once and keeps them cached under the team's ticket version (services/sla.py:
        # data version and ticket mark, both read from the database per request); the second read is from the cache.
        before = [on_b.get(path).json() for _ in range(2)]
        assert before[0]["escalation_rate"] == before[1]["escalation_rate"]
        created = on_a.post(
            "/api/v1/teams/OPS/tickets",
            json={
                "title": "Export fails for large files",
                "requester": "ops@customer.example",
                "channel": "email",
                "impact": "high",
                "urgency": "medium",
            },
            headers={"X-CSRF-Token": _csrf(on_b)},  # the session's CSRF token, read from a page of B
        )
        assert created.status_code == 201, created.text
        after = on_b.get(path).json()
    finally:
        on_a.close()
        on_b.close()
    assert after["escalation_rate"]["tickets"] == before[0]["escalation_rate"]["tickets"] + 1
    assert after["open_ticket_age"]["n"] == before[0]["open_ticket_age"]["n"] + 1


def _transitions(db: Database) -> int:
    with db.connect() as conn:
        return read_transitions(conn).height


def test_one_webhook_delivery_sent_to_both_instances_is_stored_once(cluster: Cluster) -> None:
    db = cluster.db
    connect_jira(db, key=KEY, name="hooks", url="https://jira.example", token="t", email="bot@example.org",
                 team="OPS", projects=["EX"], webhook_secret="s3cret")  # fmt: skip
    issue = cloud_issue(1, 0)
    created = {"webhookEvent": "jira:issue_created", "timestamp": 1, "issue": issue}
    assert httpx.post(f"{cluster.a.base_url}/hooks/jira/hooks?secret=s3cret", json=created).json()["stored"] > 0
    issue["fields"]["status"] = {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}
    issue["fields"]["updated"] = "2026-06-30T11:00:00.000+0000"
    moved = {"webhookEvent": "jira:issue_updated", "timestamp": 1_782_817_200_000, "issue": issue,
             "changelog": {"id": "5001", "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status",
                                                    "fromString": "To Do", "toString": "In Progress"}]}}  # fmt: skip
    before = _transitions(db)
    token = create_api_token(db, "pm", "tests", now=NOW)
    metrics = httpx.Client(base_url=cluster.b.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    cached = [metrics.get("/api/v1/teams/OPS/metrics").json() for _ in range(2)]  # B computes, then caches
    assert cached[0]["team"] == cached[1]["team"]
    answers: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def send(instance: Instance) -> None:
        barrier.wait()
        answers[instance.name] = httpx.post(
            f"{instance.base_url}/hooks/jira/hooks?secret=s3cret", json=moved,
            headers={"X-Atlassian-Webhook-Identifier": "7e3a1c9d-5001"}, timeout=30,
        )  # fmt: skip

    threads = [threading.Thread(target=send, args=(i,)) for i in (cluster.a, cluster.b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert {answer.status_code for answer in answers.values()} == {200}
    bodies = sorted((a.json()["duplicate"], a.json()["stored"] > 0) for a in answers.values())
    assert bodies == [(False, True), (True, False)]
    assert _transitions(db) == before + 1
    deliveries = S.table(S.WebhookDelivery)
    with db.connect() as conn:
        keys = conn.execute(select(deliveries.c.delivery_key).order_by(deliveries.c.id)).scalars().all()
    assert keys.count("id:7e3a1c9d-5001") == 1 and len(keys) == 2  # the creation (a digest) and this delivery
    # The change (stored by A or by B) is in B's next metrics although B had them cached: one new data version,
    # one more item in progress.
    fresh = metrics.get("/api/v1/teams/OPS/metrics").json()
    metrics.close()
    assert fresh["team"]["data_version"] == cached[0]["team"]["data_version"] + 1
    assert fresh["wip"][-1]["wip"] == cached[0]["wip"][-1]["wip"] + 1


class HeldJira(FakeJira):
    """The fake Jira, holding every issue search until ``release`` is set: a sync stays busy as long as needed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held, self.release = threading.Event(), threading.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/rest/api/3/search/jql":
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        await super().__call__(scope, receive, send)


def test_two_concurrent_syncs_of_one_source_run_once(cluster: Cluster) -> None:
    db = cluster.db
    fake = HeldJira("cloud", [cloud_issue(n, moves=2, project="SYN") for n in range(1, 6)], search_cap=2,
                    auth=CLOUD_AUTH)  # fmt: skip
    with Served(fake) as server:
        connect_jira(db, key=KEY, name="sync", url=server.url, email="pm@example.com", token="good-token",
                     team="OPS", projects=["SYN"], allow_http=True)  # fmt: skip
        first = _cadence(cluster.env(), cluster.folder, "sync", "sync", "--format", "json")
        try:
            assert fake.held.wait(90), "the first sync never reached the issue search"
            second = _cadence(cluster.env(), cluster.folder, "sync", "sync")
            out, err = second.communicate(timeout=90)  # meanwhile the first sync waits on its first page
        finally:
            fake.release.set()
        first_out, first_err = first.communicate(timeout=120)
    assert second.returncode == 9, (out, err)
    message = " ".join(err.split())
    assert "a sync of source 'sync' is already running on cli:" in message and " since 20" in message
    assert first.returncode == 0, first_err
    report = json.loads(first_out.splitlines()[0])
    assert report["source"] == "sync" and report["stored"] > 0
    assert fake.calls("/rest/api/3/myself") == 1 and fake.calls("/rest/api/3/field") == 1  # one sync read Jira
    with db.connect() as conn:
        keys = [k for k in read_items(conn).get_column("key").to_list() if k.startswith("SYN-")]
    assert sorted(keys) == [f"SYN-{n}" for n in range(1, 6)]
    status = next(s for s in describe_sources(db) if s.name == "sync")
    assert status.last_status == "ok"
    states = S.table(S.SyncState)
    with db.connect() as conn:
        lease = conn.execute(select(states.c.lease_owner).join(S.table(S.Source)).where(
            S.table(S.Source).c.name == "sync")).scalar_one()  # fmt: skip
    assert lease is None  # released at the end


def test_two_workers_run_the_scheduled_sync_once(cluster: Cluster) -> None:
    db = cluster.db
    sources = S.table(S.Source)
    with db.begin() as conn:  # the sources of the tests above point at servers that are gone
        conn.execute(sources.delete())
    fake = FakeJira("cloud", [cloud_issue(n, moves=1, project="WRK") for n in range(1, 4)], auth=CLOUD_AUTH)
    with Served(fake) as server:
        connect_jira(db, key=KEY, name="work", url=server.url, email="pm@example.com", token="good-token",
                     team="OPS", projects=["WRK"], allow_http=True)  # fmt: skip
        env = cluster.env(CADENCE_SYNC_INTERVAL_MINUTES="60", CADENCE_SCHEDULER_INTERVAL_SECONDS="5")
        workers = [_cadence(env, cluster.folder, "worker") for _ in range(2)]
        try:
            deadline = time.monotonic() + 90
            while True:
                status = next(s for s in describe_sources(db) if s.name == "work")
                if status.last_status == "ok":
                    break
                assert time.monotonic() < deadline, [w.poll() for w in workers]
                time.sleep(0.5)
            time.sleep(6)  # at least one more tick of each worker: the period is claimed, nothing runs again
        finally:
            for worker in workers:
                _stop(worker)
        outputs = [worker.communicate(timeout=10) for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert all("Cadence worker on " in out for out, _ in outputs)
    assert fake.calls("/rest/api/3/myself") == 1  # one sync of the source, by one worker
    runs = S.table(S.JobRun)
    with db.connect() as conn:
        rows = conn.execute(select(runs.c.instance, runs.c.state).where(runs.c.job == "sync-sources")).all()
    assert len(rows) == 1 and rows[0].state == "done" and rows[0].instance.startswith("worker:")
    with db.connect() as conn:
        keys = [k for k in read_items(conn).get_column("key").to_list() if k.startswith("WRK-")]
    assert sorted(keys) == ["WRK-1", "WRK-2", "WRK-3"]
