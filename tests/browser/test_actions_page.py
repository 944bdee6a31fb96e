"""Action items in Chromium: a developer adds an action due today, marks it done, and the completion rate on the
page and on the dashboard card moves by exactly that action."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from cadence.store.teams import find_team
from tests.browser.conftest import RANGE, Visit

__all__ = ["test_a_developer_adds_an_action_marks_it_done_and_the_completion_rate_follows"]


def _tile(page: Any) -> tuple[int, int, str]:
    detail = page.locator("#completion-rate + .tile-detail").inner_text()
    found = re.match(r"(\d+) of (\d+) due", detail)
    assert found, detail
    return int(found.group(1)), int(found.group(2)), page.locator("#completion-rate").inner_text()


def _percent(done: int, due: int) -> str:
    return f"{done / due:.0%}"


def test_a_developer_adds_an_action_marks_it_done_and_the_completion_rate_follows(visit: Visit) -> None:
    page: Any = visit.page
    with visit.site.db.connect() as conn:
        team = find_team(conn, "SUP")
    assert team is not None
    today = dt.datetime.now(dt.UTC).astimezone(ZoneInfo(team.timezone)).date()
    visit.sign_in("dev")
    page.goto(visit.url("/teams/SUP/actions"))
    assert page.locator("h1").inner_text() == "Action items"
    done_before, due_before, _ = _tile(page)
    open_before = int(page.locator("#actions-open").inner_text())

    page.fill("#new-title-field", "Pair on the flaky export test")
    page.select_option("#new-owner", label="Lucas Moreau")
    page.fill("#new-due", today.isoformat())
    page.select_option("#new-origin", "retro")
    page.click("text=Add action")
    page.wait_for_url("**/teams/SUP/actions")
    assert int(page.locator("#actions-open").inner_text()) == open_before + 1
    row = page.locator("#open-actions tr.action", has_text="Pair on the flaky export test")
    assert "Lucas Moreau" in row.inner_text() and today.isoformat() in row.inner_text()
    done, due, shown = _tile(page)
    assert (done, due, shown) == (done_before, due_before + 1, _percent(done_before, due_before + 1))

    row.locator("button[value=done]").click()
    page.wait_for_url("**/teams/SUP/actions")
    assert int(page.locator("#actions-open").inner_text()) == open_before
    assert page.locator("#done-actions", has_text="Pair on the flaky export test").count() == 1
    done, due, shown = _tile(page)
    assert (done, due, shown) == (done_before + 1, due_before + 1, _percent(done_before + 1, due_before + 1))
    visit.screenshot("actions-page")

    page.goto(visit.url(f"/teams/SUP?{RANGE}"))
    assert page.locator("#dashboard-completion-rate").inner_text() == shown
    page.click("#action-items >> text=Action items page")
    page.wait_for_url("**/teams/SUP/actions")
    assert not visit.errors, visit.errors
