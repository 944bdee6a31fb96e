"""The composition root: settings and database in, a ready FastAPI application out."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from cadence import __version__
from cadence.api import docs as api_docs
from cadence.api import health, prometheus
from cadence.api import hooks as api_hooks
from cadence.api.openapi import install_openapi
from cadence.api.v1 import actions as api_actions
from cadence.api.v1 import backlog as api_backlog
from cadence.api.v1 import decisions as api_decisions
from cadence.api.v1 import forecasts as api_forecasts
from cadence.api.v1 import impediments as api_impediments
from cadence.api.v1 import insight as api_insight
from cadence.api.v1 import items as api_items
from cadence.api.v1 import notifications as api_notifications
from cadence.api.v1 import planning as api_planning
from cadence.api.v1 import poker as api_poker
from cadence.api.v1 import retro as api_retro
from cadence.api.v1 import risks as api_risks
from cadence.api.v1 import sprints as api_sprints
from cadence.api.v1 import standup as api_standup
from cadence.api.v1 import support_sla as api_support_sla
from cadence.api.v1 import targets as api_targets
from cadence.api.v1 import teams as api_teams
from cadence.api.v1 import tickets as api_tickets
from cadence.domain.errors import CadenceError
from cadence.http.errors import handle_cadence_error, handle_http_error, handle_validation_error
from cadence.http.observability import RequestObservation
from cadence.http.security import SESSION_COOKIE, csrf_guard
from cadence.reports.weekly import render_markdown
from cadence.services import caches
from cadence.services.authentication import AuthPolicy
from cadence.services.scheduler import Delivery, Job, Scheduler, scheduled_jobs
from cadence.services.workspace_config import load_workspace_config
from cadence.settings import Settings, load_settings
from cadence.store.database import Database
from cadence.web import actions as action_pages
from cadence.web import backlog as backlog_page
from cadence.web import calendar as calendar_feed
from cadence.web import dashboard, home, sign_in, targets, team_pages
from cadence.web import decisions as decision_pages
from cadence.web import forecast as forecast_page
from cadence.web import impediments as impediment_pages
from cadence.web import insight as insight_pages
from cadence.web import notifications as notification_pages
from cadence.web import planning as planning_pages
from cadence.web import poker as poker_pages
from cadence.web import retro as retro_pages
from cadence.web import risks as risk_pages
from cadence.web import standup as standup_pages
from cadence.web import support as support_pages

__all__ = ["create_app", "scheduler_delivery", "scheduler_jobs"]


def scheduler_delivery(settings: Settings) -> Delivery:
    """What the scheduled jobs need from the edges: delivery settings and the weekly report's Markdown renderer."""
    key = settings.encryption_key.get_secret_value() if settings.encryption_key is not None else None
    return Delivery(
        key, settings.notify_max_attempts, dt.timedelta(seconds=settings.notify_retry_seconds),
        render_report=render_markdown,
    )  # fmt: skip


def scheduler_jobs(settings: Settings) -> tuple[Job, ...]:
    """The scheduled jobs, with ``sync-sources`` when ``CADENCE_SYNC_INTERVAL_MINUTES`` is set."""
    return scheduled_jobs(
        sync_every=dt.timedelta(minutes=settings.sync_interval_minutes),
        sync_lease=dt.timedelta(seconds=settings.sync_lease_seconds),
        reconcile_every=dt.timedelta(hours=settings.reconcile_hours) if settings.reconcile_hours > 0 else None,
    )


def create_app(settings: Settings | None = None, db: Database | None = None, *, scheduler: bool = False) -> FastAPI:
    """``scheduler``: run the scheduled jobs in a thread for the app's lifetime (``cadence serve``)."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.scheduler is not None:
            app.state.scheduler.start()
        try:
            yield
        finally:
            if app.state.scheduler is not None:
                app.state.scheduler.stop()

    app = FastAPI(
        lifespan=_lifespan,
        title="Cadence",
        version=__version__,
        description="The team cockpit's JSON API. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `cadence token create`). Errors share one envelope: "
        '`{"error": {"code", "message", "data"}}`.',
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(csrf_guard)],
    )
    app.state.settings = settings
    caches.set_budget(settings.cache_mb * 2**20)  # per process: the caches are module-level
    app.state.db = db or Database(settings.effective_database_url)
    app.state.workspace_config = load_workspace_config(settings.workspace_file)
    app.state.auth_policy = AuthPolicy(
        idle_timeout=dt.timedelta(minutes=settings.session_idle_minutes),
        absolute_timeout=dt.timedelta(hours=settings.session_max_hours),
    )
    app.state.scheduler = None
    if scheduler:
        app.state.scheduler = Scheduler(
            app.state.db, app.state.workspace_config, instance=f"{socket.gethostname()}:{os.getpid()}",
            interval=settings.scheduler_interval_seconds, delivery=scheduler_delivery(settings),
            jobs=scheduler_jobs(settings),
        )  # fmt: skip
    app.add_exception_handler(CadenceError, handle_cadence_error)
    app.add_exception_handler(HTTPException, handle_http_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if getattr(request.state, "clear_session_cookie", False):
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # Outermost: the request id and the access line cover every other middleware and handler.
    app.state.metrics_token = settings.metrics_token
    app.state.metrics = prometheus.instance_metrics(app.state.db)
    app.add_middleware(RequestObservation, metrics=app.state.metrics)

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static")
    app.include_router(api_docs.router)
    app.include_router(health.router)
    app.add_route("/metrics", prometheus.metrics, methods=["GET"], include_in_schema=False)
    app.include_router(api_hooks.router)
    app.include_router(api_teams.router)
    app.include_router(api_items.router)
    app.include_router(api_forecasts.router)
    app.include_router(api_sprints.router)
    app.include_router(api_backlog.router)
    app.include_router(sign_in.router)
    app.include_router(home.router)
    app.include_router(api_targets.router)
    app.include_router(dashboard.router)
    app.include_router(team_pages.router)
    app.include_router(targets.router)
    app.include_router(api_poker.router)
    app.include_router(poker_pages.router)
    app.include_router(api_retro.router)
    app.include_router(retro_pages.router)
    app.include_router(api_planning.router)
    app.include_router(planning_pages.router)
    app.include_router(api_impediments.router)
    app.include_router(impediment_pages.router)
    app.include_router(api_risks.router)
    app.include_router(risk_pages.router)
    app.include_router(api_insight.router)
    app.include_router(insight_pages.router)
    app.include_router(api_decisions.router)
    app.include_router(decision_pages.router)
    app.include_router(api_standup.router)
    app.include_router(standup_pages.router)
    app.include_router(api_actions.router)
    app.include_router(action_pages.router)
    app.include_router(calendar_feed.router)
    app.include_router(backlog_page.router)
    app.include_router(api_tickets.router)
    app.include_router(api_support_sla.router)
    app.include_router(support_pages.router)
    app.include_router(forecast_page.router)
    app.include_router(api_notifications.router)
    app.include_router(notification_pages.router)
    install_openapi(app)
    return app
