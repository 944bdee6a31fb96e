"""An app per test over a real database, and people with known roles to sign in as."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from cadence.app import create_app
from cadence.domain.model import Role
from cadence.services.audit_log import SYSTEM
from cadence.services.authentication import create_api_token
from cadence.services.users import create_user, set_role
from cadence.settings import Settings
from cadence.store.database import Database
from cadence.store.ingest import ingest
from tests.factories import team_batch
from tests.web.server import serving

PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)


@dataclass
class Site:
    db: Database
    base_url: str
    client: httpx.Client

    def new_client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.base_url, follow_redirects=False)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def __post_init__(self) -> None:
        self._clients: list[httpx.Client] = [self.client]

    def sign_in(self, client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text
        return client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token.group(1), "next": "/"}
        )

    def csrf_of(self, client: httpx.Client, path: str = "/") -> str:
        found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get(path).text)
        assert found
        return found.group(1)

    def token_for(self, username: str) -> str:
        return create_api_token(self.db, username, "tests", now=NOW)


def _two_teams(db: Database) -> None:
    """OPS (from the factory) and WEB, a second team with its own item."""
    with db.begin() as conn:
        ingest(conn, team_batch())
        other = team_batch(source="web")
        ingest(
            conn,
            type(other)(
                source="web",
                teams=other.teams.with_columns(key=other.teams["key"].str.replace("OPS", "WEB")),
                items=other.items.head(1).with_columns(team=other.items["team"].head(1).str.replace("OPS", "WEB")),
            ),
        )


@pytest.fixture
def site(db: Database) -> Iterator[Site]:
    """Users: ``admin`` (superuser), ``pm`` (manager of OPS), ``dev`` (member of OPS), ``viewer`` (viewer of
    OPS), ``webdev`` (member of WEB only)."""
    _two_teams(db)
    for name, team, role in [
        ("pm", "OPS", Role.MANAGER),
        ("dev", "OPS", Role.MEMBER),
        ("viewer", "OPS", Role.VIEWER),
        ("webdev", "WEB", Role.MEMBER),
    ]:
        create_user(db, SYSTEM, username=name, password=PASSWORD, now=NOW)
        set_role(db, SYSTEM, username=name, team_key=team, role=role, now=NOW)
    create_user(db, SYSTEM, username="admin", password=PASSWORD, superuser=True, now=NOW)
    app = create_app(Settings(database_url=str(db.url), session_idle_minutes=30), db)
    with serving(app) as base_url:
        site = Site(db, base_url, httpx.Client(base_url=base_url, follow_redirects=False))
        try:
            yield site
        finally:
            site.close()
