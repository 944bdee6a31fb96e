"""The risk register through HTTP: the REST contract with its roles, proposals accepted and dismissed, and the
pages (heat map, register, detail with its forecast, forms)."""

from __future__ import annotations

import re

from tests.web.conftest import Site
from tests.web.risk_routes import plant_in_progress, risk_signals_config

BASE = "/api/v1/teams/OPS"
RANGE = "from=2024-03-01&to=2024-03-31"
_ = risk_signals_config  # autouse: OPS and WEB have a WIP limit of 1


def _bearer(site: Site, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.token_for(username)}"}


def test_a_risk_is_scored_rescored_mitigated_closed_and_reopened_through_the_api(site: Site) -> None:
    dev, viewer, webdev = (_bearer(site, name) for name in ("dev", "viewer", "webdev"))
    body = {"title": "Vendor API deprecation", "probability": 3, "impact": 4, "epic_key": "OPS-9"}
    assert site.client.post(f"{BASE}/risks", json=body, headers=viewer).status_code == 403
    assert site.client.post(f"{BASE}/risks", json=body, headers=webdev).status_code == 404
    assert site.client.post(f"{BASE}/risks", json={**body, "impact": 6}, headers=dev).status_code == 422
    made = site.client.post(f"{BASE}/risks", json=body, headers=dev)
    assert made.status_code == 201, made.text
    risk = made.json()
    assert (risk["score"], risk["band"], len(risk["history"])) == (12, "high", 1)
    url = f"{BASE}/risks/{risk['id']}"

    scored = site.client.post(f"{url}/score", json={"probability": 5, "impact": 4, "note": "date set"}, headers=dev)
    assert scored.status_code == 200 and scored.json()["score"] == 20
    assert [h["by"] for h in scored.json()["history"]] == ["dev", "dev"]
    mitigated = site.client.post(f"{url}/mitigations", json={"title": "Pin the client"}, headers=dev)
    assert mitigated.status_code == 201 and mitigated.json()["mitigations"][0]["title"] == "Pin the client"
    owned = site.client.patch(url, json={"roam": "owned"}, headers=dev)
    assert owned.status_code == 200 and owned.json()["roam"] == "owned"
    closed = site.client.patch(url, json={"status": "closed", "roam": "resolved"}, headers=dev)
    assert (closed.json()["status"], closed.json()["roam"]) == ("closed", "resolved")
    assert site.client.post(f"{url}/score", json={"probability": 1, "impact": 1}, headers=dev).status_code == 409
    assert site.client.patch(url, json={"status": "open"}, headers=dev).json()["status"] == "open"
    assert site.client.patch(url, json={"epic_key": None}, headers=dev).json()["epic_key"] is None

    detail = site.client.get(url, headers=viewer)
    assert detail.status_code == 200 and detail.json()["forecast"] is None
    listed = site.client.get(f"{BASE}/risks?status=open", headers=viewer).json()
    assert [r["id"] for r in listed["data"]] == [risk["id"]] and listed["page"]["total"] == 1
    assert site.client.get(f"{BASE}/risks?status=closed", headers=viewer).json()["data"] == []
    assert site.client.get(f"{BASE}/risks/999999", headers=viewer).status_code == 404


