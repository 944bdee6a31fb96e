"""Impediments, decisions and working agreements through HTTP: the REST contract with its roles, and the pages."""

from __future__ import annotations

import re

from tests.web.conftest import Site

BASE = "/api/v1/teams/OPS"


def _bearer(site: Site, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.token_for(username)}"}


def test_a_candidate_is_confirmed_escalated_and_resolved_through_the_api(site: Site) -> None:
    pm, dev, viewer = (_bearer(site, name) for name in ("pm", "dev", "viewer"))
    listed = site.client.get(f"{BASE}/impediments/candidates", headers=viewer)
    assert listed.status_code == 200, listed.text
    # OPS-2 has been In Progress since 2024-03-06 without a change: the one stall of the factory team.
    [candidate] = listed.json()["data"]
    assert (candidate["item_key"], candidate["signal"], candidate["stage"]) == ("OPS-2", "stale", "In Progress")
    assert candidate["reason"].endswith("(last change on 2024-03-06)")
    key = candidate["signal_key"]
    assert key.startswith("stale:") and key.endswith(":20240308T230000Z")  # Sat 9 March 00:00 in Paris

    assert site.client.post(f"{BASE}/impediments/candidates/{key}/confirm", headers=dev).status_code == 403
    confirmed = site.client.post(f"{BASE}/impediments/candidates/{key}/confirm", json={}, headers=pm)
    assert confirmed.status_code == 201, confirmed.text
    body = confirmed.json()
    assert (body["detected_by"], body["signal_key"], body["item_key"], body["status"]) == (
        "stale",
        key,
        "OPS-2",
        "open",
    )
    assert body["evidence"]["reason"] == candidate["reason"]
    assert site.client.get(f"{BASE}/impediments/candidates", headers=viewer).json()["data"] == []
    again = site.client.post(f"{BASE}/impediments/candidates/{key}/dismiss", headers=pm)
    assert again.status_code == 404 and again.json()["error"]["code"]

    url = f"{BASE}/impediments/{body['id']}"
    assert site.client.post(url, json={"escalation": "escalate"}, headers=dev).status_code == 403
    up = site.client.post(url, json={"escalation": "escalate"}, headers=pm)
    assert up.status_code == 200 and up.json()["escalation_level"] == 1
    assert site.client.post(url, json={"resolve": True}, headers=dev).status_code == 422
    done = site.client.post(url, json={"resolve": True, "resolution_note": "Split the item"}, headers=dev)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["resolution_note"]) == ("resolved", "Split the item")
    resolved = site.client.get(f"{BASE}/impediments?status=resolved", headers=viewer).json()
    assert [r["id"] for r in resolved["data"]] == [body["id"]] and resolved["page"]["total"] == 1
    metrics = site.client.get(f"{BASE}/impediments/metrics", headers=viewer).json()
    assert (metrics["open"], metrics["resolved"], metrics["window_days"]) == (0, 1, 84)
    assert metrics["resolve_median_days"] == metrics["resolve_p85_days"] > 600  # open since March 2024


def test_manual_impediments_decisions_and_agreements_through_the_api(site: Site) -> None:
    dev, viewer, webdev = (_bearer(site, name) for name in ("dev", "viewer", "webdev"))
    raised = site.client.post(f"{BASE}/impediments", json={"title": "No test data", "item_key": "OPS-2"}, headers=dev)
    assert raised.status_code == 201, raised.text
    assert site.client.post(f"{BASE}/impediments", json={"title": "x"}, headers=viewer).status_code == 403
    assert site.client.get(f"{BASE}/impediments", headers=webdev).status_code == 404
    [row] = site.client.get(f"{BASE}/impediments", headers=viewer).json()["data"]
    assert (row["title"], row["item_key"], row["owner"], row["escalation_level"]) == ("No test data", "OPS-2", None, 0)

    logged = site.client.post(
        f"{BASE}/decisions",
        json={"title": "Deploys", "decision": "Deploy daily", "options": ["daily", "weekly"], "item_keys": ["OPS-1"]},
        headers=dev,
    )
    assert logged.status_code == 201, logged.text
    assert logged.json()["decided_by"] == "dev" and logged.json()["options"] == ["daily", "weekly"]
    assert site.client.get(f"{BASE}/decisions", headers=viewer).json()["data"][0]["title"] == "Deploys"
    added = site.client.post(f"{BASE}/agreements", json={"text": "Review within a day"}, headers=dev)
    assert added.status_code == 201, added.text
    retired = site.client.post(f"{BASE}/agreements/{added.json()['id']}/retire", headers=dev)
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert site.client.post(f"{BASE}/agreements/{added.json()['id']}/retire", headers=dev).status_code == 409
    [kept] = site.client.get(f"{BASE}/agreements", headers=viewer).json()["data"]
    assert kept["text"] == "Review within a day" and kept["retired_at"] is not None


def test_the_pages_show_candidates_with_reasons_and_only_managers_decide(site: Site) -> None:
    pm, viewer = site.new_client(), site.new_client()
    site.sign_in(pm, "pm")
    site.sign_in(viewer, "viewer")
    page = pm.get("/teams/OPS/impediments")
    assert page.status_code == 200, page.text
    assert "No change for" in page.text and ">Confirm<" in page.text and ">Dismiss<" in page.text
    seen = viewer.get("/teams/OPS/impediments").text
    assert "No change for" in seen and ">Confirm<" not in seen and "Raise an impediment" not in seen

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    key = re.search(r'data-signal-key="([^"]+)"', page.text)
    assert key
    dismissed = pm.post(
        f"/teams/OPS/impediments/candidates/{key.group(1)}/dismiss", data={"csrf_token": token.group(1)}
    )
    assert dismissed.status_code == 303
    assert "Nothing looks stuck." in pm.get("/teams/OPS/impediments").text

    decisions = pm.get("/teams/OPS/decisions")
    assert decisions.status_code == 200 and "No decision logged yet." in decisions.text
    added = pm.post("/teams/OPS/agreements", data={"text": "Pair on hard bugs", "csrf_token": token.group(1)})
    assert added.status_code == 303
    logged = pm.post(
        "/teams/OPS/decisions",
        data={"title": "Pairing", "decision": "Pair on P1 bugs", "options": "pair\nsolo", "item_keys": "OPS-1, OPS-2",
              "csrf_token": token.group(1)},
    )  # fmt: skip
    assert logged.status_code == 303, logged.text
    shown = viewer.get("/teams/OPS/decisions").text
    assert "Pair on hard bugs" in shown and "Pair on P1 bugs" in shown and "<li>solo</li>" in shown
    assert ">Retire<" not in shown and ">Log decision<" not in shown
