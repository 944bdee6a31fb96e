"""``GET /metrics``: Prometheus text exposition of this instance's requests and the workspace's operations.

Request latency and requests in flight are counted in memory per instance (each instance is its own target).
Sync lag, job failures and the notification outbox are read from the database at scrape time
(``services.operations_metrics``), so every instance reports the same figures; the caches' sizes are this process's.

Who may scrape: with ``CADENCE_METRICS_TOKEN`` set, whoever sends ``Authorization: Bearer <token>``; without it,
loopback clients only, and not through a proxy (a request carrying ``Forwarded``, ``X-Forwarded-For`` or
``X-Real-IP`` was relayed for someone else). The figures name sources, jobs and routes and show load: not secret,
but nothing to publish to the internet either, and a scrape costs three queries.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
from collections.abc import Callable, Iterable

from fastapi import Request
from fastapi.responses import Response
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from pydantic import SecretStr

from cadence import __version__
from cadence.domain.errors import DatabaseError, NotAuthenticated, PermissionDenied
from cadence.http.observability import RequestMetrics
from cadence.services import caches
from cadence.services.operations_metrics import operations_snapshot
from cadence.store.database import Database

__all__ = ["OperationsCollector", "instance_metrics", "metrics"]

_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OperationsCollector(Collector):
    """The database-backed metrics, computed on each scrape. A database that cannot answer (unreachable, or not at
    this Cadence's schema) is reported as ``cadence_database_ready 0`` and the request metrics are still served,
    rather than failing the whole scrape."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.db = db
        self.clock = clock

    def describe(self) -> Iterable[Metric]:
        return []  # registering must not query the database

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "cadence_database_ready", "1 when the database answered this scrape and its schema is current, else 0."
        )
        try:
            snapshot = operations_snapshot(self.db, now=self.clock())
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        lag = GaugeMetricFamily(
            "cadence_sync_lag_seconds",
            "Seconds from the source's watermark (its newest change Cadence is sure to hold) to now.",
            labels=["source"],
        )
        finished = GaugeMetricFamily(
            "cadence_sync_last_finished_age_seconds",
            "Seconds since the source's last sync finished, whatever its outcome.",
            labels=["source"],
        )
        failed = GaugeMetricFamily(
            "cadence_sync_last_failed",
            "1 when the source's last sync ended failed and none has started since, else 0.",
            labels=["source"],
        )
        for source in snapshot.sources:
            if source.lag_seconds is not None:
                lag.add_metric([source.source], source.lag_seconds)
            if source.last_finished_age_seconds is not None:
                finished.add_metric([source.source], source.last_finished_age_seconds)
            failed.add_metric([source.source], 1 if source.last_failed else 0)
        jobs = CounterMetricFamily(
            "cadence_job_failures", "Failed runs of each scheduled job, from the job_runs table.", labels=["job"]
        )
        for job, count in snapshot.job_failures.items():
            jobs.add_metric([job], count)
        outbox = GaugeMetricFamily(
            "cadence_notification_outbox_messages",
            "Notification messages waiting (pending), being sent (sending) or given up (failed).",
            labels=["state"],
        )
        for state, count in snapshot.outbox.items():
            outbox.add_metric([state], count)
        yield from (lag, finished, failed, jobs, outbox)


class _BuildInfo(Collector):
    def collect(self) -> Iterable[Metric]:
        info = InfoMetricFamily("cadence_build", "The Cadence version this instance runs.")
        info.add_metric([], {"version": __version__})
        yield info


class _CacheCollector(Collector):
    """The process's caches of computed results: bytes against the budget (``CADENCE_CACHE_MB``), entries, hits
    and misses. A hit ratio falling while bytes sit at the budget says the budget is too small for the teams."""

    def collect(self) -> Iterable[Metric]:
        _, limit = caches.budget()
        budget = GaugeMetricFamily("cadence_cache_budget_bytes", "Bytes all caches of this process may hold.")
        budget.add_metric([], limit)
        held = GaugeMetricFamily(
            "cadence_cache_bytes", "Bytes each cache holds (weighed when stored).", labels=["cache"]
        )
        entries = GaugeMetricFamily("cadence_cache_entries", "Entries each cache holds.", labels=["cache"])
        hits = CounterMetricFamily("cadence_cache_hits", "Lookups answered from the cache.", labels=["cache"])
        misses = CounterMetricFamily("cadence_cache_misses", "Lookups that computed the entry.", labels=["cache"])
        for cache in caches.stats():
            held.add_metric([cache.name], cache.bytes)
            entries.add_metric([cache.name], cache.entries)
            hits.add_metric([cache.name], cache.hits)
            misses.add_metric([cache.name], cache.misses)
        yield from (budget, held, entries, hits, misses)


def instance_metrics(db: Database, clock: Callable[[], dt.datetime] = _utcnow) -> RequestMetrics:
    """The metrics of one app: a registry of its own with the request metrics, the build info and the database
    collector."""
    metrics = RequestMetrics()
    metrics.registry.register(_BuildInfo())
    metrics.registry.register(_CacheCollector())
    metrics.registry.register(OperationsCollector(db, clock))
    return metrics


def _is_loopback(request: Request) -> bool:
    if any(name in request.headers for name in _PROXY_HEADERS):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_access(request: Request) -> None:
    token: SecretStr | None = request.app.state.metrics_token
    if token is None:
        if not _is_loopback(request):
            raise PermissionDenied(
                "/metrics answers loopback clients only; set CADENCE_METRICS_TOKEN to scrape it from elsewhere"
            )
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise NotAuthenticated("/metrics needs 'Authorization: Bearer <CADENCE_METRICS_TOKEN>'")


def metrics(request: Request) -> Response:
    """The Prometheus text format (0.0.4), or OpenMetrics when the scraper asks for it.

    A plain Starlette route, outside the app-wide dependencies: those read an ``Authorization: Bearer`` header as a
    Cadence API token (a database lookup that would refuse the metrics token, and fail with the database down)."""
    _check_access(request)
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encoder(request.app.state.metrics.registry), headers={"Content-Type": content_type})
