"""The pages as a person uses them: sign in, read the dashboard, follow links, and the walls between teams."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import RANGE, Visit

pytestmark = pytest.mark.browser

CHARTS = ["velocity", "throughput", "cycle-time", "age", "cfd", "unplanned"]


def _charts_drawn(visit: Visit) -> dict[str, int]:
    """Marks drawn inside each chart's SVG, after vega-embed has run."""
    page = visit.page
    for chart in CHARTS:
        page.wait_for_selector(f'.vega[data-chart="{chart}"] svg .role-mark', state="attached", timeout=15_000)
    return {chart: page.locator(f'.vega[data-chart="{chart}"] svg .role-mark > *').count() for chart in CHARTS}


def test_dashboard_draws_every_chart_with_data(visit: Visit) -> None:
    visit.sign_in("pm")
    visit.page.goto(visit.url(f"/teams/SUP?{RANGE}"))
    marks = _charts_drawn(visit)
    assert all(count > 0 for count in marks.values()), marks
    fallbacks = visit.page.locator("details.table-fallback table tbody tr")
    assert fallbacks.count() > 50
    assert visit.page.locator("a.def").count() >= len(CHARTS)
    for card in ("#sprint-outlook", "#backlog-readiness", "#estimation-health"):
        assert visit.page.locator(card).is_visible(), card
    assert "commits" in visit.page.locator("#sprint-outlook .verdict").inner_text()
    assert visit.page.locator('#backlog-readiness a[href="/teams/SUP/backlog"]').count() == 1
    visit.screenshot("dashboard")
    assert visit.errors == []


def test_range_form_swaps_the_dashboard_body_over_htmx(visit: Visit) -> None:
    visit.sign_in("pm")
    page = visit.page
    page.goto(visit.url(f"/teams/PLAT?{RANGE}"))
    _charts_drawn(visit)
    page.evaluate("window.__samePage = true")
    page.fill("#range-from", "2026-05-01")
    page.fill("#range-to", "2026-06-15")
    page.click(".range button")
    page.wait_for_url(re.compile(r"from=2026-05-01&to=2026-06-15"))
    page.wait_for_selector("#dashboard-body .lede >> text=2026-05-01")
    assert page.evaluate("window.__samePage") is True  # swapped, not reloaded
    _charts_drawn(visit)
    assert visit.errors == []


def test_definitions_item_quality_and_teams_pages(visit: Visit) -> None:
    visit.sign_in("pm")
    page = visit.page
    page.goto(visit.url(f"/teams/SUP?{RANGE}"))
    page.click('a.def[href="/definitions#cycle-time"]')
    page.wait_for_url(re.compile(r"/definitions#cycle-time$"))
    assert "commitment stage" in page.locator("#cycle-time").inner_text()
    visit.screenshot("definitions")

    page.goto(visit.url(f"/teams/SUP?{RANGE}"))
    page.locator("details.table-fallback").nth(3).locator("summary").click()
    first_item = page.locator(".chart-card:has(#chart-age) tbody a").first
    key = first_item.inner_text()
    first_item.click()
    page.wait_for_url(re.compile(rf"/teams/SUP/items/{key}$"))
    assert page.locator("table.timeline tbody tr").count() > 0
    assert page.locator("tr.event-status").count() > 0
    visit.screenshot("item")

    page.goto(visit.url("/teams/SUP/quality"))
    assert page.locator("h1").inner_text().endswith("data quality")
    visit.screenshot("quality")

    page.goto(visit.url("/teams"))
    assert page.locator(".team-list li").count() == 2
    visit.screenshot("teams")
    assert visit.errors == []


def test_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_main(visit: Visit) -> None:
    visit.sign_in("pm")
    page = visit.page
    page.goto(visit.url(f"/teams/SUP?{RANGE}"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    labels = page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden]), select')]"
        ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)"
    )
    assert labels == []


def test_a_member_of_one_team_cannot_see_another(visit: Visit) -> None:
    visit.sign_in("dev")  # member of SUP only
    page = visit.page
    assert page.goto(visit.url(f"/teams/SUP?{RANGE}")).status == 200
    for path in ["/teams/PLAT", "/teams/PLAT/quality", "/teams/PLAT/items/PLAT-1"]:
        assert page.goto(visit.url(path)).status == 404, path
    for path in ["/api/v1/teams/PLAT/metrics", "/api/v1/teams/PLAT/targets"]:
        assert page.request.get(visit.url(path)).status == 404, path
    csrf = page.goto(visit.url("/teams")) and page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))")
    answer = page.request.post(
        visit.url("/api/v1/teams/SUP/targets"),
        headers=csrf,
        data={"metric": "cycle_time.p85", "comparator": "<=", "threshold": 10},
    )
    assert answer.status == 403  # a member may read SUP, not set its targets


def test_a_post_without_the_csrf_token_is_refused(visit: Visit) -> None:
    visit.sign_in("pm")
    answer = visit.page.request.post(
        visit.url("/teams/SUP/targets"), form={"metric": "cycle_time.p85", "comparator": "<=", "threshold": "10"}
    )
    assert answer.status == 403
    assert "CSRF" in answer.text()


def test_a_manager_sets_and_removes_a_target_from_the_dashboard(visit: Visit) -> None:
    visit.sign_in("pm")
    page = visit.page
    page.goto(visit.url(f"/teams/SUP?{RANGE}"))
    page.fill("#target-metric", "cycle_time.p85")
    page.select_option("#target-comparator", "<=")
    page.fill("#target-threshold", "10")
    page.click(".target-form button")
    row = page.locator(".targets tbody tr", has_text="cycle_time.p85")
    assert row.count() == 1
    assert row.locator(".status").inner_text() in {"on track", "at risk", "off track", "no data"}
    row.locator("button", has_text="Remove").click()
    assert page.locator(".targets tbody tr", has_text="cycle_time.p85").count() == 0
    assert visit.errors == []


def test_signing_out_ends_the_session_for_every_holder_of_the_cookie(visit: Visit, chromium) -> None:  # type: ignore[no-untyped-def]
    visit.sign_in("pm")
    cookies = visit.context.cookies()
    visit.page.click(".bar button")
    visit.page.wait_for_url(re.compile(r"/login"))
    replay = chromium.new_context(base_url=visit.site.base_url)
    try:
        replay.add_cookies(cookies)
        page = replay.new_page()
        page.goto(visit.url("/teams/SUP"))
        assert "/login" in page.url
    finally:
        replay.close()
