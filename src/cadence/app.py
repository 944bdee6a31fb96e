"""The composition root: settings and database in, a ready FastAPI application out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from cadence import __version__
from cadence.api import health
from cadence.api.errors import cadence_error_response
from cadence.domain.errors import CadenceError
from cadence.settings import Settings, load_settings
from cadence.store.database import Database
from cadence.web import home

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(title="Cadence", version=__version__, description="The team cockpit's JSON API.")
    app.state.settings = settings
    app.state.db = db or Database(settings.effective_database_url)
    app.add_exception_handler(CadenceError, cadence_error_response)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static")
    app.include_router(health.router)
    app.include_router(home.router)
    return app
