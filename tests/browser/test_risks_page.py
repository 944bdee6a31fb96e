"""The risk register in Chromium: a manager accepts a risk the demo's data proposes and sees it on the heat map."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Visit

__all__ = ["test_a_manager_accepts_a_proposed_risk_and_sees_it_on_the_heat_map"]


def _cell(page: Any, probability: str, impact: str) -> int:
    cell = page.locator(f'.heat-map td[data-probability="{probability}"][data-impact="{impact}"]')
    return int(cell.get_attribute("data-count"))


def test_a_manager_accepts_a_proposed_risk_and_sees_it_on_the_heat_map(visit: Visit) -> None:
    page: Any = visit.page
    visit.sign_in("pm")
    page.goto(visit.url("/teams/PLAT/risks"))
    assert "risks" in page.locator("h1").inner_text()
    proposal = page.locator("#proposed tr.proposal").first
    signal_key = proposal.get_attribute("data-signal-key")
    probability, impact = proposal.get_attribute("data-probability"), proposal.get_attribute("data-impact")
    title = proposal.locator("strong").inner_text().strip()
    assert signal_key and probability and impact and title
    before = _cell(page, probability, impact)
    caption = page.locator(".heat-map caption").inner_text()

    proposal.locator("button", has_text="Accept").click()
    page.wait_for_url("**/teams/PLAT/risks#heat-map")
    assert page.locator(f'#proposed tr[data-signal-key="{signal_key}"]').count() == 0
    assert _cell(page, probability, impact) == before + 1
    assert page.locator(".heat-map caption").inner_text() != caption
    row = page.locator("#register tr.risk", has_text=title)
    assert row.count() == 1 and "from data" in row.inner_text()

    row.locator("a").first.click()
    page.wait_for_url("**/teams/PLAT/risks/*")
    assert page.locator("#history tr.score-row").count() == 1
    assert page.locator("h2", has_text="Evidence").count() == 1
    visit.screenshot("risks")
    assert visit.errors == []
