"""The composition root: settings and database in, a ready FastAPI application out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from cadence import __version__
from cadence.api import docs as api_docs
from cadence.api import health
from cadence.api.errors import cadence_error_response
from cadence.domain.errors import CadenceError
from cadence.settings import Settings, load_settings
from cadence.store.database import Database
from cadence.web import home
from cadence.web.errors import error_page

__all__ = ["create_app"]


async def _error_response(request: Request, error: Exception) -> Response:
    """The API answers errors with its JSON envelope; pages answer with an HTML page saying the same."""
    if request.url.path.startswith("/api/"):
        return await cadence_error_response(request, error)
    return await error_page(request, error)


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
        title="Cadence", version=__version__, description="The team cockpit's JSON API.", docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.effective_database_url)
    app.add_exception_handler(CadenceError, _error_response)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static")
    app.include_router(api_docs.router)
    app.include_router(health.router)
    app.include_router(home.router)
    return app