def test_a_proposal_is_accepted_once_and_then_cannot_be_dismissed(site: Site) -> None:
    pm, dev, viewer = (_bearer(site, name) for name in ("pm", "dev", "viewer"))
    plant_in_progress(site.db, "OPS")
    proposed = site.client.get(f"{BASE}/risks/proposed", headers=viewer).json()["data"]
    [wip] = [p for p in proposed if p["rule"] == "wip_above_limit"]
    key = wip["signal_key"]
    assert wip["evidence"]["limit"] == 1 and wip["evidence"]["wip"] >= 2
    assert site.client.post(f"{BASE}/risks/proposed/{key}/accept", headers=dev).status_code == 403
    first = site.client.post(f"{BASE}/risks/proposed/{key}/accept", headers=pm)
    assert first.status_code == 201, first.text
    assert (first.json()["signal_key"], first.json()["probability"], first.json()["impact"]) == (
        key, wip["probability"], wip["impact"]
    )  # fmt: skip
    again = site.client.post(f"{BASE}/risks/proposed/{key}/accept", headers=pm)
    assert again.json()["id"] == first.json()["id"]
    conflict = site.client.post(f"{BASE}/risks/proposed/{key}/dismiss", headers=pm)
    assert conflict.status_code == 409 and conflict.json()["error"]["code"]
    assert key not in {
        p["signal_key"] for p in site.client.get(f"{BASE}/risks/proposed", headers=viewer).json()["data"]
    }


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_pages_show_the_heat_map_and_take_the_forms(site: Site) -> None:
    client = site.new_client()
    assert site.sign_in(client, "pm").status_code == 303
    plant_in_progress(site.db, "OPS")
    page = client.get("/teams/OPS/risks")
    assert page.status_code == 200
    assert 'class="heat-map"' in page.text and "0 in all" in page.text
    assert 'data-signal-key="wip_above_limit:team"' in page.text
    token = _csrf(page.text)
    form = {
        "csrf_token": token,
        "title": "Key person leaves",
        "probability": "2",
        "impact": "5",
        "review_on": "2020-01-01",
    }
    assert client.post("/teams/OPS/risks", data=form).status_code == 303
    accepted = client.post("/teams/OPS/risks/proposed/wip_above_limit:team/accept", data={"csrf_token": token})
    assert accepted.status_code == 303 and accepted.headers["location"].endswith("#heat-map")
    page = client.get("/teams/OPS/risks").text
    assert "2 in all" in page
    assert re.search(r'data-probability="2" data-impact="5" data-count="1"', page)
    assert "review was due on 2020-01-01" in page  # the stale list
    risk_id = re.search(r'class="risk" data-id="(\d+)"[^>]*>\s*<td><a [^>]*>Key person leaves', page)
    assert risk_id, page
    url = f"/teams/OPS/risks/{risk_id.group(1)}"
    rescored = client.post(f"{url}/score", data={"csrf_token": token, "probability": "3", "impact": "5", "note": "x"})
    assert rescored.status_code == 303
    client.post(url, data={"csrf_token": token, "action": "edit", "roam": "owned", "fix_version": "2.0"})
    detail = client.get(url).text
    assert detail.count('class="score-row"') == 2 and "Forecast of version 2.0" in detail
    viewer = site.new_client()
    assert site.sign_in(viewer, "viewer").status_code == 303
    seen = viewer.get("/teams/OPS/risks").text
    assert "Add a risk" not in seen and "/accept" not in seen


def test_the_dashboard_card_shows_the_heat_map_top_risks_and_the_review_count(site: Site) -> None:
    dev = _bearer(site, "dev")
    client = site.new_client()
    site.sign_in(client, "viewer")
    assert 'id="risks-card"' in client.get(f"/teams/OPS?{RANGE}").text
    assert 'id="dashboard-risks-open">0<' in client.get(f"/teams/OPS?{RANGE}").text
    made = [
        {"title": "Vendor API sunset", "probability": 4, "impact": 5},  # 20 severe
        {"title": "Key person leaves", "probability": 2, "impact": 5, "review_on": "2020-01-01"},  # 10, stale
        {"title": "Flaky CI", "probability": 4, "impact": 2},  # 8
        {"title": "Licence renewal", "probability": 1, "impact": 3},  # 3
        {"title": "Office move", "probability": 4, "impact": 2},  # 8 again: same cell as Flaky CI
    ]
    for body in made:
        assert site.client.post(f"{BASE}/risks", json=body, headers=dev).status_code == 201
    page = client.get(f"/teams/OPS?{RANGE}").text
    card = page[page.index('id="risks-card"') :]
    assert 'id="dashboard-risks-open">5<' in card and 'id="dashboard-risks-stale">1<' in card
    top = re.findall(r'<li data-id="\d+"><a [^>]*>([^<]+)</a>', card)
    assert top == ["Vendor API sunset", "Key person leaves", "Flaky CI"]  # three highest scores, highest first
    cells = {(int(p), int(i)): int(n) for p, i, n in re.findall(
        r'data-probability="(\d)" data-impact="(\d)" data-count="(\d+)"', card)}  # fmt: skip
    assert len(cells) == 25 and sum(cells.values()) == 5
    assert cells[(4, 5)] == 1 and cells[(2, 5)] == 1 and cells[(4, 2)] == 2 and cells[(1, 3)] == 1
