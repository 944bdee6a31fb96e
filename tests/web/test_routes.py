"""Every route of the app, against every role and a foreign team's object, behaves as its declared minimum role.

``MATRIX`` lists each (method, path) with who may call it. A new route without an entry fails
``test_every_route_is_declared``, so adding a page or an endpoint means deciding who may use it. A second test
hits every GET route as every role and checks that no row anywhere (audit log included) was added or removed.
"""

from __future__ import annotations

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import func, select

from cadence.app import create_app
from cadence.domain.model import Role
from cadence.services.audit_log import SYSTEM
from cadence.services.users import create_user, set_role
from cadence.settings import Settings
from cadence.store import schema as S
from tests.web.conftest import NOW, Site
from tests.web.impediment_routes import fill_impediment_ids, impediment_body, prepare_impediment_route, use_database
from tests.web.insight_routes import fill_insight_person, use_insight_database
from tests.web.retro_routes import fill_retro, prepare_retro, retro_body
from tests.web.risk_routes import fill_risk_ids, prepare_risk_route, risk_body, risk_signals_config, use_risk_database


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: the gate is Python over one indexed lookup, the same on both backends (whose SQL the rest of
    tests/web exercises), and ~400 requests per run are worth paying once, not twice."""
    return sqlite_url


PUBLIC = "public"
SIGNED_IN = "signed in"
OWN_SECRET = "own secret"
"""Webhook receivers authenticate each delivery with the source's shared secret (tested in their own module)."""
SIGN_IN_FORM = "sign-in form"
"""``POST /login`` is protected by its double-submit cookie (tested in test_auth)."""
SCRAPER = "metrics token or loopback"
"""``/metrics`` takes CADENCE_METRICS_TOKEN, or loopback clients when none is set (tested in test_observability)."""

_ = risk_signals_config  # an autouse fixture: the workspace file that makes a risk signal fire

