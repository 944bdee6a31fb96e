"""A retro in Chromium, as the team runs it: a card, a dot, an action from the card — and the next retro opens with
that action, still open, and closes it as done."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Visit

pytestmark = pytest.mark.browser


def _next(visit: Visit, state: str) -> None:
    visit.page.click(".retro-next button")
    visit.page.wait_for_selector(f".retro-state >> text={state}")


def test_retro_card_vote_action_then_the_next_retro_opens_with_it(visit: Visit) -> None:
    visit.sign_in("pm")
    page = visit.page
    page.goto(visit.url("/teams/SUP/retros"))
    page.select_option("#retro-format", "start_stop_continue")
    page.fill("#retro-title", "Browser retro one")
    page.click("#retro-start button[type=submit]")
    page.wait_for_url(re.compile(r"/teams/SUP/retros/\d+$"))
    first_url = page.url

    page.select_option("#retro-lane", "Stop")
    page.fill("#retro-text", "Deploys wait for the Friday window")
    page.click(".retro-add button[type=submit]")
    page.wait_for_selector('.lane-count[data-lane="Stop"] >> text=1')
    assert "Deploys wait" not in page.locator("#retro-board").inner_text()  # hidden while collecting

    _next(visit, "grouping")
    assert "Deploys wait for the Friday window" in page.locator("#retro-board").inner_text()
    _next(visit, "voting")
    page.click("#retro-board button.vote")  # HTMX swaps the board in place
    page.wait_for_selector(".retro-dots >> text=2")
    _next(visit, "discussing")
    assert page.locator(".retro-votes").first.inner_text() == "1"
    page.fill(".retro-action-form input[name=title]", "Deploy any weekday after green CI")
    page.click(".retro-action-form button[type=submit]")
    page.wait_for_selector(".retro-actions >> text=Deploy any weekday after green CI")
    visit.screenshot("retro-discussing")
    _next(visit, "closed")

    page.goto(visit.url("/teams/SUP/retros"))
    page.fill("#retro-title", "Browser retro two")
    page.click("#retro-start button[type=submit]")
    page.wait_for_url(re.compile(r"/teams/SUP/retros/\d+$"))
    assert page.url != first_url
    carried = page.locator("#previous-actions .previous-action")
    assert carried.count() == 1 and "Deploy any weekday after green CI" in carried.inner_text()
    assert "Browser retro one" in page.locator("#previous-actions").inner_text()
    visit.screenshot("retro-opens-with-actions")
    carried.locator("button", has_text="Done").click()
    page.wait_for_selector("#previous-actions >> text=every action of Browser retro one is closed")
    assert visit.errors == []
