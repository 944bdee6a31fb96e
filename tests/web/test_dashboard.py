"""The dashboard, item, quality and definitions pages and the targets API, through the real server."""

from __future__ import annotations

import json
import re

import pytest

from cadence.services.targets import classify
from cadence.store.audit import read_audit
from cadence.store.teams import find_team
from tests.web.conftest import Site

RANGE = "from=2024-03-01&to=2024-03-31"


def _specs(html: str) -> dict[str, dict[str, object]]:
    found = re.findall(r'data-chart="([^"]+)" data-spec=\'([^\']+)\'', html)
    return {name: json.loads(spec.replace("&#39;", "'").replace("&amp;", "&")) for name, spec in found}


def test_the_dashboard_embeds_a_spec_a_table_and_a_definition_link_per_chart(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "viewer")
    page = client.get(f"/teams/OPS?{RANGE}")
    assert page.status_code == 200
    specs = _specs(page.text)
    assert set(specs) == {"velocity", "throughput", "cycle-time", "age", "cfd", "unplanned"}
    assert all(spec["description"] for spec in specs.values())
    cycle = specs["cycle-time"]["layer"][0]["data"]["values"]  # type: ignore[index]
    assert [p["key"] for p in cycle] == ["OPS-1"] and cycle[0]["href"] == "/teams/OPS/items/OPS-1"
    assert page.text.count('class="table-fallback"') == len(specs)
    for anchor in ["velocity", "throughput", "cycle-time", "age", "cfd", "unplanned"]:
        assert f'href="/definitions#{anchor}"' in page.text
    assert "/static/vendor/vega-embed-6.29.0.min.js" in page.text and "cdn" not in page.text.lower()
    assert "target-form" not in page.text  # viewers see targets, not the form


def test_the_dashboard_shows_the_outlook_backlog_and_estimation_cards(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "viewer")
    page = client.get(f"/teams/OPS?{RANGE}")
    assert page.status_code == 200
    for card in ["Sprint outlook", "Backlog readiness", "Estimation health"]:
        assert f">{card}</h2>" in page.text
    assert 'href="/teams/OPS/backlog"' in page.text
    assert 'href="/api/v1/teams/OPS/estimation-health"' in page.text
    forecast = client.get("/api/v1/teams/OPS/sprint-forecast")
    assert forecast.status_code == 200
    body = forecast.json()
    assert body["verdict"][:1].upper() + body["verdict"][1:] in page.text.replace("&#39;", "'")
    health = client.get("/api/v1/teams/OPS/estimation-health?weeks=260")
    assert health.status_code == 200 and health.json()["parameters"]["weeks"] == 260
    assert client.get("/api/v1/teams/OPS/sprint-forecast?sprints=0").status_code == 422
    outsider = site.new_client()
    site.sign_in(outsider, "webdev")
    assert outsider.get("/api/v1/teams/OPS/sprint-forecast").status_code == 404


def test_the_range_form_gets_only_the_dashboard_body_over_htmx(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "dev")
    body = client.get(f"/teams/OPS?{RANGE}", headers={"HX-Request": "true", "HX-Target": "dashboard-body"})
    assert body.status_code == 200
    assert body.text.lstrip().startswith('<div id="dashboard-body"') and "<html" not in body.text
    assert "2024-03-01" in body.text and "2024-03-31" in body.text
    backwards = client.get("/teams/OPS?from=2024-03-31&to=2024-03-01")
    assert backwards.status_code == 422 and "swap" in backwards.text


def test_the_item_page_merges_its_history_in_time_order(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "viewer")
    page = client.get("/teams/OPS/items/OPS-1")
    assert page.status_code == 200
    kinds = re.findall(r'<tr class="event-(\w+)">', page.text)
    assert kinds == ["sprint", "status", "status", "status"]
    assert "OPS Sprint 1" in page.text and "Ann Lee" in page.text and "Add SSO" in page.text
    assert client.get("/teams/OPS/items/OPS-404").status_code == 404


def test_the_quality_and_definitions_pages(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "viewer")
    quality = client.get("/teams/OPS/quality")
    assert quality.status_code == 200 and "Missing estimates" in quality.text
    definitions = client.get("/definitions")
    assert 'id="cycle-time"' in definitions.text and 'id="targets"' in definitions.text
    assert "<strong>Cycle time</strong> runs from the item" in definitions.text  # the analytics docstring's words


@pytest.mark.parametrize(
    ("value", "comparator", "threshold", "status"),
    [
        (9.0, "<=", 10.0, "on track"),
        (10.0, "<=", 10.0, "on track"),
        (11.0, "<=", 10.0, "at risk"),
        (11.5, "<=", 10.0, "off track"),
        (0.75, ">=", 0.8, "at risk"),
        (0.7, ">=", 0.8, "off track"),
        (None, ">=", 0.8, "no data"),
    ],
)
def test_target_status_rule(value: float | None, comparator: str, threshold: float, status: str) -> None:
    assert classify(value, comparator, threshold) == status


