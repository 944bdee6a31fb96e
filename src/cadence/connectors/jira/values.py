"""Reading single Jira values: timestamps, people, rich text, sprint descriptors — the same in REST v2 and v3."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["adf_text", "parse_sprint", "parse_time", "person_id", "person_row"]

_SPRINT_PAIR = re.compile(r"(\w+)=(.*?)(?=,\w+=|\]$)")


def parse_time(value: object) -> dt.datetime | None:
    """Jira's ``2013-07-03T00:16:13.737+0000`` (or any ISO 8601 instant) as aware UTC; ``None`` when absent.

    A value without an offset is refused (``ValueError``): guessing a zone would shift every duration.
    """
    if value is None or value == "":
        return None
    parsed = dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp '{value}' has no UTC offset")
    return parsed.astimezone(dt.UTC)


def person_id(user: object) -> str | None:
    """Cloud identifies people by ``accountId``; Data Center by ``key`` (stable) or ``name``."""
    if not isinstance(user, Mapping):
        return None if user is None else str(user)
    for field in ("accountId", "key", "name"):
        if user.get(field):
            return str(user[field])
    return None


def person_row(user: object) -> dict[str, Any] | None:
    ident = person_id(user)
    if ident is None or not isinstance(user, Mapping):
        return None
    return {"source_id": ident, "display_name": user.get("displayName") or ident, "email": user.get("emailAddress")}


def adf_text(value: object) -> str | None:
    """Plain text of a v3 Atlassian Document Format body (v2 already sends a string)."""
    if value is None or isinstance(value, str):
        return value
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            if node.get("type") == "text":
                parts.append(str(node.get("text", "")))
            for child in node.get("content") or ():
                walk(child)
            if node.get("type") in {"paragraph", "heading", "listItem"}:
                parts.append("\n")
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(value)
    return "".join(parts).strip() or None


def parse_sprint(value: object) -> dict[str, Any] | None:
    """A sprint as the Sprint field carries it: an object (Cloud, recent DC) or Data Center's ``toString`` form.

    ``com.atlassian.greenhopper.service.sprint.Sprint@1f[id=1,rapidViewId=3,state=CLOSED,name=S 1,...]``: the
    values are split on the known ``,key=`` boundaries so a sprint name containing a comma stays whole.
    """
    if isinstance(value, Mapping):
        raw = {str(k): v for k, v in value.items()}
        board = raw.get("boardId", raw.get("originBoardId"))
    elif isinstance(value, str) and "[" in value:
        raw = {k: (None if v == "<null>" else v) for k, v in _SPRINT_PAIR.findall(value[value.index("[") + 1 :])}
        board = raw.get("rapidViewId")
    else:
        return None
    if raw.get("id") in (None, ""):
        return None
    return {
        "source_id": str(raw["id"]),
        "name": raw.get("name") or f"Sprint {raw['id']}",
        "state": str(raw.get("state") or "").lower() or None,
        "start_at": _maybe_time(raw.get("startDate")),
        "end_at": _maybe_time(raw.get("endDate")),
        "completed_at": _maybe_time(raw.get("completeDate")),
        "goal": raw.get("goal") or None,
        "board": None if board in (None, "") else str(board),
    }


def _maybe_time(value: object) -> dt.datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None
