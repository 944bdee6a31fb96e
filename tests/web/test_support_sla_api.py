"""The SLA and support-metrics API: clocks recomputed when a policy is replaced, errors naming the bad field."""

from __future__ import annotations

from tests.web.conftest import Site


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_clocks_follow_the_policy_put_through_the_api(site: Site) -> None:
    pm = _bearer(site.token_for("pm"))
    # SD-1 (P2) was created Tue 5 March 2024 09:00 Paris and is still escalated: under the built-in policy's 24
    # business hours (Mon-Fri 09:00-17:00 Paris), it breached on Thu 7 March 17:00 Paris = 16:00 UTC.
    clocks = site.client.get("/api/v1/teams/OPS/support/clocks", headers=pm).json()
    assert clocks["page"]["total"] == 2
    first, second = clocks["data"]
    assert (first["key"], first["goal"], first["state"]) == ("SD-1", "resolution", "breached")
    assert first["breached_at"] == first["due_at"] == "2024-03-07T16:00:00.000000Z"
    assert (second["goal"], second["state"], second["elapsed_s"]) == ("first_response", "met", 3600.0)

    bad = site.client.put("/api/v1/teams/OPS/sla-policies/default", json={"goals": {"resolution": {"P2": "x"}}},
                          headers=pm)  # fmt: skip
    assert bad.status_code == 422
    assert "goals.resolution.P2" in bad.json()["error"]["message"]

    saved = site.client.put("/api/v1/teams/OPS/sla-policies/default", json={"goals": {"resolution": {"P2": "100h"}}},
                            headers=pm)  # fmt: skip
    assert saved.status_code == 200 and saved.json()["goals"]["resolution"]["P2"] == "100h"
    # 100 business hours: two full weeks to Tue 19 March 09:00, then 8 + 8 + 4 h: Thu 21 March 13:00 Paris (CET)
    breached = site.client.get("/api/v1/teams/OPS/support/clocks", params={"state": "breached"}, headers=pm).json()
    assert [c["breached_at"] for c in breached["data"]] == ["2024-03-21T12:00:00.000000Z"]
    listed = site.client.get("/api/v1/teams/OPS/sla-policies", headers=pm).json()
    assert [p["name"] for p in listed["policies"]] == ["default"] and listed["fallback"]["stored"] is True


def test_metrics_and_roles(site: Site) -> None:
    pm = _bearer(site.token_for("pm"))
    metrics = site.client.get("/api/v1/teams/OPS/support/metrics", params={"from": "2024-03-01", "to": "2024-03-31"},
                              headers=pm)  # fmt: skip
    assert metrics.status_code == 200
    body = metrics.json()
    assert body["sla_attainment"]["resolution"] == {"met": 0, "breached": 1, "attainment": 0.0, "breach_rate": 1.0,
                                                    "by_priority": {"P2": {"met": 0, "breached": 1, "attainment": 0.0,
                                                                           "breach_rate": 1.0}}}  # fmt: skip
    assert body["escalation_rate"] == {"tickets": 1, "escalated": 1, "rate": 1.0}
    assert body["level_changes"] == [{"from_value": "L1", "to_value": "L2", "events": 1, "tickets": 1}]
    wrong = site.client.get("/api/v1/teams/OPS/support/metrics", params={"from": "March"}, headers=pm)
    assert wrong.status_code == 422 and "from 'March'" in wrong.json()["error"]["message"]
    viewer = _bearer(site.token_for("viewer"))
    assert site.client.get("/api/v1/teams/OPS/support/clocks", headers=viewer).status_code == 403
    assert site.client.get("/api/v1/teams/OPS/sla-policies", headers=_bearer(site.token_for("dev"))).status_code == 403
