"""The support desk over HTTP: the ticket API's contract (field-naming errors, triage, escalation, digest) and the
pages' forms with their CSRF guard."""

from __future__ import annotations

import re

from cadence.domain.model import Role
from cadence.services.audit_log import SYSTEM
from cadence.services.users import create_user, set_role
from tests.web.conftest import NOW, PASSWORD, Site

BASE = "/api/v1/teams/OPS/tickets"
TICKET = {"title": "Export fails", "requester": "ann@example.org", "customer": "ACME", "channel": "chat",
          "product_area": "exports", "impact": "medium", "urgency": "high", "description": "Error 500"}  # fmt: skip


def _agent(site: Site) -> dict[str, str]:
    create_user(site.db, SYSTEM, username="agent", password=PASSWORD, now=NOW)
    set_role(site.db, SYSTEM, username="agent", team_key="OPS", role=Role.SUPPORT, now=NOW)
    return {"Authorization": f"Bearer {site.token_for('agent')}"}


def test_the_ticket_api_from_intake_to_escalation(site: Site) -> None:
    agent = _agent(site)
    viewer = {"Authorization": f"Bearer {site.token_for('viewer')}"}
    bad = site.client.post(BASE, json={**TICKET, "impact": "urgent"}, headers=agent)
    assert bad.status_code == 422
    message = "impact: 'urgent' is not one of high, medium, low"
    assert bad.json()["error"] == {"code": "invalid_input", "message": message, "data": {"field": "impact"}}
    assert site.client.post(BASE, json=TICKET, headers=viewer).status_code == 403
    created = site.client.post(BASE, json=TICKET, headers=agent)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["key"], body["triage_state"], body["status"], body["source"], body["requesters"]) == (
        "SUP-1", "new", "New", "cadence", ["ann@example.org"],
    )  # fmt: skip

    listed = site.client.get(f"{BASE}?view=triage", headers=viewer).json()
    # SD-1 (imported from the factory's service desk, open, never triaged) is to triage too.
    assert [t["key"] for t in listed["data"]] == ["SUP-1", "SD-1"] and listed["page"]["total"] == 2
    conflict = site.client.post(f"{BASE}/SUP-1/escalate", json={}, headers=agent)
    assert conflict.status_code == 409 and conflict.json()["error"]["message"] == "ticket SUP-1 is new: accept it first"
    accepted = site.client.post(f"{BASE}/SUP-1/triage", json={"action": "accept"}, headers=agent)
    assert accepted.status_code == 200 and accepted.json()["priority"] == "P2"  # medium impact x high urgency
    escalated = site.client.post(f"{BASE}/SUP-1/escalate", json={"item_key": "OPS-2"}, headers=agent)
    assert escalated.status_code == 201, escalated.text
    assert escalated.json() == {"ticket": "SUP-1", "item": "OPS-2", "created": False, "where": "cadence", "level": "L2"}

    detail = site.client.get(f"{BASE}/SUP-1", headers=viewer).json()
    assert [(e["kind"], e["to_value"]) for e in detail["events"]] == [
        ("status", "New"), ("triage", "accepted"), ("status", "Open"), ("priority", "P2"), ("level", "L2"),
    ]  # fmt: skip
    [item] = detail["items"]
    assert (item["key"], item["stage"]) == ("OPS-2", "in progress (In Progress)")
    assert item["handoff"]["waiting_running"] is True
    assert [u["kind"] for u in detail["updates"]] == ["triage", "escalation"]
    digest = site.client.get("/api/v1/teams/OPS/support/digest", headers=viewer)
    assert digest.status_code == 200 and set(digest.json()) == {"team", "since", "answerable", "stalled", "at_risk"}
    missing = site.client.get(f"{BASE}/SUP-9", headers=viewer)
    assert missing.status_code == 404


def test_the_pages_take_forms_with_their_csrf_token(site: Site) -> None:
    _agent(site)
    client = site.new_client()
    assert site.sign_in(client, "agent").status_code == 303
    page = client.get("/teams/OPS/support")
    assert page.status_code == 200 and "On triage duty today" in page.text and "New ticket" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    refused = client.post("/teams/OPS/support/tickets", data=TICKET)  # no token
    assert refused.status_code == 403
    made = client.post("/teams/OPS/support/tickets", data={**TICKET, "csrf_token": token.group(1)})
    assert (made.status_code, made.headers["location"]) == (303, "/teams/OPS/support/tickets/SUP-1")
    accept = client.post("/teams/OPS/support/tickets/SUP-1/triage",
                         data={"action": "accept", "back": "queue", "csrf_token": token.group(1)})  # fmt: skip
    assert (accept.status_code, accept.headers["location"]) == (303, "/teams/OPS/support")
    form = {"title": "Fix the CSV export", "item_type": "bug", "csrf_token": token.group(1)}
    escalate = client.post("/teams/OPS/support/tickets/SUP-1/escalate", data=form)
    assert escalate.status_code == 303
    shown = client.get("/teams/OPS/support/tickets/SUP-1")
    assert shown.status_code == 200
    assert "OPS-3" in shown.text and "not started yet (Backlog)" in shown.text
    assert "Escalated to the developers as OPS-3 by agent." in shown.text

    viewer = site.new_client()
    assert site.sign_in(viewer, "viewer").status_code == 303
    seen = viewer.get("/teams/OPS/support/tickets/SUP-1")
    assert seen.status_code == 200 and "Escalate to developers" not in seen.text and ">Accept<" not in seen.text
    assert "New ticket" not in viewer.get("/teams/OPS/support").text
