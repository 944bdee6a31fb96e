"""A small demo workspace behind the app, in-process, with an admin's API token: what the fuzzer talks to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI

from cadence.app import create_app
from cadence.services.audit_log import SYSTEM
from cadence.services.authentication import create_api_token
from cadence.services.seeding import seed_demo
from cadence.services.users import create_user
from cadence.settings import Settings
from cadence.store.database import Database
from cadence.store.migrations import upgrade
from cadence.store.teams import list_teams
from tests.conftest import _fresh_postgres_database

SEED_UNTIL = dt.date(2026, 6, 30)
ADMIN = "fuzz-admin"
DEMO_TEAMS = ("PLAT", "SUP")
"""The demo's teams at this seed (checked when the site is built)."""
SUPPORT_TEAM = "SUP"
"""The team every fuzzed path names: it has work items, sprints, tickets, risks and ceremonies."""


@dataclass(frozen=True)
class FuzzedSite:
    db: Database
    app: FastAPI
    token: str


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzzed_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedSite]:
    """A throwaway database per module and backend: the fuzzer's POST/PATCH/DELETE calls cannot reach other tests."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'cadence.db'}"])
    else:
        urls = _fresh_postgres_database()
    url = next(urls)
    db = Database(url)
    upgrade(db)
    seed_demo(db, seed=7, scale=0.1, until=SEED_UNTIL)
    now = dt.datetime.now(dt.UTC)
    create_user(db, SYSTEM, username=ADMIN, password="fuzzing is fun, says nobody", superuser=True, now=now)
    token = create_api_token(db, ADMIN, "schemathesis", now=now)
    app = create_app(Settings(database_url=str(db.url)), db)
    with db.connect() as conn:
        assert tuple(sorted(t.key for t in list_teams(conn))) == DEMO_TEAMS
    yield FuzzedSite(db, app, token)
    db.dispose()
    next(urls, None)  # drops the PostgreSQL database
