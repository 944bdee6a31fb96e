"""What an operator sees of each request: its id, one access log line, and its latency in the metrics.

A request keeps the ``X-Request-ID`` it arrives with when that is a sane token (a proxy or a client chose it, so
their logs and ours join on it), else gets a new one. The id goes back on the response, into every log line written
while the request runs (a context variable, so services log it without passing it around) and into the JSON error
envelope. Log lines are text for people or one JSON object per line for collectors (:func:`configure_logging`, the
one logging set-up ``cadence serve`` uses).

The access line logs the path without its query string: the calendar feed takes its token as ``?token=``.
Metric labels are the route *template* and the status *class*, never the raw path (ids would make one series per
object) nor an unknown method (any client could invent one per request).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any, Literal

from prometheus_client import CollectorRegistry, Gauge, Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "REQUEST_ID_HEADER",
    "JsonFormatter",
    "RequestMetrics",
    "RequestObservation",
    "TextFormatter",
    "accept_request_id",
    "configure_logging",
    "current_request_id",
]

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,127}")
"""Letters, digits and a few separators (UUIDs, hex, base64, ``Root=1-...`` trace ids), at most 128 characters:
nothing that could break a log line or a header."""
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_UNMATCHED = "<unmatched>"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds; 0.3 is a bucket edge so the share of requests over the 300 ms target reads straight off the histogram."""

_request_id: ContextVar[str | None] = ContextVar("cadence_request_id", default=None)
_access_log = logging.getLogger("cadence.access")
_error_log = logging.getLogger("cadence.http")


def current_request_id() -> str | None:
    """The id of the request being served in this context, or ``None`` outside one (the scheduler, the CLI)."""
    return _request_id.get()


def accept_request_id(value: str | None) -> str:
    """``value`` when it is a sane token, else a new random id (32 hex digits)."""
    if value is not None and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestMetrics:
    """The per-request metrics of one app, in the app's own registry (tests build many apps in one process; the
    global registry would refuse the second one's metrics)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            "cadence_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by method, route template and status class.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "cadence_http_requests_in_flight", "Requests being served now by this instance.", registry=self.registry
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        label = method if method in _METHODS else "other"
        self.latency.labels(label, route, f"{status // 100}xx").observe(seconds)


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/api/v1/teams/{team}``), ``/static/{path}`` for a mounted app, or
    ``<unmatched>``."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str) and path:
        return path
    endpoint = scope.get("endpoint")
    for route in getattr(scope.get("router"), "routes", ()) if endpoint is not None else ():
        if getattr(route, "endpoint", None) is endpoint and isinstance(getattr(route, "path", None), str):
            return str(route.path)  # a plain Starlette route (``/metrics``): FastAPI records only its own routes
    root, app_root = str(scope.get("root_path", "")), str(scope.get("app_root_path", ""))
    if "endpoint" in scope and root.startswith(app_root) and len(root) > len(app_root):
        return root[len(app_root) :] + "/{path}"  # a mount sets only its prefix as the root path
    return _UNMATCHED


def _loggable_path(scope: Scope) -> str:
    """The path as sent, still percent-encoded (a decoded ``%0A`` would forge a second text log line), without the
    query string."""
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) else str(scope["path"])


class RequestObservation:
    """ASGI middleware: the request id, the in-flight gauge, the latency histogram and the access log line."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope.get("headers", ()) if k == b"x-request-id"), None)
        request_id = accept_request_id(incoming.decode("latin-1") if incoming is not None else None)
        scope.setdefault("state", {})["request_id"] = request_id
        token = _request_id.set(request_id)
        status = 500  # what the client gets when the app raises before responding
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            _error_log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            raise
        finally:
            seconds = time.perf_counter() - started
            self.metrics.in_flight.dec()
            route = route_template(scope)
            self.metrics.observe(scope["method"], route, status, seconds)
            client = scope.get("client")
            path = _loggable_path(scope)
            _access_log.info(
                "%s %s %d %.1f ms",
                scope["method"],
                path,
                status,
                seconds * 1000,
                extra={
                    "method": scope["method"],
                    "path": path,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                },
            )
            _request_id.reset(token)


_EXTRA_FIELDS = ("method", "path", "route", "status", "duration_ms", "client")


def _utc_time(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _request_id_of(record: logging.LogRecord) -> str | None:
    value = getattr(record, "request_id", None)
    return value if isinstance(value, str) else current_request_id()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``request_id``;
    access lines add ``method``, ``path``, ``route``, ``status``, ``duration_ms`` and ``client``; errors add
    ``exception`` (the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _utc_time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id_of(record),
        }
        for field in _EXTRA_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``TIME LEVEL LOGGER [request id] message`` for a person reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = _request_id_of(record)
        text = f"{_utc_time(record)} {record.levelname:<7} {record.name}"
        text += f" [{request_id}] " if request_id else " "
        text += record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _CadenceHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler :func:`configure_logging` installs, so a second call replaces it instead of doubling lines."""


def configure_logging(level: str, log_format: Literal["text", "json"], stream: Any = None) -> logging.Handler:
    """Send every log line of the process (Cadence's, uvicorn's, libraries') through one handler on the root logger,
    as text or JSON; returns that handler. Uvicorn's own handlers are removed so its lines share the format."""
    handler = _CadenceHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _CadenceHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)  # the root's level governs (an earlier uvicorn.Config may have set one)
    # Alembic says "Context impl ..." at info on every schema check, i.e. on every readiness probe.
    logging.getLogger("alembic").setLevel(logging.DEBUG if level.lower() == "debug" else logging.WARNING)
    return handler
