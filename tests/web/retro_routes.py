"""What tests/web/test_routes.py needs to call every retro route: a fresh retro in the state the route acts in, the
ids to put in its path, and its request body."""

from __future__ import annotations

from typing import Any

import httpx

IDS: dict[str, dict[str, str]] = {}
"""Per team: the ``{retro_id}``, ``{card_id}`` and ``{action_id}`` of the retro prepared for the next call."""


def _state_for(method: str, path: str) -> str:
    """The state a route needs its retro in."""
    if path.endswith("/group"):
        return "grouping"
    if path.endswith(("/vote", "/unvote", "/votes")):
        return "voting"
    if path.endswith(("/notes", "/action", "/actions")) or (method == "PATCH" and "{card_id}" in path):
        return "discussing"
    return "collecting"


def prepare_retro(client: httpx.Client, method: str, path: str, team: str) -> None:
    """As the superuser: a retro with one card, in the route's state (and, for a previous action, a closed retro with
    an open action before it)."""
    if "/retros/{retro_id}" not in path:
        return
    base = f"/api/v1/teams/{team}/retros"

    def post(url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = client.post(url, json=body or {})
        assert response.status_code in {200, 201}, response.text
        return response.json()  # type: ignore[no-any-return]

    action_id = "1"
    if "{action_id}" in path:
        earlier = post(base, {"health_check": False})
        post(f"{base}/{earlier['id']}/cards", {"lane": "Stop", "text": "Slow builds"})
        for state in ("grouping", "voting", "discussing"):
            post(f"{base}/{earlier['id']}/state", {"state": state})
        card = client.get(f"{base}/{earlier['id']}").json()["cards"][0]["id"]
        action_id = str(post(f"{base}/{earlier['id']}/cards/{card}/actions", {"title": "Cache builds"})["id"])
        post(f"{base}/{earlier['id']}/state", {"state": "closed"})
    retro = post(base, {"health_check": True})
    post(f"{base}/{retro['id']}/cards", {"lane": "Start", "text": "Pair more"})
    target = _state_for(method, path)
    for state in ("grouping", "voting", "discussing"):
        if target == "collecting" or ("grouping", "voting", "discussing").index(state) > (
            "grouping", "voting", "discussing").index(target):  # fmt: skip
            break
        post(f"{base}/{retro['id']}/state", {"state": state})
    cards = client.get(f"{base}/{retro['id']}").json()["cards"]  # hidden while collecting: no card route then
    card_id = cards[0]["id"] if cards else 1
    IDS[team] = {"retro_id": str(retro["id"]), "card_id": str(card_id), "action_id": action_id}


def fill_retro(path: str, team: str) -> str:
    if "/retros/" not in path:
        return path
    ids = IDS.get(team, {"retro_id": "1", "card_id": "1", "action_id": "1"})
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def retro_body(method: str, path: str) -> dict[str, Any] | None:
    """The request body of a retro route (None: not a retro route)."""
    if "/retros" not in path or method == "GET":
        return None if "/retros" not in path else {}
    api = path.startswith("/api/")
    if path.endswith("/retros"):
        body: dict[str, Any] = {"format": "start_stop_continue"}
    elif path.endswith("/state"):
        body = {"state": "grouping"}
    elif path.endswith("/cards"):
        body = {"lane": "Stop", "text": "Too many meetings"}
    elif path.endswith("/group"):
        body = {"under": None} if api else {"under": ""}
    elif path.endswith(("/actions", "/action")):
        body = {"title": "Cache the build"}
    elif "/previous-actions/" in path:
        body = {"status": "open"}
    elif path.endswith("/notes") or method == "PATCH":
        body = {"notes": "Agreed"}
    elif path.endswith("/health"):
        body = {"answers": {"fun": "green"}} if api else {"light_fun": "green"}
    else:
        body = {}
    if method == "DELETE":
        return {}
    return {"json": body} if api else {"data": body}
