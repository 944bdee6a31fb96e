"""The backlog health API and page through a real server: the contract, viewers see it, other teams get 404.

The server reads the real clock, so these tests assert what does not move with it (which items are backlog, the
checks that do not depend on age, the duplicate pair); the exact arithmetic is asserted in the service and
analytics tests with a fixed ``now``.
"""

from __future__ import annotations

import httpx

from cadence.store.ingest import ingest
from tests.services.test_backlog import backlog_batch
from tests.web.conftest import Site


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _seed(site: Site) -> None:
    with site.db.begin() as conn:
        ingest(conn, backlog_batch())


def test_backlog_api_contract(site: Site) -> None:
    _seed(site)
    response = site.client.get("/api/v1/teams/OPS/backlog", headers=_bearer(site.token_for("viewer")))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "team", "parameters", "summary", "ready_work", "items", "refinement_queue", "stale", "oversized", "duplicates"
    }  # fmt: skip
    assert body["team"]["key"] == "OPS"
    assert body["items"]["page"] == {"limit": 50, "offset": 0, "total": 4}
    rows = {row["key"]: row for row in body["items"]["data"]}
    assert list(rows) == ["B-1", "B-2", "B-3", "B-4"]
    assert rows["B-4"]["blocked_by"] == ["B-5"] and rows["B-4"]["check_unblocked"] is False
    assert rows["B-2"]["check_acceptance_criteria"] is False
    assert {"description", "acceptance_criteria", "estimate"} <= set(rows["B-3"]["lacks"])
    assert body["parameters"]["stale_days"] == 60
    assert body["parameters"]["checks"] == [
        "description",
        "acceptance_criteria",
        "estimate",
        "size",
        "unblocked",
        "fresh",
    ]
    assert [(d["key"], d["other_key"]) for d in body["duplicates"]] == [("B-1", "B-2")]
    assert body["ready_work"]["unit"] in {"sprints", "weeks", None}
    paged = site.client.get(
        "/api/v1/teams/OPS/backlog", params={"limit": 1, "offset": 3}, headers=_bearer(site.token_for("viewer"))
    ).json()
    assert [r["key"] for r in paged["items"]["data"]] == ["B-4"]


def test_backlog_api_hides_other_teams(site: Site) -> None:
    _seed(site)
    response = site.client.get("/api/v1/teams/OPS/backlog", headers=_bearer(site.token_for("webdev")))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert site.client.get("/api/v1/teams/OPS/backlog").status_code == 401


def _signed_in(site: Site, username: str) -> httpx.Client:
    client = site.new_client()
    assert site.sign_in(client, username).status_code == 303
    return client


def test_backlog_page_for_a_viewer_and_linked_from_the_dashboard(site: Site) -> None:
    _seed(site)
    viewer = _signed_in(site, "viewer")
    page = viewer.get("/teams/OPS/backlog")
    assert page.status_code == 200
    assert "backlog health" in page.text
    assert "Refinement queue" in page.text and "Likely duplicates" in page.text
    assert '<a href="/teams/OPS/items/B-3">B-3</a>' in page.text
    assert 'href="/teams/OPS/backlog"' in viewer.get("/teams/OPS").text


def test_backlog_page_of_a_foreign_team_is_404(site: Site) -> None:
    _seed(site)
    assert _signed_in(site, "webdev").get("/teams/OPS/backlog").status_code == 404
