"""Sprint planning in Chromium: the PM opens planning, sees capacity net of interrupts and the cut line, starts a plan,
enters a member's time off, sets the goal, commits, and sees the frozen snapshot.

The demo is seeded up to today (not the fixed day of the other browser tests): the plan forecasts from the team's
recent deliveries, which a history that ended months ago would not have.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from cadence.app import create_app
from cadence.services.seeding import seed_demo
from cadence.settings import Settings
from cadence.store.database import Database
from cadence.store.migrations import upgrade
from tests.browser.conftest import DemoSite, Visit, _require_chromium
from tests.web.server import serving

__all__ = ["test_the_pm_plans_and_commits_a_sprint"]


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    _require_chromium()
    url = f"sqlite:///{tmp_path_factory.mktemp('planning')}/cadence.db"
    db = Database(url)
    upgrade(db)
    seed_demo(db, seed=7, scale=0.3, until=dt.datetime.now(dt.UTC).date())
    with serving(create_app(Settings(database_url=url), db)) as base_url:
        yield DemoSite(base_url, db)
    db.dispose()


@pytest.fixture
def live_visit(live_site: DemoSite, chromium: Any) -> Iterator[Visit]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, base_url=live_site.base_url)
    page = context.new_page()
    seen = Visit(live_site, context, page)
    page.on("console", lambda msg: seen.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: seen.errors.append(f"page error: {exc}"))
    yield seen
    context.close()


def _days(text: str) -> float:
    found = re.search(r"([\d.,]+) person-days", text)
    assert found, text
    return float(found.group(1).replace(",", ""))


def test_the_pm_plans_and_commits_a_sprint(live_visit: Visit) -> None:
    visit, page = live_visit, live_visit.page
    visit.sign_in("pm")
    page.goto(visit.url("/teams/PLAT/planning"))
    assert "sprint planning" in page.locator("h1").inner_text()
    assert page.locator("nav.subnav a[aria-current=page]").inner_text() == "Planning"
    gross = _days(page.locator(".cap-days").inner_text())
    net = _days(page.locator(".net-p85").inner_text())
    assert 0 < net <= gross  # capacity net of the P85 interrupt load
    assert page.locator(".capacity-table tbody tr").count() >= 1
    assert page.locator("tr.cut-p85").count() == 1  # the P85 line is drawn on the backlog
    assert re.search(r"\d+ – \d+", page.locator(".items-forecast").inner_text())  # Monte Carlo P85 – P50 items

    page.fill("#plan-goal", "Faster deploys")
    page.click("text=Start planning")
    page.wait_for_url(re.compile(r".*/teams/PLAT/planning/\d+$"))
    plan_url = page.url
    assert page.locator(".plan-state").inner_text() == "draft"
    assert "Faster deploys" in page.locator(".plan-goal").inner_text()
    selected = page.locator("#plan-form input[name=items]:checked").count()
    assert selected == page.locator("ol.commitment li").count()  # the default selection: up to the P85 line

    before = _days(page.locator(".cap-days").inner_text())
    member = page.locator("#to-person option").nth(1).inner_text()
    page.select_option("#to-person", label=member)
    start = page.locator("#to-start").input_value()
    page.fill("#to-end", (dt.date.fromisoformat(start) + dt.timedelta(days=13)).isoformat())
    page.fill("#to-note", "holiday")
    page.click("text=Add time off")
    page.wait_for_url(plan_url)
    assert _days(page.locator(".cap-days").inner_text()) < before  # the member is away the whole sprint
    assert f"{member}:" in page.locator("ul.time-off").inner_text()

    page.fill("#plan-goal-edit", "Faster, safer deploys")
    boxes = page.locator("#plan-form input[name=items]")
    if boxes.nth(0).is_checked():
        boxes.nth(0).uncheck()
    else:
        boxes.nth(0).check()
    page.click("text=Save goal and selection")
    page.wait_for_url(plan_url)
    assert "Faster, safer deploys" in page.locator(".plan-goal").inner_text()
    chosen = page.locator("ol.commitment li").count()

    page.click("text=Commit the sprint")
    page.wait_for_url(plan_url)
    assert page.locator(".plan-state").inner_text() == "committed"
    assert "read-only" in page.locator(".plan-head").inner_text()
    assert page.locator("ol.commitment li").count() == chosen
    assert f"committed · {chosen} items" in page.locator("ul.plans").inner_text()
    assert page.locator("#plan-form").count() == 0 and page.locator("text=Commit the sprint").count() == 0
    assert page.locator("text=Add time off").count() == 0
    visit.screenshot("planning-committed")
    page.reload()
    assert page.locator(".plan-state").inner_text() == "committed"  # the snapshot, not a recomputation
    assert not visit.errors, visit.errors
