"""The stand-up through HTTP: the check-in API (create, edit, unknown items), the facilitator view's JSON, and the
page's check-in form, blocker -> impediment button and time-box timer."""

from __future__ import annotations

import re

from tests.web.conftest import Site

BASE = "/api/v1/teams/OPS"


def _bearer(site: Site, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.token_for(username)}"}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_the_check_in_api_creates_then_edits_and_names_unknown_items(site: Site) -> None:
    dev, viewer = _bearer(site, "dev"), _bearer(site, "viewer")
    created = site.client.post(f"{BASE}/checkins", json={"yesterday": "OPS-1", "today": "OPS-2", "items": ["OPS-2"]},
                               headers=dev)  # fmt: skip
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["person"]["name"], body["items"], body["updated_at"], body["impediment_id"]) == (
        "dev", ["OPS-2"], None, None)  # fmt: skip
    edited = site.client.post(f"{BASE}/checkins", json={"today": "OPS-2", "blockers": "No test data"}, headers=dev)
    assert edited.status_code == 200, edited.text
    assert edited.json()["id"] == body["id"] and edited.json()["updated_at"] is not None
    assert edited.json()["yesterday"] is None  # an edit replaces the whole check-in
    unknown = site.client.post(f"{BASE}/checkins", json={"today": "x", "items": ["OPS-9"]}, headers=dev)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["message"] == "items: team OPS has no item OPS-9"
    listed = site.client.get(f"{BASE}/checkins", headers=dev).json()
    assert listed["page"]["total"] == 1 and listed["data"][0]["blockers"] == "No test data"
    assert site.client.get(f"{BASE}/checkins", headers=viewer).status_code == 403
    assert site.client.post(f"{BASE}/checkins", json={"today": "x"}, headers=viewer).status_code == 403
    assert site.client.get(f"{BASE}/checkins?date=yesterday", headers=dev).status_code == 422


def test_the_api_turns_a_blocker_into_an_impediment_once(site: Site) -> None:
    dev = _bearer(site, "dev")
    check_in = site.client.post(f"{BASE}/checkins", json={"blockers": "VPN down"}, headers=dev).json()
    raised = site.client.post(f"{BASE}/checkins/{check_in['id']}/impediment", headers=dev)
    assert raised.status_code == 201, raised.text
    impediment = raised.json()["impediment"]
    assert (impediment["title"], impediment["owner"], impediment["check_in_id"]) == ("VPN down", "dev", check_in["id"])
    again = site.client.post(f"{BASE}/checkins/{check_in['id']}/impediment", headers=dev)
    assert again.status_code == 200 and again.json() == {"impediment": impediment, "created": False}
    view = site.client.get(f"{BASE}/standup", headers=dev)
    assert view.status_code == 200, view.text
    body = view.json()
    assert [i["title"] for i in body["impediments"]] == ["VPN down"]
    assert [b["key"] for b in body["board"]] == ["OPS-2"]  # the factory's item in progress
    assert body["sla_at_risk"] is None and set(body["conflicts"]) == {"over_allocated", "urgent_ranked_low",
                                                                         "poker_spread"}  # fmt: skip
    assert "dev" not in [p["name"] for p in body["not_checked_in"]] and "pm" in [
        p["name"] for p in body["not_checked_in"]
    ]
    naive = site.client.get(f"{BASE}/standup?since=2026-06-29T07:30:00", headers=dev)
    assert naive.status_code == 422 and "UTC offset" in naive.json()["error"]["message"]


def test_the_page_checks_in_and_makes_the_blocker_an_impediment(site: Site) -> None:
    dev = site.new_client()
    assert site.sign_in(dev, "dev").status_code == 303
    page = dev.get("/teams/OPS/standup")
    assert page.status_code == 200, page.text
    assert 'id="standup-timer"' in page.text and 'data-seconds="900"' in page.text
    assert "Time-box: 15 minutes." in page.text  # what a browser without JavaScript shows
    wrong = dev.post("/teams/OPS/standup/checkin", data={"today": "Pairing", "items": "OPS-2, OPS-77",
                                                         "csrf_token": _csrf(page.text)})  # fmt: skip
    assert wrong.status_code == 422 and "team OPS has no item OPS-77" in wrong.text
    assert "Pairing" in wrong.text  # what was typed is kept
    saved = dev.post("/teams/OPS/standup/checkin", data={"today": "Pairing", "blockers": "Waiting for the API key",
                                                         "items": "OPS-2", "csrf_token": _csrf(page.text)})  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"].startswith("/teams/OPS/standup?saved=checkin")
    page = dev.get("/teams/OPS/standup?saved=checkin")
    assert "Check-in saved." in page.text and "Waiting for the API key" in page.text
    action = re.search(r'action="(/teams/OPS/standup/checkins/\d+/impediment)"', page.text)
    assert action, page.text
    made = dev.post(action.group(1), data={"csrf_token": _csrf(page.text)})
    assert made.status_code == 303
    page = dev.get(made.headers["location"])
    assert "The blocker is now a tracked impediment." in page.text
    table = page.text.split('class="data open-impediments"', 1)[1]
    assert "Waiting for the API key" in table and "(OPS-2)" in table
    assert "tracked as impediment #" in page.text
    assert 'aria-current="page">Stand-up' in page.text


def test_viewers_do_not_get_the_page(site: Site) -> None:
    viewer = site.new_client()
    site.sign_in(viewer, "viewer")
    assert viewer.get("/teams/OPS/standup").status_code == 403
