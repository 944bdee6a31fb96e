"""Sprint planning through HTTP: the REST contract (create, change, commit, 409 once committed, roles), time off
(one's own for members, anyone's for managers) and the page's forms."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import Site

BASE = "/api/v1/teams/OPS/sprint-plans"


def _bearer(site: Site, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.token_for(username)}"}


def test_the_api_plans_commits_and_then_refuses_changes(site: Site) -> None:
    pm, dev, viewer, webdev = (_bearer(site, name) for name in ("pm", "dev", "viewer", "webdev"))
    body = {"start": "2026-07-06", "end": "2026-07-17", "goal": "Fix the export", "items": ["OPS-2"]}
    assert site.client.post(BASE, json=body, headers=dev).status_code == 403
    created = site.client.post(BASE, json=body, headers=pm)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["plan"]["state"] == "draft" and plan["plan"]["goal"] == "Fix the export"
    assert (plan["plan"]["start"], plan["plan"]["end"]) == ("2026-07-06", "2026-07-17")
    assert [i["key"] for i in plan["items"]] == ["OPS-2"]
    # 6-17 July 2026: ten weekdays, of which Tuesday 14 July is a French public holiday -> 9 working days.
    assert plan["capacity"]["holidays"] == ["2026-07-14"] and plan["capacity"]["working_days"] == 9
    assert {m["name"] for m in plan["capacity"]["members"]} == {"Bo Chen", "dev"}  # members; not the managers
    url = f"{BASE}/{plan['plan']['id']}"

    listed = site.client.get(BASE, headers=dev)
    assert listed.status_code == 200 and listed.json()["page"]["total"] == 1
    assert listed.json()["data"][0]["items"] == 1
    assert site.client.get(url, headers=viewer).status_code == 403
    assert site.client.get(f"/api/v1/teams/WEB/sprint-plans/{plan['plan']['id']}", headers=webdev).status_code == 404

    assert site.client.patch(url, json={"goal": "x"}, headers=dev).status_code == 403
    changed = site.client.patch(url, json={"goal": "Ship the export", "items": ["OPS-2", "OPS-1"]}, headers=pm)
    assert changed.status_code == 200, changed.text
    assert changed.json()["plan"]["goal"] == "Ship the export"
    assert [i["key"] for i in changed.json()["items"]] == ["OPS-2", "OPS-1"]
    unknown = site.client.patch(url, json={"items": ["OPS-404"]}, headers=pm)
    assert unknown.status_code == 422 and "OPS-404" in unknown.json()["error"]["message"]

    committed = site.client.post(f"{url}/commit", headers=pm)
    assert committed.status_code == 200, committed.text
    frozen = committed.json()
    assert frozen["plan"]["state"] == "committed" and frozen["plan"]["committed_by"] == "pm"
    # OPS-1 is done and OPS-2 in progress: neither is in the backlog, their estimates are kept as they were.
    assert [(i["key"], i["estimate"]) for i in frozen["items"]] == [("OPS-2", None), ("OPS-1", 5.0)]
    assert site.client.get(url, headers=dev).json() == frozen
    again = site.client.patch(url, json={"goal": "Other"}, headers=pm)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert "read-only" in again.json()["error"]["message"]
    assert site.client.post(f"{url}/commit", headers=pm).status_code == 409


def test_time_off_is_ones_own_for_members_and_anyones_for_managers(site: Site) -> None:
    pm, dev, viewer = (_bearer(site, name) for name in ("pm", "dev", "viewer"))
    mine = site.client.post(
        "/api/v1/teams/OPS/time-off", json={"start_on": "2026-07-07", "end_on": "2026-07-08"}, headers=dev
    )
    assert mine.status_code == 201, mine.text
    assert (mine.json()["name"], mine.json()["day_fraction"]) == ("dev", 1.0)
    bo = next(
        m["person_id"]
        for m in site.client.post(BASE, json={"items": []}, headers=pm).json()["capacity"]["members"]
        if m["name"] == "Bo Chen"
    )
    others = {"start_on": "2026-07-09", "end_on": "2026-07-09", "person_id": bo, "day_fraction": 0.5}
    assert site.client.post("/api/v1/teams/OPS/time-off", json=others, headers=dev).status_code == 403
    theirs = site.client.post("/api/v1/teams/OPS/time-off", json=others, headers=pm)
    assert theirs.status_code == 201, theirs.text
    listed = site.client.get("/api/v1/teams/OPS/time-off?start=2026-07-01&end=2026-07-31", headers=dev).json()
    assert [(e["name"], e["day_fraction"]) for e in listed["data"]] == [("dev", 1.0), ("Bo Chen", 0.5)]
    assert site.client.get("/api/v1/teams/OPS/time-off", headers=viewer).status_code == 403
    assert site.client.delete(f"/api/v1/teams/OPS/time-off/{theirs.json()['id']}", headers=dev).status_code == 403
    assert site.client.delete(f"/api/v1/teams/OPS/time-off/{mine.json()['id']}", headers=dev).status_code == 204
    bad = site.client.post(
        "/api/v1/teams/OPS/time-off", json={"start_on": "2026-07-09", "end_on": "2026-07-01"}, headers=dev
    )
    assert bad.status_code == 422 and "before it starts" in bad.json()["error"]["message"]


def _signed_in(site: Site, name: str) -> httpx.Client:
    client = site.new_client()
    assert site.sign_in(client, name).status_code == 303
    return client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_page_plans_enters_time_off_and_commits(site: Site) -> None:
    pm, dev, viewer = (_signed_in(site, name) for name in ("pm", "dev", "viewer"))
    assert viewer.get("/teams/OPS/planning").status_code == 403
    member_view = dev.get("/teams/OPS/planning")
    assert member_view.status_code == 200 and "Start planning" not in member_view.text
    preview = pm.get("/teams/OPS/planning?start=2026-07-06&end=2026-07-17")
    assert preview.status_code == 200 and "Start planning" in preview.text and "person-days" in preview.text
    token = _csrf(preview.text)
    started = pm.post("/teams/OPS/planning", data={"start": "2026-07-06", "end": "2026-07-17", "goal": "Exports",
                                                  "csrf_token": token})  # fmt: skip
    assert started.status_code == 303
    plan_url = started.headers["location"]
    assert re.fullmatch(r"/teams/OPS/planning/\d+", plan_url)
    page = pm.get(plan_url).text
    assert "Sprint goal: <strong>Exports</strong>" in page and "Commit the sprint" in page
    assert re.search(r'class="tile-value cap-days">14[.,]4 person-days', page)  # (9 + 9) days x 0.8 focus

    entered = dev.post("/teams/OPS/planning/time-off", data={
        "start_on": "2026-07-06", "end_on": "2026-07-10", "plan_id": plan_url.rsplit("/", 1)[-1],
        "csrf_token": _csrf(dev.get(plan_url).text)})  # fmt: skip
    assert entered.status_code == 303 and entered.headers["location"] == plan_url
    assert re.search(r'class="tile-value cap-days">10[.,]4 person-days', pm.get(plan_url).text)  # dev: 5 days off

    saved = pm.post(plan_url, data={"goal": "Ship exports", "items": ["OPS-2"], "csrf_token": token})
    assert saved.status_code == 303
    committed = pm.post(f"{plan_url}/commit", data={"csrf_token": token})
    assert committed.status_code == 303
    frozen = dev.get(plan_url).text
    assert "committed</span> on" in frozen and "read-only" in frozen and "Ship exports" in frozen
    assert "Commit the sprint" not in frozen and 'name="items"' not in frozen and "Add time off" not in frozen
    refused = pm.post(plan_url, data={"goal": "Other", "csrf_token": token})
    assert refused.status_code == 409


def test_a_manager_sets_a_members_part_time_and_focus_factor(site: Site) -> None:
    pm, dev = _bearer(site, "pm"), _bearer(site, "dev")
    body = {"start": "2026-07-06", "end": "2026-07-17", "items": []}
    members = site.client.post(BASE, json=body, headers=pm).json()["capacity"]["members"]
    bo = next(m["person_id"] for m in members if m["name"] == "Bo Chen")
    url = f"/api/v1/teams/OPS/members/{bo}/availability"
    assert site.client.put(url, json={"part_time": 0.5}, headers=dev).status_code == 403
    assert site.client.put(url, json={"part_time": 1.5}, headers=pm).status_code == 422
    done = site.client.put(url, json={"part_time": 0.5, "focus_factor": 0.6}, headers=pm)
    assert done.status_code == 200, done.text
    assert done.json() == {"person_id": bo, "name": "Bo Chen", "part_time": 0.5, "focus_factor": 0.6}
    plan = site.client.post(BASE, json=body, headers=pm).json()
    row = next(m for m in plan["capacity"]["members"] if m["name"] == "Bo Chen")
    assert row["capacity_days"] == pytest.approx(9 * 0.5 * 0.6)  # 9 working days (14 July is a holiday)
    gone = site.client.put(url, json={"part_time": 0}, headers=pm)
    assert gone.status_code == 200
    plan = site.client.post(BASE, json=body, headers=pm).json()
    assert "Bo Chen" not in {m["name"] for m in plan["capacity"]["members"]}  # part time 0: out of capacity
    assert site.client.put("/api/v1/teams/OPS/members/999999/availability", json={"part_time": 1},
                           headers=pm).status_code == 404  # fmt: skip
