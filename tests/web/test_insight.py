"""Insight's guard-rails over HTTP: who sees whom, names in alphabetical order only, sorting refused."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import Site


def _client(site: Site, name: str) -> httpx.Client:
    client = site.new_client()
    assert site.sign_in(client, name).status_code == 303
    return client


def _me(client: httpx.Client) -> dict:  # type: ignore[type-arg]
    body = client.get("/api/v1/teams/OPS/insight").json()
    assert body["me"] is not None
    return body["me"]  # type: ignore[no-any-return]


def test_a_member_sees_their_own_insight_and_no_one_elses(site: Site) -> None:
    dev, pm = _client(site, "dev"), _client(site, "pm")
    mine = _me(dev)
    assert mine["is_you"] and mine["person"]["name"] == "dev"
    team = dev.get("/api/v1/teams/OPS/insight").json()
    assert team["people"] == []  # a member chooses nobody else
    assert set(team["distribution"]["wip_items"]) == {"people", "total", "p25", "median", "p75"}
    pm_id = _me(pm)["person"]["person_id"]
    assert dev.get(f"/api/v1/teams/OPS/insight/people/{pm_id}").status_code == 403
    assert dev.get(f"/teams/OPS/insight/people/{pm_id}").status_code == 403
    own = dev.get(f"/api/v1/teams/OPS/insight/people/{mine['person']['person_id']}")
    assert own.status_code == 200 and own.json()["is_you"]


def test_a_manager_sees_one_person_at_a_time_from_an_alphabetical_list(site: Site) -> None:
    pm = _client(site, "pm")
    people = pm.get("/api/v1/teams/OPS/insight").json()["people"]
    names = [p["name"] for p in people]
    # Bo Chen has an item in progress and Ann Lee none: a metric order would put Bo first; the list is by name.
    assert names == sorted(names, key=str.casefold) and names[:2] == ["Ann Lee", "Bo Chen"]
    assert all(set(p) == {"person_id", "name"} for p in people)  # names only, no numbers beside them
    bo = next(p["person_id"] for p in people if p["name"] == "Bo Chen")
    answer = pm.get(f"/api/v1/teams/OPS/insight/people/{bo}").json()
    assert answer["is_you"] is False and answer["values"]["wip_items"] == 1  # OPS-2, In Progress, assigned to Bo
    assert answer["values"]["queued_items"] == 0
    page = pm.get("/teams/OPS/insight")
    assert "For coaching, never for ranking" in page.text
    listed = re.findall(r'<li><a href="/teams/OPS/insight/people/\d+">([^<]+)</a></li>', page.text)
    assert listed == names
    person_page = pm.get(f"/teams/OPS/insight/people/{bo}")
    assert person_page.status_code == 200 and "Bo Chen" in person_page.text
    assert "For coaching, never for ranking" in person_page.text


def test_a_viewer_sees_aggregates_only(site: Site) -> None:
    viewer, pm = _client(site, "viewer"), _client(site, "pm")
    team = viewer.get("/api/v1/teams/OPS/insight")
    assert team.status_code == 200 and team.json()["people"] == []
    assert team.json()["distribution"]["wip_items"]["total"] == 1.0  # OPS-2, with no name
    page = viewer.get("/teams/OPS/insight").text
    assert "Bo Chen" not in page and "Ann Lee" not in page
    pm_id = _me(pm)["person"]["person_id"]
    assert viewer.get(f"/api/v1/teams/OPS/insight/people/{pm_id}").status_code == 403


def test_outside_the_team_is_not_found(site: Site) -> None:
    webdev, pm = _client(site, "webdev"), _client(site, "pm")
    assert webdev.get("/api/v1/teams/OPS/insight").status_code == 404
    pm_id = _me(pm)["person"]["person_id"]
    assert webdev.get(f"/api/v1/teams/OPS/insight/people/{pm_id}").status_code == 404
    stranger = webdev.get("/api/v1/teams/WEB/insight").json()["me"]["person"]["person_id"]
    assert pm.get(f"/api/v1/teams/OPS/insight/people/{stranger}").status_code == 404  # not an OPS member


@pytest.mark.parametrize("query", ["sort=wip_items", "order_by=review_items", "top=3", "rank=1", "desc=true", "x=1"])
def test_sorting_and_ranking_parameters_are_refused(site: Site, query: str) -> None:
    pm = _client(site, "pm")
    for path in ("/api/v1/teams/OPS/insight", f"/api/v1/teams/OPS/insight/people/{_me(pm)['person']['person_id']}"):
        refused = pm.get(f"{path}?{query}")
        assert refused.status_code == 422, refused.text
    assert "never for ranking" in pm.get("/api/v1/teams/OPS/insight?sort=wip_items").text


def test_weeks_out_of_range_is_refused(site: Site) -> None:
    assert _client(site, "pm").get("/api/v1/teams/OPS/insight?weeks=0").status_code == 422
