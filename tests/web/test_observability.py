"""Request ids, structured logs, liveness and readiness, and the Prometheus metrics, over the real app and database."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import polars as pl
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from cadence import __version__
from cadence.api.prometheus import OperationsCollector
from cadence.app import create_app
from cadence.http.observability import JsonFormatter, TextFormatter, configure_logging
from cadence.http.security import SESSION_COOKIE
from cadence.services import caches
from cadence.services.operations_metrics import operations_snapshot
from cadence.services.team_metrics import load_team, team_frames
from cadence.settings import Settings
from cadence.store import job_runs
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import schema_state
from cadence.store.sources import advance_watermark, finish_sync, insert_source, start_sync
from tests.factories import team_batch

NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
LOOPBACK = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.7", 50000)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _client(db: Database, *, client: tuple[str, int] = LOOPBACK, token: str | None = None) -> httpx.AsyncClient:
    settings = Settings(database_url=str(db.url), metrics_token=SecretStr(token) if token else None)
    transport = httpx.ASGITransport(app=create_app(settings, db), client=client)
    return httpx.AsyncClient(transport=transport, base_url="http://cadence.test")


def _unreachable() -> Database:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return Database(f"postgresql+psycopg://cadence@127.0.0.1:{port}/cadence")


@contextlib.contextmanager
def _access_log(formatter: logging.Formatter) -> Iterator[io.StringIO]:
    """The access log as ``formatter`` writes it, captured on a handler of our own."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("cadence.access")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """The access log as the JSON formatter writes it."""
    with _access_log(JsonFormatter()) as stream:
        yield stream


def _json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# Request ids and logs


@pytest.mark.anyio
async def test_a_sane_request_id_is_echoed_and_is_in_the_json_access_line(
    db: Database, access_lines: io.StringIO
) -> None:
    async with _client(db) as client:
        response = await client.get("/api/health", headers={"X-Request-ID": "lb-7f3a.42:edge"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.42:edge"
    [line] = _json_lines(access_lines)
    assert line["request_id"] == "lb-7f3a.42:edge"
    assert (line["level"], line["logger"], line["method"], line["path"]) == ("info", "cadence.access", "GET",
                                                                               "/api/health")  # fmt: skip
    assert (line["route"], line["status"]) == ("/api/health", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    logged_at = dt.datetime.fromisoformat(str(line["time"]))
    assert logged_at.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - logged_at) < dt.timedelta(minutes=1)


@pytest.mark.anyio
@pytest.mark.parametrize("sent", [None, "has space", "x" * 129, "-leading-dash", 'quote"d'])
async def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(
    sqlite_url: str, access_lines: io.StringIO, sent: str | None
) -> None:
    async with _client(Database(sqlite_url)) as client:
        first = await client.get("/api/health", headers={"X-Request-ID": sent} if sent else {})
        second = await client.get("/api/health", headers={"X-Request-ID": sent} if sent else {})
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids) and ids[0] != ids[1]
    assert [line["request_id"] for line in _json_lines(access_lines)] == ids


@pytest.mark.anyio
async def test_an_error_envelope_carries_the_request_id(db: Database, access_lines: io.StringIO) -> None:
    async with _client(db) as client:
        response = await client.get("/api/v1/teams/OPS/items/OPS-1", headers={"X-Request-ID": "support-case-9"})
    assert response.status_code == 401
    assert response.json()["request_id"] == "support-case-9"
    assert response.json()["error"]["code"] == "not_authenticated"
    [line] = _json_lines(access_lines)
    assert (line["status"], line["route"]) == (401, "/api/v1/teams/{team}/items/{item_key}")


def test_the_access_line_never_carries_the_query_string(db: Database, access_lines: io.StringIO) -> None:
    """The calendar feed takes its secret as ``?token=``: it must not reach the logs."""
    import anyio

    async def call() -> None:
        async with _client(db) as client:
            await client.get("/teams/OPS/calendar.ics", params={"token": "s3cret-feed-token"})

    anyio.run(call)
    assert "s3cret-feed-token" not in access_lines.getvalue()
    [line] = _json_lines(access_lines)
    assert line["path"] == "/teams/OPS/calendar.ics"


@pytest.mark.anyio
async def test_a_path_cannot_forge_a_text_log_line(sqlite_url: str) -> None:
    with _access_log(TextFormatter()) as stream:
        async with _client(Database(sqlite_url)) as client:
            await client.get("/nope%0A2026-06-30T12:00:00.000Z INFO cadence.access [x] GET /admin 200")
    [line] = stream.getvalue().splitlines()
    assert "GET /nope%0A2026-06-30T12:00:00.000Z" in line and line.endswith(" ms")


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("cadence.sync", logging.WARNING, __file__, 1, message, None, None)
    record.created = dt.datetime(2026, 6, 30, 12, 0, 1, 250000, tzinfo=dt.UTC).timestamp()
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_the_formatters_write_utc_time_level_logger_message_and_request_id() -> None:
    line = json.loads(JsonFormatter().format(_record("source %s is behind", request_id="abc")))
    assert line == {"time": "2026-06-30T12:00:01.250Z", "level": "warning", "logger": "cadence.sync",
                    "message": "source %s is behind", "request_id": "abc"}  # fmt: skip
    text = TextFormatter().format(_record("lagging", request_id="abc"))
    assert text == "2026-06-30T12:00:01.250Z WARNING cadence.sync [abc] lagging"
    assert json.loads(JsonFormatter().format(_record("outside a request")))["request_id"] is None


def test_configure_logging_routes_uvicorn_through_the_json_handler() -> None:
    """What ``cadence serve`` sets up: uvicorn's own lines become JSON objects like Cadence's."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), logging.getLogger("alembic").level)
    uvicorn_error = logging.getLogger("uvicorn.error")
    uvicorn_saved = (list(uvicorn_error.handlers), uvicorn_error.propagate, uvicorn_error.level)
    uvicorn_error.setLevel(logging.WARNING)  # as a test server (uvicorn.Config(log_level="warning")) leaves it
    stream = io.StringIO()
    try:
        configure_logging("info", "json", stream=stream)
        configure_logging("info", "json", stream=stream)  # a second call replaces the handler, never doubles it
        uvicorn_error.info("Application startup complete.")
        logging.getLogger("cadence.scheduler").debug("below the level: dropped")
    finally:
        for handler in [h for h in root.handlers if h not in saved[1]]:
            root.removeHandler(handler)
        root.setLevel(saved[0])
        logging.getLogger("alembic").setLevel(saved[2])
        uvicorn_error.handlers[:], uvicorn_error.propagate, _ = uvicorn_saved
        uvicorn_error.setLevel(uvicorn_saved[2])
    [line] = _json_lines(stream)
    assert (line["logger"], line["level"], line["message"]) == ("uvicorn.error", "info",
                                                                "Application startup complete.")  # fmt: skip


