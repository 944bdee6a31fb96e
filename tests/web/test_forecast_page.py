"""The forecast API with a scope, and the forecast page: a viewer's form, table, track record and burn-up spec."""

from __future__ import annotations

import json
import re
from html import unescape

from tests.web.conftest import Site


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_api_forecasts_a_label_and_keeps_the_team_contract(site: Site) -> None:
    headers = _bearer(site.token_for("viewer"))
    scoped = site.client.get("/api/v1/teams/OPS/forecast", params={"label": "auth"}, headers=headers)
    assert scoped.status_code == 200, scoped.text
    body = scoped.json()
    assert body["scope"] == {"kind": "label", "value": "auth"}
    assert body["counts"] == {"total": 1, "delivered": 1, "removed": 0, "remaining": 0}
    assert len(set(body["when"]["dates"].values())) == 1  # nothing left: done today at every confidence
    assert len(body["burn_up"]["cone"]) == 1 and body["burn_up"]["reached"]
    assert {"history", "cone", "projected_scope"} <= body["burn_up"].keys()
    assert {"origins", "p85_coverage", "horizon_days"} <= body["track_record"].keys()
    team = site.client.get("/api/v1/teams/OPS/forecast", params={"items": 3}, headers=headers)
    assert team.status_code == 200 and "scope" not in team.json() and team.json()["when"]["items"] == 3


def test_the_api_names_a_bad_scope(site: Site) -> None:
    headers = _bearer(site.token_for("viewer"))
    both = site.client.get("/api/v1/teams/OPS/forecast", params={"epic": "OPS-9", "label": "auth"}, headers=headers)
    assert both.status_code == 422 and "epic 'OPS-9', label 'auth'" in both.json()["error"]["message"]
    unknown = site.client.get("/api/v1/teams/OPS/forecast", params={"version": "9.9"}, headers=headers)
    assert unknown.status_code == 422 and "'9.9'" in unknown.json()["error"]["message"]
    growth = site.client.get("/api/v1/teams/OPS/forecast", params={"label": "auth", "scope_growth": 1}, headers=headers)
    assert growth.status_code == 422
    other = site.client.get(
        "/api/v1/teams/OPS/forecast", params={"label": "auth"}, headers=_bearer(site.token_for("webdev"))
    )
    assert other.status_code == 404


def test_the_page_shows_the_table_track_record_and_burn_up_to_a_viewer(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "viewer")
    team = client.get("/teams/OPS/forecast")
    assert team.status_code == 200
    html = team.text
    assert 'name="epic"' in html and 'name="version"' in html and 'name="label"' in html
    assert "P85" in html and "Track record" in html and "chance of at least" in html
    assert 'data-chart="burn-up"' not in html  # no scope, no burn-up
    scoped = client.get("/teams/OPS/forecast", params={"label": "auth", "until": "", "items": ""})
    assert scoped.status_code == 200, scoped.text
    spec = re.search(r"data-chart=\"burn-up\" data-spec='([^']+)'", scoped.text)
    assert spec, scoped.text
    layers = json.loads(unescape(spec.group(1)))["layer"]
    series = {row["series"] for row in layers[1]["data"]["values"]}
    assert series == {"Delivered", "Scope"}
    assert "1 remaining" not in scoped.text and "0 remaining" in scoped.text
    assert 'aria-current="page">Forecast' in scoped.text


def test_the_page_explains_bad_input_and_keeps_the_form(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "viewer")
    unknown = client.get("/teams/OPS/forecast", params={"epic": "OPS-404"})
    assert unknown.status_code == 422 and "OPS-404" in unknown.text and 'role="alert"' in unknown.text
    past = client.get("/teams/OPS/forecast", params={"label": "auth", "until": "2020-01-01"})
    assert past.status_code == 422 and "2020-01-01" in past.text
    typo = client.get("/teams/OPS/forecast", params={"until": "next week"})
    assert typo.status_code == 422 and "next week" in typo.text
    assert client.get("/teams/WEB/forecast").status_code == 404