MATRIX: dict[tuple[str, str], str | Role] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/api/ready"): PUBLIC,
    ("GET", "/metrics"): SCRAPER,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): SIGN_IN_FORM,
    ("POST", "/logout"): SIGNED_IN,
    ("POST", "/hooks/jira/{source}"): OWN_SECRET,
    ("GET", "/"): SIGNED_IN,
    ("GET", "/teams"): SIGNED_IN,
    ("GET", "/definitions"): SIGNED_IN,
    ("GET", "/api/v1/teams"): SIGNED_IN,
    ("GET", "/api/v1/teams/{team}/metrics"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/metrics/{metric}"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/quality"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/items/{item_key}"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/forecast"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/sprint-forecast"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/estimation-health"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/backlog"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/targets"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/targets"): Role.MANAGER,
    ("PUT", "/api/v1/teams/{team}/targets/{metric}"): Role.MANAGER,
    ("DELETE", "/api/v1/teams/{team}/targets/{metric}"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/poker"): Role.MANAGER,
    ("GET", "/api/v1/teams/{team}/poker/{session_id}"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/poker/{session_id}/votes"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/poker/{session_id}/reveal"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/poker/{session_id}/final"): Role.MANAGER,
    ("GET", "/teams/{key}"): Role.VIEWER,
    ("GET", "/teams/{key}/quality"): Role.VIEWER,
    ("GET", "/teams/{key}/backlog"): Role.VIEWER,
    ("GET", "/teams/{key}/forecast"): Role.VIEWER,
    ("GET", "/teams/{key}/items/{item_key}"): Role.VIEWER,
    ("POST", "/teams/{key}/targets"): Role.MANAGER,
    ("POST", "/teams/{key}/targets/delete"): Role.MANAGER,
    ("GET", "/teams/{key}/poker"): Role.VIEWER,
    ("POST", "/teams/{key}/poker"): Role.MANAGER,
    ("GET", "/teams/{key}/poker/{session_id}"): Role.VIEWER,
    ("GET", "/teams/{key}/poker/{session_id}/state"): Role.VIEWER,
    ("POST", "/teams/{key}/poker/{session_id}/vote"): Role.MEMBER,
    ("POST", "/teams/{key}/poker/{session_id}/reveal"): Role.MANAGER,
    ("POST", "/teams/{key}/poker/{session_id}/final"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/checkins"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/checkins"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/checkins/{check_in_id}/impediment"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/standup"): Role.MEMBER,
    ("GET", "/teams/{key}/standup"): Role.MEMBER,
    ("POST", "/teams/{key}/standup/checkin"): Role.MEMBER,
    ("POST", "/teams/{key}/standup/checkins/{check_in_id}/impediment"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/notification-channels"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/notification-channels"): Role.MANAGER,
    ("DELETE", "/api/v1/teams/{team}/notification-channels/{name}"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/notification-channels/{name}/test"): Role.MANAGER,
    ("GET", "/teams/{key}/notifications"): Role.MANAGER,
    ("POST", "/teams/{key}/notifications"): Role.MANAGER,
    ("POST", "/teams/{key}/notifications/delete"): Role.MANAGER,
    ("POST", "/teams/{key}/notifications/test"): Role.MANAGER,
    ("GET", "/api/v1/teams/{team}/tickets"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/tickets"): Role.SUPPORT,
    ("GET", "/api/v1/teams/{team}/tickets/{ticket_key}"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/tickets/{ticket_key}/triage"): Role.SUPPORT,
    ("POST", "/api/v1/teams/{team}/tickets/{ticket_key}/escalate"): Role.SUPPORT,
    ("GET", "/api/v1/teams/{team}/support/digest"): Role.VIEWER,
    ("GET", "/teams/{key}/support"): Role.VIEWER,
    ("POST", "/teams/{key}/support/tickets"): Role.SUPPORT,
    ("GET", "/teams/{key}/support/tickets/{ticket_key}"): Role.VIEWER,
    ("POST", "/teams/{key}/support/tickets/{ticket_key}/triage"): Role.SUPPORT,
    ("POST", "/teams/{key}/support/tickets/{ticket_key}/escalate"): Role.SUPPORT,
    ("GET", "/api/v1/teams/{team}/support/metrics"): Role.SUPPORT,
    ("GET", "/api/v1/teams/{team}/support/clocks"): Role.SUPPORT,
    ("GET", "/api/v1/teams/{team}/sla-policies"): Role.MANAGER,
    ("GET", "/api/v1/teams/{team}/sla-policies/{name}"): Role.MANAGER,
    ("PUT", "/api/v1/teams/{team}/sla-policies/{name}"): Role.MANAGER,
    ("GET", "/api/v1/teams/{team}/actions"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/actions"): Role.MEMBER,
    ("PATCH", "/api/v1/teams/{team}/actions/{action_id}"): Role.MEMBER,
    ("GET", "/teams/{key}/actions"): Role.VIEWER,
    ("POST", "/teams/{key}/actions"): Role.MEMBER,
    ("POST", "/teams/{key}/actions/{action_id}"): Role.MEMBER,
    ("GET", "/teams/{key}/calendar.ics"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/sprint-plans"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/sprint-plans"): Role.MANAGER,
    ("GET", "/api/v1/teams/{team}/sprint-plans/{plan_id}"): Role.MEMBER,
    ("PATCH", "/api/v1/teams/{team}/sprint-plans/{plan_id}"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/sprint-plans/{plan_id}/commit"): Role.MANAGER,
    ("GET", "/api/v1/teams/{team}/time-off"): Role.MEMBER,
    # Someone else's time off (the body names a team member): manager. One's own (member) is in test_planning.
    ("POST", "/api/v1/teams/{team}/time-off"): Role.MANAGER,
    ("DELETE", "/api/v1/teams/{team}/time-off/{entry_id}"): Role.MANAGER,
    ("PUT", "/api/v1/teams/{team}/members/{person_id}/availability"): Role.MANAGER,
    ("GET", "/teams/{key}/planning"): Role.MEMBER,
    ("POST", "/teams/{key}/planning"): Role.MANAGER,
    ("GET", "/teams/{key}/planning/{plan_id}"): Role.MEMBER,
    ("POST", "/teams/{key}/planning/{plan_id}"): Role.MANAGER,
    ("POST", "/teams/{key}/planning/{plan_id}/commit"): Role.MANAGER,
    ("POST", "/teams/{key}/planning/time-off"): Role.MANAGER,
    ("POST", "/teams/{key}/planning/time-off/{entry_id}/delete"): Role.MANAGER,
    ("GET", "/api/v1/teams/{team}/impediments"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/impediments"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/impediments/metrics"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/impediments/candidates"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/impediments/candidates/{signal_key}/confirm"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/impediments/candidates/{signal_key}/dismiss"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/impediments/{impediment_id}"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/decisions"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/decisions"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/agreements"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/agreements"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/agreements/{agreement_id}/retire"): Role.MEMBER,
    ("GET", "/teams/{key}/impediments"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/insight"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/insight/people/{person_id}"): Role.MANAGER,  # or the person themself
    ("GET", "/teams/{key}/insight"): Role.VIEWER,
    ("GET", "/teams/{key}/insight/people/{person_id}"): Role.MANAGER,  # or the person themself
    ("POST", "/teams/{key}/impediments"): Role.MEMBER,
    ("POST", "/teams/{key}/impediments/candidates/{signal_key}/confirm"): Role.MANAGER,
    ("POST", "/teams/{key}/impediments/candidates/{signal_key}/dismiss"): Role.MANAGER,
    ("POST", "/teams/{key}/impediments/{impediment_id}"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/risks"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/risks"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/risks/proposed"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/risks/proposed/{signal_key}/accept"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/risks/proposed/{signal_key}/dismiss"): Role.MANAGER,
    ("GET", "/api/v1/teams/{team}/risks/{risk_id}"): Role.VIEWER,
    ("PATCH", "/api/v1/teams/{team}/risks/{risk_id}"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/risks/{risk_id}/score"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/risks/{risk_id}/mitigations"): Role.MEMBER,
    ("GET", "/teams/{key}/risks"): Role.VIEWER,
    ("POST", "/teams/{key}/risks"): Role.MEMBER,
    ("POST", "/teams/{key}/risks/proposed/{signal_key}/accept"): Role.MANAGER,
    ("POST", "/teams/{key}/risks/proposed/{signal_key}/dismiss"): Role.MANAGER,
    ("GET", "/teams/{key}/risks/{risk_id}"): Role.VIEWER,
    ("POST", "/teams/{key}/risks/{risk_id}"): Role.MEMBER,
    ("POST", "/teams/{key}/risks/{risk_id}/score"): Role.MEMBER,
    ("POST", "/teams/{key}/risks/{risk_id}/mitigations"): Role.MEMBER,
    ("GET", "/teams/{key}/decisions"): Role.VIEWER,
    ("POST", "/teams/{key}/decisions"): Role.MEMBER,
    ("POST", "/teams/{key}/agreements"): Role.MEMBER,
    ("POST", "/teams/{key}/agreements/{agreement_id}/retire"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/retros"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/retros"): Role.MANAGER,
    ("GET", "/api/v1/teams/{team}/retros/health-trend"): Role.VIEWER,
    ("GET", "/api/v1/teams/{team}/retros/{retro_id}"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/retros/{retro_id}/state"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/retros/{retro_id}/cards"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/retros/{retro_id}/cards/{card_id}/group"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/retros/{retro_id}/cards/{card_id}/votes"): Role.MEMBER,
    ("DELETE", "/api/v1/teams/{team}/retros/{retro_id}/cards/{card_id}/votes"): Role.MEMBER,
    ("PATCH", "/api/v1/teams/{team}/retros/{retro_id}/cards/{card_id}"): Role.MANAGER,
    ("POST", "/api/v1/teams/{team}/retros/{retro_id}/cards/{card_id}/actions"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/retros/{retro_id}/previous-actions/{action_id}"): Role.MEMBER,
    ("GET", "/api/v1/teams/{team}/retros/{retro_id}/health"): Role.VIEWER,
    ("POST", "/api/v1/teams/{team}/retros/{retro_id}/health"): Role.MEMBER,
    ("POST", "/api/v1/teams/{team}/retros/{retro_id}/health/reveal"): Role.MANAGER,
    ("GET", "/teams/{key}/retros"): Role.VIEWER,
    ("POST", "/teams/{key}/retros"): Role.MANAGER,
    ("GET", "/teams/{key}/retros/{retro_id}"): Role.VIEWER,
    ("GET", "/teams/{key}/retros/{retro_id}/board"): Role.VIEWER,
    ("POST", "/teams/{key}/retros/{retro_id}/state"): Role.MANAGER,
    ("POST", "/teams/{key}/retros/{retro_id}/cards"): Role.MEMBER,
    ("POST", "/teams/{key}/retros/{retro_id}/cards/{card_id}/group"): Role.MEMBER,
    ("POST", "/teams/{key}/retros/{retro_id}/cards/{card_id}/vote"): Role.MEMBER,
    ("POST", "/teams/{key}/retros/{retro_id}/cards/{card_id}/unvote"): Role.MEMBER,
    ("POST", "/teams/{key}/retros/{retro_id}/cards/{card_id}/notes"): Role.MANAGER,
    ("POST", "/teams/{key}/retros/{retro_id}/cards/{card_id}/action"): Role.MEMBER,
    ("POST", "/teams/{key}/retros/{retro_id}/previous-actions/{action_id}"): Role.MEMBER,
    ("POST", "/teams/{key}/retros/{retro_id}/health"): Role.MEMBER,
    ("POST", "/teams/{key}/retros/{retro_id}/health/reveal"): Role.MANAGER,
}
NOT_CHECKED = {OWN_SECRET, SIGN_IN_FORM, SCRAPER}

ROLES: dict[str, Role | None] = {
    "anonymous": None,
    "viewer": Role.VIEWER,
    "dev": Role.MEMBER,
    "agent": Role.SUPPORT,
    "pm": Role.MANAGER,
    "teamadmin": Role.ADMIN,
    "admin": Role.ADMIN,  # the superuser: every team, foreign ones included
}
METRIC = "cycle_time.p85"
SESSIONS: dict[str, str] = {}
"""A fresh planning poker session per team, started before each call to a ``{session_id}`` route."""
TICKETS: dict[str, str] = {}
"""A fresh accepted support ticket per team, created before each call to a ``{ticket_key}`` route."""
TICKET = {"title": "Export fails", "requester": "ann@example.org", "channel": "email", "impact": "high",
          "urgency": "low"}  # fmt: skip
ACTIONS: dict[str, str] = {}
"""A fresh action item per team, created before each call to an ``{action_id}`` route."""
CHECK_INS: dict[str, str] = {}
"""The admin's check-in of the day (with a blocker) per team, before each call to a ``{check_in_id}`` route."""
PLANNING: dict[str, str] = {}
"""A fresh draft sprint plan, time-off entry and member per team (``plan:TEAM``, ``entry:TEAM``, ``person:TEAM``),
and ``person``: the member of the team being called, whose time off the planning routes enter."""


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every endpoint, through included routers (FastAPI >= 0.116 nests them)."""
    from fastapi import routing

    contexts = routing.iter_route_contexts(app.routes) if hasattr(routing, "iter_route_contexts") else app.routes
    out = set()
    for context in contexts:
        route = getattr(context, "route", context)
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                out.add((method, route.path))
    return sorted(out)


def test_every_route_is_declared(db) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(database_url=str(db.url)), db)
    routes = _routes(app)
    missing = [route for route in routes if route not in MATRIX]
    assert not missing, f"declare who may call these routes in MATRIX: {missing}"
    stale = [route for route in MATRIX if route not in routes]
    assert not stale, f"MATRIX lists routes the app no longer has: {stale}"


def _fill(path: str, team: str) -> str:
    item = "OPS-1"  # the factory gives WEB's one item the key OPS-1 too: a foreign object of the same name
    metric = METRIC if "/targets/" in path else "cycle_time"
    path = path.replace("sla-policies/{name}", "sla-policies/default")  # the built-in one exists everywhere
    path = fill_retro(path, team)
    path = path.replace("{session_id}", SESSIONS.get(team, "1")).replace("{name}", "hook")
    path = path.replace("{ticket_key}", TICKETS.get(team, "SUP-1"))
    path = path.replace("{check_in_id}", CHECK_INS.get(team, "1"))
    path = path.replace("{action_id}", ACTIONS.get(team, "1"))
    path = path.replace("{plan_id}", PLANNING.get(f"plan:{team}", "1"))
    path = path.replace("{entry_id}", PLANNING.get(f"entry:{team}", "1"))
    path = fill_insight_person(path, team)
    path = path.replace("{person_id}", PLANNING.get(f"person:{team}", "1"))
    path = fill_risk_ids(path, team)
    path = fill_impediment_ids(path, team)
    path = path.replace("{team}", team).replace("{key}", team).replace("{item_key}", item).replace("{metric}", metric)
    return path + "?items=3" if path.endswith("/forecast") else path


CHANNEL = {"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/hook"}
"""A notification channel the routes add, test (port 9: refused at once, no network) and remove."""


@pytest.fixture(autouse=True)
def _encryption_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Channel addresses are stored encrypted: the app needs a key (set before ``site`` builds it)."""
    monkeypatch.setenv("CADENCE_ENCRYPTION_KEY", Fernet.generate_key().decode())


def _body(method: str, path: str) -> dict[str, object]:
    if (retro := retro_body(method, path)) is not None:
        return retro
    if (ceremony := impediment_body(method, path)) is not None:
        return ceremony
    if (risk := risk_body(method, path)) is not None:
        return risk
    if "/tickets" in path and method == "POST":  # a new ticket; a triage move allowed from accepted; an escalation
        ticket = {"action": "ask_info"} if path.endswith("/triage") else {} if path.endswith("/escalate") else TICKET
        return {"json": ticket} if path.startswith("/api/") else {"data": ticket}
    if "notification" in path and method == "POST":
        if path.endswith(("/notification-channels", "/notifications")):
            return {"json": CHANNEL} if path.startswith("/api/") else {"data": CHANNEL}
        return {} if path.startswith("/api/") else {"data": {"name": "hook"}}
    if path.endswith(("/checkins", "/standup/checkin")) and method == "POST":
        checkin = {"today": "Review OPS-1"}
        return {"json": checkin} if path.startswith("/api/") else {"data": checkin}
    if "time-off" in path and method == "POST" and not path.endswith("/delete"):
        entry = {"start_on": "2026-07-01", "end_on": "2026-07-01", "person_id": PLANNING.get("person", "0")}
        return {"json": entry} if path.startswith("/api/") else {"data": entry}
    if ("/sprint-plans" in path or "/planning" in path) and method in {"POST", "PATCH"}:
        plan = {"goal": "Ship the export"}
        return {"json": plan} if path.startswith("/api/") else {"data": plan}
    if path in {"/api/v1/teams/{team}/actions", "/teams/{key}/actions"} and method == "POST":
        return {"json": {"title": "Route check"}} if path.startswith("/api/") else {"data": {"title": "Route check"}}
    if path == "/api/v1/teams/{team}/actions/{action_id}":
        return {"json": {"status": "done"}}
    if "/poker" in path and method == "POST":
        poker = {"item": "OPS-1", "value": "5"}  # start: the item; votes and final: the card
        return {"json": poker} if path.startswith("/api/") else {"data": poker}
    if path.endswith("/availability"):
        return {"json": {"part_time": 1.0, "focus_factor": None}}
    if "/sla-policies/" in path:
        return {"json": {"at_risk": "2h"}}
    if path.startswith("/api/"):
        if method == "POST":
            return {"json": {"metric": METRIC, "comparator": "<=", "threshold": 10}}
        if method == "PUT":
            return {"json": {"comparator": ">=", "threshold": 3}}
        return {}
    if path.endswith("/targets/delete"):
        return {"data": {"metric": METRIC}}
    if path.endswith("/targets"):
        return {"data": {"metric": METRIC, "comparator": "<=", "threshold": "10"}}
    return {}


@pytest.fixture
def people(site: Site) -> dict[str, httpx.Client]:
    """A signed-in client per role in OPS (plus anonymous), each carrying its session's CSRF token."""
    create_user(site.db, SYSTEM, username="agent", password="correct horse battery", now=NOW)
    set_role(site.db, SYSTEM, username="agent", team_key="OPS", role=Role.SUPPORT, now=NOW)
    create_user(site.db, SYSTEM, username="teamadmin", password="correct horse battery", now=NOW)
    set_role(site.db, SYSTEM, username="teamadmin", team_key="OPS", role=Role.ADMIN, now=NOW)
    use_database(site.db)
    use_risk_database(site.db)
    use_insight_database(site.db)
    clients = {}
    for name in ROLES:
        client = site.new_client()
        if name != "anonymous":
            assert site.sign_in(client, name).status_code == 303
            client.headers["X-CSRF-Token"] = site.csrf_of(client)
        clients[name] = client
    return clients


def _reset_target(client: httpx.Client, method: str, path: str, team: str) -> None:
    """Make the target exist before a PUT/DELETE and be absent before a create, so an allowed call succeeds; start a
    fresh poker session before a call on one (a reveal or a final value closes it to the next call)."""
    prepare_impediment_route(client, method, path, team)
    prepare_retro(client, method, path, team)
    prepare_risk_route(client, method, path, team)
    if "{ticket_key}" in path:
        created = client.post(f"/api/v1/teams/{team}/tickets", json=TICKET)
        assert created.status_code == 201, created.text
        TICKETS[team] = created.json()["key"]
        accepted = client.post(f"/api/v1/teams/{team}/tickets/{TICKETS[team]}/triage", json={"action": "accept"})
        assert accepted.status_code == 200, accepted.text
    if "{check_in_id}" in path:
        posted = client.post(f"/api/v1/teams/{team}/checkins", json={"blockers": "Waiting for the staging database"})
        assert posted.status_code in {200, 201}, posted.text
        CHECK_INS[team] = str(posted.json()["id"])
    if (
        "{plan_id}" in path
        or "{entry_id}" in path
        or "{person_id}" in path
        or ("time-off" in path and method == "POST")
    ):
        plan = client.post(f"/api/v1/teams/{team}/sprint-plans", json={"items": []})
        assert plan.status_code == 201, plan.text
        PLANNING[f"plan:{team}"] = str(plan.json()["plan"]["id"])
        PLANNING["person"] = PLANNING[f"person:{team}"] = str(plan.json()["capacity"]["members"][0]["person_id"])
        if "{entry_id}" in path:
            entry = client.post(f"/api/v1/teams/{team}/time-off", json=_body("POST", "/api/time-off")["json"])
            assert entry.status_code == 201, entry.text
            PLANNING[f"entry:{team}"] = str(entry.json()["id"])
    if "/actions/{action_id}" in path:
        made = client.post(f"/api/v1/teams/{team}/actions", json={"title": "Route check"})
        assert made.status_code == 201, made.text
        ACTIONS[team] = str(made.json()["id"])
    if "{session_id}" in path:
        started = client.post(f"/api/v1/teams/{team}/poker", json={"item": "OPS-1"})
        assert started.status_code == 201, started.text
        SESSIONS[team] = str(started.json()["id"])
    if "notification" in path and method != "GET":
        listed = client.get(f"/api/v1/teams/{team}/notification-channels")
        exists = any(c["name"] == "hook" for c in listed.json())
        creating = path.endswith(("/notification-channels", "/notifications"))
        if creating and exists:
            assert client.delete(f"/api/v1/teams/{team}/notification-channels/hook").status_code == 204
        if not creating and not exists:
            created = client.post(f"/api/v1/teams/{team}/notification-channels", json=CHANNEL)
            assert created.status_code == 201, created.text
        return
    if "targets" not in path:
        return
    listed = client.get(f"/api/v1/teams/{team}/targets")
    assert listed.status_code == 200, listed.text
    exists = any(t["metric"] == METRIC for t in listed.json()["data"])
    if method == "POST" and not path.endswith("/delete") and exists:
        assert client.delete(f"/api/v1/teams/{team}/targets/{METRIC}").status_code == 204
    if (method in {"PUT", "DELETE"} or path.endswith("/delete")) and not exists:
        created = client.post(
            f"/api/v1/teams/{team}/targets", json={"metric": METRIC, "comparator": "<=", "threshold": 1}
        )
        assert created.status_code == 201, created.text


def _denied_anonymous(response: httpx.Response) -> bool:
    if response.status_code == 303:
        return response.headers["location"].startswith("/login")
    return response.status_code in {401, 403}  # 403: a form post without a session carries no CSRF token


def _allowed(response: httpx.Response) -> bool:
    redirect_to_login = response.status_code == 303 and response.headers["location"].startswith("/login")
    return response.status_code < 400 and not redirect_to_login


def test_each_route_admits_exactly_its_roles(site: Site, people: dict[str, httpx.Client]) -> None:
    app = create_app(Settings(database_url=str(site.db.url)), site.db)
    failures = []
    for method, path in _routes(app):
        need = MATRIX[(method, path)]
        if need in NOT_CHECKED:
            continue
        team_scoped = "{team}" in path or "{key}" in path
        for name, role in ROLES.items():
            for team in ("OPS", "WEB") if team_scoped else ("OPS",):
                url = _fill(path, team)
                _reset_target(people["admin"], method, path, team)
                response = people[name].request(method, url, **_body(method, path))  # type: ignore[arg-type]
                if need == PUBLIC:
                    ok = _allowed(response)
                elif role is None:
                    ok = _denied_anonymous(response)
                elif path == "/logout":
                    ok = response.status_code == 303  # back to the sign-in page, signed out
                    people[name] = _signed_in_again(site, name)
                elif need == SIGNED_IN:
                    ok = _allowed(response)
                elif team == "WEB" and name != "admin":
                    ok = response.status_code == 404  # a foreign team does not exist for you
                elif role.covers(need):  # type: ignore[arg-type]
                    ok = _allowed(response)
                else:
                    ok = response.status_code == 403
                if not ok:
                    failures.append(f"{name} {method} {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)


def _signed_in_again(site: Site, name: str) -> httpx.Client:
    client = site.new_client()
    assert site.sign_in(client, name).status_code == 303
    client.headers["X-CSRF-Token"] = site.csrf_of(client)
    return client


def _census(site: Site) -> dict[str, int]:
    """Rows in every table (the audit log included)."""
    with site.db.connect() as conn:
        return {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in S.Base.metadata.sorted_tables
        }


def test_no_get_route_writes(site: Site, people: dict[str, httpx.Client]) -> None:
    app = create_app(Settings(database_url=str(site.db.url)), site.db)
    gets = [path for method, path in _routes(app) if method == "GET"]
    before = _census(site)
    for client in people.values():
        for path in gets:
            for team in ("OPS", "WEB"):
                client.get(_fill(path, team))
    assert _census(site) == before