# Liveness and readiness


@pytest.mark.anyio
@pytest.mark.parametrize(
    "credentials",
    [{}, {"headers": {"Authorization": "Bearer cad_some-token"}}, {"cookies": {SESSION_COOKIE: "a-stale-session"}}],
    ids=["anonymous", "token", "cookie"],
)
async def test_health_is_200_with_the_version_even_when_the_database_is_down(credentials: dict[str, Any]) -> None:
    """Also when the prober sends a token or a session cookie: neither is looked up (that would need the database)."""
    async with _client(_unreachable()) as client:
        client.cookies.update(credentials.get("cookies", {}))
        response = await client.get("/api/health", headers=credentials.get("headers", {}))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


@pytest.mark.anyio
async def test_ready_is_200_on_a_current_schema(db: Database) -> None:
    async with _client(db) as client:
        response = await client.get("/api/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "schema_revision": schema_state(db).head,
                               "detail": None}  # fmt: skip


@pytest.mark.anyio
async def test_ready_is_503_when_the_database_is_unreachable() -> None:
    async with _client(_unreachable()) as client:
        response = await client.get("/api/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert "cannot reach the database" in response.json()["detail"]


@pytest.mark.anyio
async def test_ready_is_503_when_the_database_needs_migration(sqlite_url: str) -> None:
    async with _client(Database(sqlite_url)) as client:
        response = await client.get("/api/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "needs-migration"
    assert response.json()["detail"].endswith(f"this Cadence needs {schema_state(Database(sqlite_url)).head}")


# Metrics


def _families(text: str) -> dict[str, list[tuple[str, dict[str, str], float]]]:
    """Metric family name -> its samples (sample name, labels, value), parsed as Prometheus would."""
    return {
        family.name: [(s.name, dict(s.labels), s.value) for s in family.samples]
        for family in text_string_to_metric_families(text)
    }


@pytest.mark.anyio
async def test_metrics_count_each_request_by_route_template_and_status_class(db: Database) -> None:
    async with _client(db) as client:
        for key in ("OPS-1", "OPS-2", "WEB-9"):
            assert (await client.get(f"/api/v1/teams/OPS/items/{key}")).status_code == 401
        assert (await client.get("/api/health")).status_code == 200
        assert (await client.request("BREW", "/api/health")).status_code == 405
        await client.get("/metrics")  # counted under its own route, like any other
        scrape = await client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain; version=0.0.4")
    openmetrics = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    async with _client(db) as client:
        negotiated = await client.get("/metrics", headers={"Accept": openmetrics})
    assert negotiated.headers["content-type"].startswith("application/openmetrics-text")
    assert negotiated.text.rstrip().endswith("# EOF")
    families = _families(scrape.text)
    counts = {
        (labels["method"], labels["route"], labels["status"]): value
        for name, labels, value in families["cadence_http_request_duration_seconds"]
        if name.endswith("_count")
    }
    assert counts == {
        ("GET", "/api/v1/teams/{team}/items/{item_key}", "4xx"): 3,  # one series for three items: no raw paths
        ("GET", "/api/health", "2xx"): 1,
        ("other", "/api/health", "4xx"): 1,  # an invented method does not make a series of its own
        ("GET", "/metrics", "2xx"): 1,
    }
    buckets = {labels["le"] for name, labels, _ in families["cadence_http_request_duration_seconds"]
               if name.endswith("_bucket")}  # fmt: skip
    assert "0.3" in buckets  # the 300 ms target is a bucket edge
    assert families["cadence_http_requests_in_flight"] == [("cadence_http_requests_in_flight", {}, 1)]  # the scrape
    assert families["cadence_build_info"] == [("cadence_build_info", {"version": __version__}, 1)]
    assert families["cadence_database_ready"] == [("cadence_database_ready", {}, 1)]


@pytest.mark.anyio
async def test_the_caches_report_their_bytes_against_the_budget(db: Database) -> None:
    """A team's frames, once computed, show in ``cadence_cache_bytes`` with at least their buffers' size, under
    the budget the settings gave."""
    with db.begin() as conn:
        ingest(conn, team_batch())
    _, before = caches.budget()
    try:
        settings = Settings(database_url=str(db.url), cache_mb=64)
        transport = httpx.ASGITransport(app=create_app(settings, db), client=LOOPBACK)
        frames = team_frames(db, load_team(db, "OPS"))
        async with httpx.AsyncClient(transport=transport, base_url="http://cadence.test") as client:
            scrape = await client.get("/metrics")
    finally:
        caches.set_budget(before)
    families = _families(scrape.text)
    assert families["cadence_cache_budget_bytes"] == [("cadence_cache_budget_bytes", {}, 64 * 2**20)]
    held = {labels["cache"]: value for _, labels, value in families["cadence_cache_bytes"]}
    buffers = sum(frame.estimated_size() for frame in vars(frames).values() if isinstance(frame, pl.DataFrame))
    assert held["team_frames"] >= buffers > 0
    assert sum(held.values()) <= 64 * 2**20
    entries = {labels["cache"]: value for _, labels, value in families["cadence_cache_entries"]}
    assert entries["team_frames"] >= 1
    misses = {labels["cache"]: value for name, labels, value in families["cadence_cache_misses"]}
    assert misses["team_frames"] >= 1


def _seed_operations(db: Database) -> None:
    """Three sources (synced fine, failing, never synced) and job runs with known outcomes."""
    with db.begin() as conn:
        fine = insert_source(conn, name="jira-main", kind="jira", team_id=None, base_url=None, config={}, secret=None)
        start_sync(conn, fine, NOW - dt.timedelta(hours=3))
        advance_watermark(conn, fine, dt.datetime(2026, 6, 30, 9, 30, tzinfo=dt.UTC))
        finish_sync(conn, fine, dt.datetime(2026, 6, 30, 11, 59, 15, tzinfo=dt.UTC), "ok")
        broken = insert_source(conn, name="jira-old", kind="jira", team_id=None, base_url=None, config={}, secret=None)
        start_sync(conn, broken, NOW - dt.timedelta(days=2))
        advance_watermark(conn, broken, dt.datetime(2026, 6, 29, 12, tzinfo=dt.UTC))
        finish_sync(conn, broken, dt.datetime(2026, 6, 30, 11, tzinfo=dt.UTC), "failed", "HTTP 503")
        insert_source(conn, name="csv-import", kind="jira_csv", team_id=None, base_url=None, config={}, secret=None)
        outcomes = [("weekly-report", "failed")] * 3 + [("standup-reminder", "done"), ("standup-reminder", "failed")]
        outcomes += [("support-digest", "done")]
        for n, (job, state) in enumerate(outcomes):
            run = job_runs.claim_run(conn, job=job, slot=f"OPS:{n}", instance="test", now=NOW)
            assert run is not None
            job_runs.finish_run(conn, run, state=state, now=NOW, error="boom" if state == "failed" else None)


def test_sync_lag_and_job_failures_equal_the_hand_computed_figures(db: Database) -> None:
    _seed_operations(db)
    snapshot = operations_snapshot(db, now=NOW)
    lags = {s.source: (s.lag_seconds, s.last_finished_age_seconds, s.last_failed) for s in snapshot.sources}
    assert lags == {
        "jira-main": (2.5 * 3600, 45.0, False),  # watermark 09:30, finished 11:59:15, now 12:00
        "jira-old": (24 * 3600.0, 3600.0, True),  # watermark a day ago, failed at 11:00
        "csv-import": (None, None, False),  # never synced: no lag to speak of
    }
    assert snapshot.job_failures == {"standup-reminder": 1, "support-digest": 0, "weekly-report": 3}
    assert snapshot.outbox == {"pending": 0, "sending": 0, "failed": 0}


def test_the_exposition_of_the_database_figures(db: Database) -> None:
    _seed_operations(db)
    registry = CollectorRegistry()
    registry.register(OperationsCollector(db, clock=lambda: NOW))
    families = _families(generate_latest(registry).decode())
    assert families["cadence_sync_lag_seconds"] == [
        ("cadence_sync_lag_seconds", {"source": "jira-main"}, 9000.0),
        ("cadence_sync_lag_seconds", {"source": "jira-old"}, 86400.0),
    ]
    assert families["cadence_sync_last_finished_age_seconds"] == [
        ("cadence_sync_last_finished_age_seconds", {"source": "jira-main"}, 45.0),
        ("cadence_sync_last_finished_age_seconds", {"source": "jira-old"}, 3600.0),
    ]
    assert {labels["source"]: value for _, labels, value in families["cadence_sync_last_failed"]} == {
        "csv-import": 0, "jira-main": 0, "jira-old": 1}  # fmt: skip
    assert families["cadence_job_failures"] == [
        ("cadence_job_failures_total", {"job": "standup-reminder"}, 1),
        ("cadence_job_failures_total", {"job": "support-digest"}, 0),
        ("cadence_job_failures_total", {"job": "weekly-report"}, 3),
    ]
    assert {labels["state"]: value for _, labels, value in families["cadence_notification_outbox_messages"]} == {
        "pending": 0, "sending": 0, "failed": 0}  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize("database", ["unreachable", "unmigrated"])
async def test_metrics_still_answer_when_the_database_cannot(sqlite_url: str, database: str) -> None:
    db = _unreachable() if database == "unreachable" else Database(sqlite_url)
    async with _client(db) as client:
        scrape = await client.get("/metrics")
    assert scrape.status_code == 200
    families = _families(scrape.text)
    assert families["cadence_database_ready"] == [("cadence_database_ready", {}, 0)]
    assert "cadence_sync_lag_seconds" not in families


# Who may scrape


@pytest.mark.anyio
@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.53", "::1"])
async def test_without_a_token_loopback_clients_may_scrape(sqlite_url: str, address: str) -> None:
    async with _client(Database(sqlite_url), client=(address, 50000)) as client:
        assert (await client.get("/metrics")).status_code == 200


@pytest.mark.anyio
async def test_without_a_token_other_clients_get_a_403_envelope(sqlite_url: str) -> None:
    async with _client(Database(sqlite_url), client=REMOTE) as client:
        response = await client.get("/metrics")
    assert response.status_code == 403
    body = response.json()
    assert body["error"]["code"] == "forbidden" and "CADENCE_METRICS_TOKEN" in body["error"]["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.anyio
@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP", "Forwarded"])
async def test_a_request_relayed_by_a_local_proxy_is_not_loopback(sqlite_url: str, header: str) -> None:
    async with _client(Database(sqlite_url)) as client:
        response = await client.get("/metrics", headers={header: "198.51.100.4"})
    assert response.status_code == 403


@pytest.mark.anyio
async def test_with_a_token_only_its_bearer_may_scrape_from_anywhere(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    async with _client(db, client=REMOTE, token="scrape-me-7") as client:
        assert (await client.get("/metrics", headers={"Authorization": "Bearer scrape-me-7"})).status_code == 200
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me-8"})
        basic = await client.get("/metrics", headers={"Authorization": "Basic scrape-me-7"})
    for response in (missing, wrong, basic):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "not_authenticated"
    async with _client(db, client=LOOPBACK, token="scrape-me-7") as client:
        assert (await client.get("/metrics")).status_code == 401  # a token, once set, is required from loopback too
