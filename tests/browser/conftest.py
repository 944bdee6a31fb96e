"""Chromium (Debian's, never a downloaded one) driven by Playwright against a real server over a seeded demo.

One demo database and one browser per module: the pages only read, so the tests share them; each test gets its
own browser context (cookies) and page. Without /usr/bin/chromium the tests skip, or fail when
``CADENCE_REQUIRE_BROWSER=1`` (CI sets it, so a missing browser cannot pass silently).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cadence.app import create_app
from cadence.services.seeding import seed_demo
from cadence.services.team_metrics import clear_caches
from cadence.settings import Settings
from cadence.store.database import Database
from cadence.store.migrations import upgrade
from tests.web.server import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SEED_UNTIL = dt.date(2026, 6, 30)
RANGE = "from=2026-04-08&to=2026-06-30"
"""The twelve weeks before the demo's last day: the default range is relative to today, the demo is fixed."""
SCREENSHOTS = Path(__file__).parents[2] / "artifacts" / "screenshots"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium) to run browser tests"
    if os.environ.get("CADENCE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " (CADENCE_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@dataclass
class DemoSite:
    base_url: str
    db: Database


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    _require_chromium()
    url = f"sqlite:///{tmp_path_factory.mktemp('demo')}/cadence.db"
    db = Database(url)
    upgrade(db)
    seed_demo(db, seed=7, scale=0.3, until=SEED_UNTIL)
    app = create_app(Settings(database_url=url), db)
    with serving(app) as base_url:
        yield DemoSite(base_url, db)
    clear_caches()
    db.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """A browser context and page on the demo site, with the console errors and failed requests it saw."""

    site: DemoSite
    context: Any
    page: Any
    errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.site.base_url + path

    def sign_in(self, username: str) -> None:
        self.page.goto(self.url("/login"))
        self.page.fill("#username", username)
        self.page.fill("#password", f"{username}-cadence-demo")
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.url("/"))

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def visit(demo_site: DemoSite, chromium: Any) -> Iterator[Visit]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, base_url=demo_site.base_url)
    page = context.new_page()
    seen = Visit(demo_site, context, page)
    page.on("console", lambda msg: seen.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: seen.errors.append(f"page error: {exc}"))
    yield seen
    context.close()
