"""Impediments in Chromium: the manager confirms a detected candidate, then resolves it with a note."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Visit

__all__ = ["test_a_manager_confirms_a_candidate_and_resolves_it_with_a_note"]


def test_a_manager_confirms_a_candidate_and_resolves_it_with_a_note(visit: Visit) -> None:
    page: Any = visit.page
    visit.sign_in("pm")
    page.goto(visit.url("/teams/PLAT/impediments"))
    assert "impediments" in page.locator("h1").inner_text()
    candidate = page.locator("#candidates tr.candidate").first
    signal_key = candidate.get_attribute("data-signal-key")
    item_key = candidate.locator("td").first.inner_text().strip()
    reason = candidate.locator("td.reason").inner_text().split(" (since")[0].strip()
    assert signal_key and item_key and reason
    open_before = int(page.locator("#metric-open").inner_text())

    candidate.locator("button", has_text="Confirm").click()
    page.wait_for_url("**/teams/PLAT/impediments#open")
    assert page.locator(f'#candidates tr[data-signal-key="{signal_key}"]').count() == 0
    assert int(page.locator("#metric-open").inner_text()) == open_before + 1
    row = page.locator("#open tr.impediment", has_text=f"{item_key}: {reason}")
    assert row.count() == 1
    assert "detected:" in row.inner_text() and "0 · team" in row.locator(".level").inner_text()

    row.locator("input[name=resolution_note]").fill("Paired with the platform team; unblocked")
    row.locator("button", has_text="Resolve").click()
    page.wait_for_url("**/teams/PLAT/impediments#resolved")
    assert page.locator("#open tr.impediment", has_text=f"{item_key}: {reason}").count() == 0
    done = page.locator("#resolved tr.resolved", has_text=f"{item_key}: {reason}")
    assert done.locator(".resolution").inner_text() == "Paired with the platform team; unblocked"
    assert int(page.locator("#metric-open").inner_text()) == open_before
    visit.screenshot("impediments")
    assert visit.errors == []
