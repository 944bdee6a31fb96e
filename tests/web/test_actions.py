"""Action items and the ceremonies calendar through HTTP: the REST contract, the page's forms and the ICS feed's
authentication (bearer, ``?token=`` for this route only, session)."""

from __future__ import annotations

import re

import icalendar
from sqlalchemy import select

from cadence.store import schema as S
from tests.web.conftest import Site

BASE = "/api/v1/teams/OPS/actions"


def _bearer(site: Site, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.token_for(username)}"}


def _ann(site: Site) -> int:
    people = S.table(S.Person)
    with site.db.connect() as conn:
        return int(conn.execute(select(people.c.id).where(people.c.display_name == "Ann Lee")).scalar_one())


def test_the_api_creates_lists_and_updates_actions(site: Site) -> None:
    dev, viewer = _bearer(site, "dev"), _bearer(site, "viewer")
    made = site.client.post(
        BASE, json={"title": "Automate the release notes", "owner_person_id": _ann(site), "due_on": "2020-01-31",
                    "origin": "retro"}, headers=dev,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    action = made.json()
    assert (action["owner"], action["due_on"], action["status"], action["origin"]) == (
        "Ann Lee", "2020-01-31", "open", "retro",
    )  # fmt: skip
    assert action["overdue"] is True  # 2020 is long past

    listed = site.client.get(BASE, headers=viewer)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [a["id"] for a in body["data"]] == [action["id"]] and body["page"]["total"] == 1
    assert [a["id"] for a in site.client.get(f"{BASE}?status=overdue", headers=viewer).json()["data"]] == [action["id"]]
    assert site.client.get(f"{BASE}?status=done", headers=viewer).json()["data"] == []

    # PATCH: a field left out is kept, one sent as null is cleared.
    patched = site.client.patch(f"{BASE}/{action['id']}", json={"due_on": None}, headers=dev)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["due_on"], patched.json()["owner"], patched.json()["overdue"]) == (None, "Ann Lee", False)
    done = site.client.patch(f"{BASE}/{action['id']}", json={"status": "done"}, headers=dev)
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["done_at"]
    assert site.client.get(BASE, headers=viewer).json()["data"] == []
    assert [a["status"] for a in site.client.get(f"{BASE}?status=all", headers=viewer).json()["data"]] == ["done"]


def test_the_api_checks_roles_and_input(site: Site) -> None:
    viewer, dev, webdev = _bearer(site, "viewer"), _bearer(site, "dev"), _bearer(site, "webdev")
    assert site.client.post(BASE, json={"title": "Nope"}, headers=viewer).status_code == 403
    assert site.client.post(BASE, json={"title": "Nope"}, headers=webdev).status_code == 404
    assert site.client.post(BASE, json={"title": ""}, headers=dev).status_code == 422
    assert site.client.post(BASE, json={"title": "x", "origin": "hallway"}, headers=dev).status_code == 422
    bad_metric = site.client.post(BASE, json={"title": "x", "metric": "mood.p85"}, headers=dev)
    assert bad_metric.status_code == 422 and "not a metric" in bad_metric.json()["error"]["message"]
    made = site.client.post(BASE, json={"title": "Fine"}, headers=dev).json()
    assert site.client.patch(f"{BASE}/{made['id']}", json={"status": "gone"}, headers=dev).status_code == 422
    assert site.client.patch(f"{BASE}/{made['id'] + 99}", json={"status": "done"}, headers=dev).status_code == 404
    assert site.client.patch(f"{BASE}/{made['id']}", json={"status": "done"}, headers=viewer).status_code == 403


def test_the_page_adds_and_closes_an_action(site: Site) -> None:
    client = site.new_client()
    assert site.sign_in(client, "dev").status_code == 303
    page = client.get("/teams/OPS/actions")
    assert page.status_code == 200 and "No open action." in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    added = client.post(
        "/teams/OPS/actions",
        data={"title": "Write the on-call guide", "owner": str(_ann(site)), "due_on": "", "csrf_token": token.group(1)},
    )
    assert added.status_code == 303 and added.headers["location"] == "/teams/OPS/actions"
    page = client.get("/teams/OPS/actions")
    assert "Write the on-call guide" in page.text and 'id="actions-open">1<' in page.text
    found = re.search(r'action="/teams/OPS/actions/(\d+)"', page.text)
    assert found
    closed = client.post(f"/teams/OPS/actions/{found.group(1)}", data={"status": "done", "csrf_token": token.group(1)})
    assert closed.status_code == 303
    page = client.get("/teams/OPS/actions")
    assert 'id="actions-open">0<' in page.text and "Reopen" in page.text
    # Without the CSRF token the form is refused.
    refused = client.post(f"/teams/OPS/actions/{found.group(1)}", data={"status": "open"})
    assert refused.status_code == 403
    viewer = site.new_client()
    site.sign_in(viewer, "viewer")
    assert "New action" not in viewer.get("/teams/OPS/actions").text  # viewers read only


def test_the_calendar_feed_takes_a_bearer_a_query_token_or_a_session(site: Site) -> None:
    url = "/teams/OPS/calendar.ics"
    anonymous = site.client.get(url)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert site.client.get(f"{url}?token=not-a-token").status_code == 401
    token = site.token_for("viewer")
    by_query = site.client.get(f"{url}?token={token}")
    assert by_query.status_code == 200, by_query.text
    assert by_query.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(by_query.content)
    assert str(calendar["x-wr-calname"]) == "Operations ceremonies"
    assert site.client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert site.client.get(f"/teams/WEB/calendar.ics?token={token}").status_code == 404  # not the viewer's team
    # ?token= is accepted on this route only: elsewhere a query token signs nobody in.
    assert site.client.get(f"/api/v1/teams/OPS/actions?token={token}").status_code == 401
    browser = site.new_client()
    site.sign_in(browser, "viewer")
    assert browser.get(url).status_code == 200


def test_the_dashboard_shows_the_action_card_to_all_and_the_support_card_to_support(site: Site) -> None:
    dev = _bearer(site, "dev")
    made = site.client.post(BASE, json={"title": "Late one", "due_on": "2020-01-31"}, headers=dev).json()
    site.client.post(BASE, json={"title": "Later one", "due_on": "2999-01-31"}, headers=dev)
    viewer, pm = site.new_client(), site.new_client()
    site.sign_in(viewer, "viewer")
    site.sign_in(pm, "pm")
    seen = viewer.get("/teams/OPS")
    assert seen.status_code == 200, seen.text
    assert 'id="dashboard-actions-open">2<' in seen.text and 'id="dashboard-actions-overdue">1<' in seen.text
    assert 'href="/teams/OPS/actions"' in seen.text
    assert 'id="support-card"' not in seen.text  # SLA figures are for the support role and above
    managed = pm.get("/teams/OPS")
    assert 'id="support-card"' in managed.text and 'href="/teams/OPS/support"' in managed.text
    assert "interrupt load" in managed.text
    site.client.patch(f"{BASE}/{made['id']}", json={"status": "done"}, headers=dev)
    assert 'id="dashboard-actions-open">1<' in viewer.get("/teams/OPS").text  # not cached stale