def test_managers_set_change_and_remove_targets_over_the_api_and_each_change_is_audited(site: Site) -> None:
    pm = {"Authorization": f"Bearer {site.token_for('pm')}"}
    viewer = {"Authorization": f"Bearer {site.token_for('viewer')}"}
    client = site.client
    body = {"metric": "cycle_time.p85", "comparator": "<=", "threshold": 10}
    assert client.post("/api/v1/teams/OPS/targets", json=body, headers=viewer).status_code == 403
    created = client.post("/api/v1/teams/OPS/targets", json=body, headers=pm)
    assert created.status_code == 201, created.text
    assert created.json()["metric"] == "cycle_time.p85" and len(created.json()["trend"]) == 4
    assert client.post("/api/v1/teams/OPS/targets", json=body, headers=pm).status_code == 409
    unknown = client.post("/api/v1/teams/OPS/targets", json={**body, "metric": "cycle_time.p99"}, headers=pm)
    assert unknown.status_code == 422
    assert "'cycle_time.p99' is not a metric" in unknown.json()["error"]["message"]
    assert "cycle_time.p85" in unknown.json()["error"]["message"]  # names the numbers that exist
    not_a_number = client.post("/api/v1/teams/OPS/targets", json={**body, "metric": "cycle_time"}, headers=pm)
    assert not_a_number.status_code == 422
    say_do = {"metric": "say_do.overall.say_do_points", "comparator": ">=", "threshold": 0.8}
    assert client.post("/api/v1/teams/OPS/targets", json=say_do, headers=pm).status_code == 201

    listed = client.get("/api/v1/teams/OPS/targets?limit=1", headers=viewer).json()
    assert listed["page"] == {"limit": 1, "offset": 0, "total": 2}
    assert listed["data"][0]["metric"] == "cycle_time.p85"

    changed = client.put(
        "/api/v1/teams/OPS/targets/cycle_time.p85", json={"comparator": "<=", "threshold": 7}, headers=pm
    )
    assert changed.status_code == 200 and changed.json()["threshold"] == 7
    assert client.delete("/api/v1/teams/OPS/targets/cycle_time.p85", headers=viewer).status_code == 403
    assert client.delete("/api/v1/teams/OPS/targets/cycle_time.p85", headers=pm).status_code == 204
    assert client.delete("/api/v1/teams/OPS/targets/cycle_time.p85", headers=pm).status_code == 404

    with site.db.connect() as conn:
        team = find_team(conn, "OPS")
        assert team is not None
        entries = [e for e in read_audit(conn, team_id=team.id) if e["entity"] == "metric_target"]
    actions = [(e["action"], e["entity_id"]) for e in reversed(entries)]
    assert actions == [
        ("create", "cycle_time.p85"),
        ("create", "say_do.overall.say_do_points"),
        ("update", "cycle_time.p85"),
        ("delete", "cycle_time.p85"),
    ]
    update = next(e for e in entries if e["action"] == "update")
    assert update["before"]["threshold"] == 10 and update["after"]["threshold"] == 7
    assert all(e["actor_label"] == "user:pm" for e in entries)


def test_the_web_form_saves_a_target_with_csrf_and_shows_its_status(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "pm")
    csrf = site.csrf_of(client, f"/teams/OPS?{RANGE}")
    form = {"metric": "cycle_time.p85", "comparator": "<=", "threshold": "3"}
    assert client.post("/teams/OPS/targets", data=form).status_code == 403  # no CSRF token
    saved = client.post("/teams/OPS/targets", data={**form, "csrf_token": csrf})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/teams/OPS")
    again = client.post("/teams/OPS/targets", data={**form, "threshold": "20", "csrf_token": csrf})
    assert again.status_code == 303  # the form saves: a second post changes the threshold
    page = client.get(f"/teams/OPS?{RANGE}")
    assert "<code>cycle_time.p85</code>" in page.text and "&lt;= 20" in page.text
    assert 'class="status status-on-track"' in page.text  # OPS-1 took 8.3 days, within 20
    bad = client.post("/teams/OPS/targets", data={**form, "threshold": "soon", "csrf_token": csrf})
    assert bad.status_code == 422 and "threshold &#39;soon&#39; is not a number" in bad.text


def test_thinning_keeps_every_slow_item_and_an_even_sample_of_the_rest() -> None:
    from cadence.web.charts import thin

    rows = [{"key": f"K-{i}", "days": float(i % 100)} for i in range(5000)]
    kept = thin(rows, "days", above=95.0, limit=800)
    assert len(kept) == 800
    assert sum(1 for r in kept if r["days"] > 95) == 200  # all 4 x 50 of them
    assert kept == sorted(kept, key=lambda r: int(r["key"][2:]))  # original order
    assert thin(rows[:10], "days", above=1.0, limit=800) == rows[:10]


def test_every_charted_metric_has_a_definition_and_docs_metrics_says_the_same() -> None:
    from pathlib import Path

    from cadence.services.metric_definitions import metric_definitions

    definitions = metric_definitions()
    assert all(d.paragraphs for d in definitions), [d.anchor for d in definitions if not d.paragraphs]
    doc = Path(__file__).parents[2] / "docs" / "metrics.md"
    if doc.exists():  # written alongside the analytics; the same words, whitespace aside
        text = " ".join(doc.read_text().split()).replace("``", "`")  # Markdown code marks vs reST ones
        missing = [p[:60] for d in definitions for p in d.paragraphs if p.replace("``", "`") not in text]
        assert not missing, f"definitions not in docs/metrics.md: {missing}"
