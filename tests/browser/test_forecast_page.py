"""The forecast page as a viewer uses it: pick an epic, read the percentile table and the track record beside it,
and see the burn-up with its forecast cone drawn."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Visit

pytestmark = pytest.mark.browser


def test_a_viewer_picks_an_epic_and_sees_its_forecast_and_burn_up(visit: Visit) -> None:
    visit.sign_in("stakeholder")  # the demo's viewer of every team
    page = visit.page
    page.goto(visit.url("/teams/PLAT"))
    page.click('nav.subnav a[href="/teams/PLAT/forecast"]')
    page.wait_for_url(re.compile(r"/teams/PLAT/forecast$"))
    assert page.locator("table.percentiles tbody tr").count() == 4  # the team forecast before any scope
    options = page.locator("#f-epic option")
    assert options.count() > 1
    epic = options.nth(1).get_attribute("value")
    assert epic
    page.select_option("#f-epic", epic)
    page.click("form.forecast-form button[type=submit]")
    page.wait_for_url(re.compile(rf"epic={epic}"))
    assert page.locator("#scope-title").inner_text() == f"Epic {epic}"
    rows = page.locator("table.percentiles tbody tr")
    assert [rows.nth(i).locator("th").inner_text() for i in range(4)] == ["P50", "P70", "P85", "P95"]
    assert "Track record" in page.locator("aside.track-record").inner_text()
    page.wait_for_selector('.vega[data-chart="burn-up"] svg .role-mark', state="attached", timeout=15_000)
    assert page.locator('.vega[data-chart="burn-up"] svg .role-mark > *').count() > 0
    assert page.locator("details.table-fallback table tbody tr").count() > 1
    visit.screenshot("forecast")
    assert visit.errors == []
