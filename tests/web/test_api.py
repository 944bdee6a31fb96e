"""The JSON API: token auth, one error envelope, pagination, and nobody seeing another team's data."""

from __future__ import annotations

import json

from tests.web.conftest import Site


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_teams_requires_credentials_and_answers_in_the_envelope(site: Site) -> None:
    response = site.client.get("/api/v1/teams")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    error = response.json()["error"]
    assert error["code"] == "not_authenticated" and "sign in" in error["message"]


def test_a_bad_token_is_401(site: Site) -> None:
    response = site.client.get("/api/v1/teams", headers=_bearer("cdn_nope"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_teams_lists_only_the_callers_teams(site: Site) -> None:
    pm = site.client.get("/api/v1/teams", headers=_bearer(site.token_for("pm"))).json()
    assert [(t["key"], t["role"]) for t in pm["data"]] == [("OPS", "manager")]
    assert pm["page"] == {"limit": 50, "offset": 0, "total": 1}
    admin = site.client.get("/api/v1/teams", headers=_bearer(site.token_for("admin"))).json()
    assert [t["key"] for t in admin["data"]] == ["OPS", "WEB"]


def test_teams_paginates(site: Site) -> None:
    page = site.client.get("/api/v1/teams", params={"limit": 1, "offset": 1}, headers=_bearer(site.token_for("admin")))
    body = page.json()
    assert [t["key"] for t in body["data"]] == ["WEB"]
    assert body["page"] == {"limit": 1, "offset": 1, "total": 2}
    bad = site.client.get("/api/v1/teams", params={"limit": 0}, headers=_bearer(site.token_for("admin")))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"


def test_a_member_of_one_team_gets_404_on_another_teams_metrics(site: Site) -> None:
    token = site.token_for("webdev")
    assert site.client.get("/api/v1/teams/WEB/metrics", headers=_bearer(token)).status_code == 200
    foreign = site.client.get("/api/v1/teams/OPS/metrics", headers=_bearer(token))
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "not_found"
    missing = site.client.get("/api/v1/teams/NOPE/metrics", headers=_bearer(token))
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == foreign.json()["error"]["message"].replace("OPS", "NOPE")


def test_metrics_and_one_metric(site: Site) -> None:
    token = site.token_for("viewer")
    full = site.client.get(
        "/api/v1/teams/OPS/metrics", params={"from": "2024-03-01", "to": "2024-03-31"}, headers=_bearer(token)
    ).json()
    assert full["cycle_time"]["n"] == 1  # OPS-1 delivered on 2024-03-12
    one = site.client.get(
        "/api/v1/teams/OPS/metrics/throughput",
        params={"from": "2024-03-01", "to": "2024-03-31"},
        headers=_bearer(token),
    ).json()
    assert one["metric"] == "throughput"
    assert sum(day["count"] for day in one["value"]) == 1
    assert len(one["value"]) == 31
    unknown = site.client.get("/api/v1/teams/OPS/metrics/vibes", headers=_bearer(token))
    assert unknown.status_code == 404 and "throughput" in unknown.json()["error"]["message"]


def test_session_cookies_work_for_the_api_too(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "dev")
    assert [t["key"] for t in client.get("/api/v1/teams").json()["data"]] == ["OPS"]


def test_an_items_timeline_through_the_api(site: Site) -> None:
    token = site.token_for("viewer")
    body = site.client.get("/api/v1/teams/OPS/items/OPS-1", headers=_bearer(token)).json()
    assert (body["key"], body["status"], body["estimate"]) == ("OPS-1", "Done", 5.0)
    statuses = [(e["before"], e["after"]) for e in body["events"] if e["kind"] == "status"]
    assert statuses == [("Backlog", "In Progress"), ("In Progress", "Review"), ("Review", "Done")]
    assert [e["at"] for e in body["events"]] == sorted(e["at"] for e in body["events"])
    assert any(e["kind"] == "sprint" for e in body["events"])
    foreign = site.client.get("/api/v1/teams/OPS/items/OPS-1", headers=_bearer(site.token_for("webdev")))
    assert foreign.status_code == 404
    missing = site.client.get("/api/v1/teams/OPS/items/OPS-404", headers=_bearer(token))
    assert missing.status_code == 404 and "OPS-404" in missing.json()["error"]["message"]


def test_every_422_is_documented_as_the_error_envelope_and_answered_as_one(site: Site) -> None:
    doc = site.client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ErrorEnvelope" in schemas
    answers = [
        op["responses"]["422"] for ops in doc["paths"].values() for op in ops.values() if "422" in op["responses"]
    ]
    assert len(answers) > 50
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert all(a["content"]["application/json"]["schema"] == envelope for a in answers)
    assert "HTTPValidationError" not in json.dumps(doc)
    # What the document promises is what a bad request gets.
    token = {"Authorization": f"Bearer {site.token_for('pm')}"}
    answer = site.client.post("/api/v1/teams/OPS/risks", json={"title": "x", "probability": 9}, headers=token)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"]["code"] == "invalid_input" and "probability" in body["error"]["message"]
    assert body["request_id"] == answer.headers["X-Request-ID"]
