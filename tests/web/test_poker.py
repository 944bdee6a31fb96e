"""Planning poker through HTTP: the REST contract with hidden votes and role checks, and the HTMX page."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import Site

BASE = "/api/v1/teams/OPS/poker"


def _bearer(site: Site, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.token_for(username)}"}


def test_the_api_hides_votes_until_the_reveal(site: Site) -> None:
    pm, dev, viewer = (_bearer(site, name) for name in ("pm", "dev", "viewer"))
    started = site.client.post(BASE, json={"item": "OPS-2", "deck": "fibonacci"}, headers=pm)
    assert started.status_code == 201, started.text
    session = started.json()
    assert session["state"] == "open" and session["item"] == {
        "key": "OPS-2",
        "title": "Fix the export",
        "estimate": None,
    }
    assert session["deck"] == ["0", "1", "2", "3", "5", "8", "13", "21", "?"]
    url = f"{BASE}/{session['id']}"

    voted = site.client.post(f"{url}/votes", json={"value": "13"}, headers=dev)
    assert voted.status_code == 200, voted.text
    assert voted.json()["your_vote"] == "13"
    for who in (pm, viewer):
        seen = site.client.get(url, headers=who).json()
        assert seen["votes"] == [{"voter": "dev", "name": "dev", "value": None}]
        assert seen["your_vote"] is None and seen["spread"] is None and seen["suggestion"] is None
        assert "13" not in str(seen["votes"])

    shown = site.client.post(f"{url}/reveal", headers=pm)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["votes"] == [{"voter": "dev", "name": "dev", "value": "13"}]
    assert body["spread"] == {"low": "13", "high": "13", "steps": 0, "wide": False}
    assert body["suggestion"]["points"] == 5.0 and body["suggestion"]["similar"][0]["key"] == "OPS-1"

    saved = site.client.post(f"{url}/final", json={"value": "8"}, headers=pm)
    assert saved.status_code == 200, saved.text
    final = saved.json()
    assert (final["state"], final["final_value"], final["item"]["estimate"]) == ("closed", 8.0, 8.0)
    assert (final["jira"], final["jira_error"]) == (None, None)  # the item is not from Jira
    item = site.client.get("/api/v1/teams/OPS/items/OPS-2", headers=viewer)
    assert item.status_code == 200 and item.json()["estimate"] == 8.0
    estimates = [(e["before"], e["after"]) for e in item.json()["events"] if e["kind"] == "estimate"]
    assert len(estimates) == 1 and "8" in str(estimates[0][1])  # the poker change is in the item's history
    again = site.client.post(f"{url}/final", json={"value": "3"}, headers=pm)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_the_api_checks_roles_and_input(site: Site) -> None:
    pm, dev, viewer, webdev = (_bearer(site, name) for name in ("pm", "dev", "viewer", "webdev"))
    denied = site.client.post(BASE, json={"item": "OPS-2"}, headers=dev)
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    session = site.client.post(BASE, json={"item": "OPS-2", "deck": "tshirt"}, headers=pm).json()
    url = f"{BASE}/{session['id']}"
    assert site.client.post(f"{url}/votes", json={"value": "M"}, headers=viewer).status_code == 403
    assert site.client.post(f"{url}/reveal", headers=dev).status_code == 403
    assert site.client.post(f"{url}/final", json={"value": "M"}, headers=dev).status_code == 403
    assert site.client.get(url, headers=webdev).status_code == 404
    assert site.client.get(f"/api/v1/teams/WEB/poker/{session['id']}", headers=webdev).status_code == 404
    wrong = site.client.post(f"{url}/votes", json={"value": "13"}, headers=dev)
    assert wrong.status_code == 422 and "not in this session's deck" in wrong.json()["error"]["message"]
    missing = site.client.post(BASE, json={"item": "OPS-404"}, headers=pm)
    assert missing.status_code == 404 and "OPS-404" in missing.json()["error"]["message"]
    assert site.client.post(BASE, json={"item": "OPS-2", "deck": "planets"}, headers=pm).status_code == 422


def _signed_in(site: Site, name: str) -> httpx.Client:
    client = site.new_client()
    assert site.sign_in(client, name).status_code == 303
    return client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_page_runs_a_session(site: Site) -> None:
    pm, dev, viewer = (_signed_in(site, name) for name in ("pm", "dev", "viewer"))
    start_page = pm.get("/teams/OPS/poker")
    assert start_page.status_code == 200 and 'action="/teams/OPS/poker"' in start_page.text
    assert 'action="/teams/OPS/poker"' not in viewer.get("/teams/OPS/poker").text  # only facilitators start
    assert pm.post("/teams/OPS/poker", data={"item": "OPS-2"}).status_code == 403  # no CSRF token
    started = pm.post(
        "/teams/OPS/poker", data={"item": "OPS-2", "deck": "fibonacci", "csrf_token": _csrf(start_page.text)}
    )
    assert started.status_code == 303
    page_url = started.headers["location"]
    assert re.fullmatch(r"/teams/OPS/poker/\d+", page_url)

    page = dev.get(page_url)
    assert (
        page.status_code == 200 and 'hx-trigger="every 2s"' in page.text and f'hx-get="{page_url}/state"' in page.text
    )
    assert f'action="{page_url}/reveal"' not in page.text  # members vote, they do not reveal
    fragment = dev.post(
        f"{page_url}/vote", data={"value": "21"},
        headers={"HX-Request": "true", "X-CSRF-Token": _csrf(page.text)},
    )  # fmt: skip
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<section id="poker-state"')
    assert "<html" not in fragment.text

    watched = viewer.get(f"{page_url}/state")
    assert watched.status_code == 200 and "voted" in watched.text
    assert "card-value" not in watched.text and ">21<" not in watched.text
    assert f'action="{page_url}/vote"' not in watched.text  # viewers watch

    facilitator = pm.get(page_url)
    assert f'action="{page_url}/reveal"' in facilitator.text and "card-value" not in facilitator.text
    revealed = pm.post(f"{page_url}/reveal", data={"csrf_token": _csrf(facilitator.text)})
    assert revealed.status_code == 303
    after = viewer.get(f"{page_url}/state").text
    assert '<strong class="card-value">21</strong>' in after and "Suggested:" in after and "OPS-1" in after

    closed = pm.post(f"{page_url}/final", data={"value": "13", "csrf_token": _csrf(facilitator.text)})
    assert closed.status_code == 303
    final = pm.get(page_url).text
    assert "closed" in final and "every 2s" not in final and "final value <strong>13</strong>" in final
