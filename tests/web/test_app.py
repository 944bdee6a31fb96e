"""The thin running app: home page, readiness check and OpenAPI, served in-process over ASGI."""

from __future__ import annotations

import socket

import httpx
import pytest

from cadence.app import create_app
from cadence.settings import Settings
from cadence.store.database import Database
from cadence.store.migrations import schema_state


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _get(db: Database, path: str) -> httpx.Response:
    app = create_app(Settings(database_url=str(db.url)), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cadence.test") as client:
        return await client.get(path)


@pytest.mark.anyio
async def test_ready_is_ok_on_a_migrated_database(db: Database) -> None:
    response = await _get(db, "/api/ready")
    assert response.status_code == 200
    head = schema_state(db).head
    assert response.json() == {"status": "ok", "database": "ok", "schema_revision": head, "detail": None}


@pytest.mark.anyio
async def test_ready_is_503_when_the_database_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = Database(f"postgresql+psycopg://cadence@127.0.0.1:{port}/cadence")
    response = await _get(db, "/api/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.anyio
async def test_ready_is_503_before_migration(sqlite_url: str) -> None:
    response = await _get(Database(sqlite_url), "/api/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "needs-migration"


@pytest.mark.anyio
async def test_home_on_an_unreachable_database_is_an_error_page_not_a_crash() -> None:
    db = Database("postgresql+psycopg://cadence@127.0.0.1:1/cadence")
    app = create_app(Settings(database_url=str(db.url)), db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://cadence.test", cookies={"cadence_session": "anything"}
    ) as client:
        response = await client.get("/")
    assert response.status_code == 503
    assert "cannot reach the database" in response.text


@pytest.mark.anyio
async def test_openapi_documents_the_health_endpoint(db: Database) -> None:
    spec = (await _get(db, "/openapi.json")).json()
    assert "/api/health" in spec["paths"]
    docs = await _get(db, "/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui" in docs.text  # served locally, no CDN
