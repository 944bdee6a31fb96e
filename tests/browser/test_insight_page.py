"""Insight in Chromium: a developer opens "my insight" from the team's navigation and sees their own numbers —
the same as the API's — under the guard-rail, with nobody else's name to choose."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Visit

__all__ = ["test_a_member_opens_my_insight"]


def test_a_member_opens_my_insight(visit: Visit) -> None:
    page: Any = visit.page
    visit.sign_in("dev")  # Lucas Moreau, member of SUP
    page.goto(visit.url("/teams/SUP/actions"))
    page.click("nav.subnav >> text=Insight")
    page.wait_for_url("**/teams/SUP/insight")
    assert "For coaching, never for ranking" in page.locator("#guard-rail").inner_text()
    mine = page.locator("#my-insight")
    assert mine.locator("h2").inner_text() == "My insight"
    assert page.locator("#people").count() == 0  # a member chooses nobody else
    answer = page.request.get(visit.url("/api/v1/teams/SUP/insight")).json()
    me = answer["me"]
    assert me["person"]["name"] == "Lucas Moreau" and me["is_you"]
    assert mine.locator("#wip-items").inner_text() == str(me["values"]["wip_items"])
    assert mine.locator("#review-items").inner_text() == str(me["values"]["review_items"])
    assert page.locator("#team-distribution tbody tr").count() == 11
    visit.screenshot("insight-my")

    page.goto(visit.url(f"/teams/SUP/insight/people/{me['person']['person_id']}"))
    assert page.locator("h1").inner_text().startswith("My insight")
    assert not visit.errors, visit.errors
