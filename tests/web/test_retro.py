"""Retrospectives through HTTP: the REST contract (hidden cards, the dot budget, hidden health answers), the pages."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import Site

BASE = "/api/v1/teams/OPS/retros"


def _bearer(site: Site, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.token_for(username)}"}


def test_the_api_runs_a_retro(site: Site) -> None:
    pm, dev, viewer = (_bearer(site, name) for name in ("pm", "dev", "viewer"))
    started = site.client.post(BASE, json={"format": "mad_sad_glad", "votes_per_person": 1, "health_check": True},
                               headers=pm)  # fmt: skip
    assert started.status_code == 201, started.text
    retro = started.json()
    assert (retro["state"], retro["lanes"], retro["anonymous"]) == ("collecting", ["Mad", "Sad", "Glad"], True)
    url = f"{BASE}/{retro['id']}"
    assert site.client.post(BASE, json={}, headers=dev).status_code == 403
    added = site.client.post(f"{url}/cards", json={"lane": "Mad", "text": "Flaky tests"}, headers=dev)
    assert added.status_code == 201 and added.json()["cards"] == [] and added.json()["lane_counts"]["Mad"] == 1
    assert "Flaky" not in site.client.get(url, headers=pm).text
    assert site.client.post(f"{url}/health", json={"answers": {"fun": "red"}}, headers=dev).status_code == 200
    hidden = site.client.get(f"{url}/health", headers=pm).json()
    assert (hidden["respondents"], hidden["results"]) == (1, [])
    assert site.client.post(f"{url}/state", json={"state": "voting"}, headers=pm).status_code == 409
    for state in ("grouping", "voting"):
        assert site.client.post(f"{url}/state", json={"state": state}, headers=pm).status_code == 200
    card = site.client.get(url, headers=viewer).json()["cards"][0]
    assert (card["text"], card["author"], card["votes"]) == ("Flaky tests", None, None)
    assert site.client.post(f"{url}/cards/{card['id']}/votes", headers=dev).status_code == 200
    over = site.client.post(f"{url}/cards/{card['id']}/votes", headers=dev)
    assert over.status_code == 409 and "used all 1 of your dots" in over.json()["error"]["message"]
    assert site.client.post(f"{url}/state", json={"state": "discussing"}, headers=pm).status_code == 200
    assert site.client.get(url, headers=viewer).json()["cards"][0]["votes"] == 1
    action = site.client.post(f"{url}/cards/{card['id']}/actions", json={"title": "Quarantine flaky tests"},
                              headers=dev)  # fmt: skip
    assert action.status_code == 201 and action.json()["origin"] == "retro"
    shown = site.client.post(f"{url}/health/reveal", headers=pm).json()
    assert [(r["dimension"], r["red"], r["light"]) for r in shown["results"]] == [("fun", 1, "red")]
    trend = site.client.get(f"{BASE}/health-trend", headers=viewer).json()
    assert [(t["dimension"], t["mean_score"], t["trend"]) for t in trend] == [("fun", 1.0, None)]
    listed = site.client.get(BASE, headers=viewer).json()
    assert [r["id"] for r in listed["data"]] == [retro["id"]]
    assert site.client.get(url, headers=_bearer(site, "webdev")).status_code == 404


def _signed_in(site: Site, name: str) -> httpx.Client:
    client = site.new_client()
    assert site.sign_in(client, name).status_code == 303
    return client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_pages_start_a_retro_and_take_cards(site: Site) -> None:
    pm, dev = _signed_in(site, "pm"), _signed_in(site, "dev")
    page = pm.get("/teams/OPS/retros")
    assert page.status_code == 200 and 'id="retro-start"' in page.text
    assert 'id="retro-start"' not in dev.get("/teams/OPS/retros").text
    started = pm.post("/teams/OPS/retros", data={"format": "4ls", "anonymous": "on", "csrf_token": _csrf(page.text)})
    assert started.status_code == 303
    board_url = started.headers["location"]
    board = dev.get(board_url)
    assert board.status_code == 200 and "Longed for" in board.text and 'hx-trigger="every 3s"' in board.text
    added = dev.post(f"{board_url}/cards", data={"lane": "Lacked", "text": "Time to refactor",
                                                 "csrf_token": _csrf(board.text)})  # fmt: skip
    assert added.status_code == 303
    panel = pm.get(f"{board_url}/board")
    assert panel.text.lstrip().startswith('<section id="retro-board"') and "Time to refactor" not in panel.text
    assert 'data-lane="Lacked">1<' in panel.text
