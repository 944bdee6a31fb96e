"""The stand-up in Chromium: a developer checks in with a blocker, the facilitator sees it in the facilitator view and
turns it into a tracked impediment with one click; the time-box timer counts down."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Visit

__all__ = ["test_a_blocker_goes_from_check_in_to_open_impediment"]

BLOCKER = "Waiting for the payment sandbox credentials"


def test_a_blocker_goes_from_check_in_to_open_impediment(visit: Visit) -> None:
    page: Any = visit.page
    visit.sign_in("dev")  # Lucas Moreau, member of SUP
    page.goto(visit.url("/teams/SUP/standup"))
    assert page.locator("h1").inner_text() == "Stand-up"
    page.fill("#c-yesterday", "Reviewed the invoice fix")
    page.fill("#c-today", "Pair with support on the sandbox")
    page.fill("#c-blockers", BLOCKER)
    page.click("text=Save check-in")
    page.wait_for_url("**/teams/SUP/standup?saved=checkin*")
    assert page.locator(".standup-message").inner_text() == "Check-in saved."
    page.context.clear_cookies()

    visit.sign_in("pm")  # Camille Laurent, the facilitator
    page.goto(visit.url("/teams/SUP/standup"))
    row = page.locator("table.check-ins tr", has_text="Lucas Moreau")
    assert BLOCKER in row.locator(".blocker-text").inner_text()
    assert "Lucas Moreau" not in page.locator(".not-checked-in").inner_text()
    assert page.locator("table.walk-the-board tbody tr").count() > 0
    assert "Time-box 15:00" in page.locator("#standup-timer").inner_text()  # the script replaced the plain text
    before = page.locator("table.open-impediments tbody tr").count()

    row.locator("button.make-impediment").click()
    page.wait_for_url("**/teams/SUP/standup?saved=impediment*")
    impediments = page.locator("table.open-impediments tbody tr")
    assert impediments.count() == before + 1
    raised = page.locator("table.open-impediments tbody tr", has_text=BLOCKER)
    assert raised.count() == 1 and "Lucas Moreau" in raised.inner_text()
    assert "tracked as impediment #" in page.locator("table.check-ins tr", has_text="Lucas Moreau").inner_text()

    page.click("#standup-timer >> text=Start")
    page.wait_for_function("document.querySelector('.standup-clock').textContent.includes('14:5')")
    visit.screenshot("standup")
    assert visit.errors == []
