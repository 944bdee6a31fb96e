"""Writing an agreed estimate back to a Jira issue's story-point field — the one write Cadence makes to Jira.

``PUT /rest/api/{2|3}/issue/{key}`` with ``{"fields": {FIELD: points}}``. The field is discovered from the site's
``/field`` catalog exactly as a sync reads it (:func:`~cadence.connectors.jira.fields.discover_fields`: the board's
estimation field when known, else "Story point estimate", else "Story Points").

Jira answers 400 with ``errors: {"customfield_10016": "Field 'customfield_10016' cannot be set. It is not on the
appropriate screen, or unknown."}`` when the field is missing from the issue's *edit screen*: that becomes
:class:`EstimateFieldNotOnScreen`, naming the field and the screen to fix. A PUT sets a value, so repeating it is
harmless and the client's retries of 5xx answers stay safe.
"""

from __future__ import annotations

from typing import Any

import httpx

from cadence.connectors.errors import SourceUnavailable
from cadence.connectors.jira.client import BadRequestAnswer, JiraClient, NotFoundAnswer
from cadence.connectors.jira.fields import discover_fields

__all__ = ["EstimateFieldNotOnScreen", "write_story_points"]


class EstimateFieldNotOnScreen(SourceUnavailable):
    """Jira refused the story-point value because the field is not on the issue's edit screen (or unknown)."""

    code = "jira_field_not_on_screen"
    http_status = 409


def write_story_points(client: JiraClient, version: str, issue_key: str, points: float) -> str:
    """Set ``issue_key``'s story points to ``points``; returns the field id written."""
    catalog = client.get(f"/rest/api/{version}/field")
    candidates = discover_fields(catalog).story_points
    if not candidates:
        raise SourceUnavailable(
            f"Jira at {client.base_url} has no story-point field ('Story point estimate' or 'Story Points'); "
            "add one to the project to receive estimates",
            issue=issue_key,
        )
    field = candidates[0]
    value: float | int = int(points) if float(points).is_integer() else points
    try:
        client.put(f"/rest/api/{version}/issue/{issue_key}", {"fields": {field: value}})
    except BadRequestAnswer as refused:
        raise _refusal(client, issue_key, field, refused.body) from None
    except NotFoundAnswer:
        raise SourceUnavailable(f"Jira at {client.base_url} has no issue {issue_key} (HTTP 404)") from None
    return field


def _refusal(client: JiraClient, issue_key: str, field: str, body: bytes) -> SourceUnavailable:
    try:
        answer: Any = httpx.Response(400, content=body).json()
    except ValueError:
        answer = {}
    errors = answer.get("errors") if isinstance(answer, dict) else None
    said = str((errors or {}).get(field) or "")
    if "appropriate screen" in said or "cannot be set" in said:
        return EstimateFieldNotOnScreen(
            f"Jira at {client.base_url} refused the estimate of {issue_key}: field {field} is not on the issue's "
            f"edit screen; add it to the edit screen of {issue_key.split('-')[0]}'s issue types "
            f"(Project settings > Screens) and save the estimate again. Jira said: {said}",
            issue=issue_key,
            field=field,
        )
    detail = said or str(answer)[:200]
    return SourceUnavailable(
        f"Jira at {client.base_url} refused the estimate of {issue_key} (HTTP 400): {detail}",
        issue=issue_key,
        field=field,
    )
