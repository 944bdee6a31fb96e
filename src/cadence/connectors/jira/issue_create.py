"""Creating a Jira issue for a support ticket escalated to developers: ``POST /rest/api/{2|3}/issue``.

The body is ``{"fields": {"project": {"key": P}, "summary": S, "issuetype": {"name": T}, "description": D}}``;
API v3 (Cloud) takes the description as an Atlassian Document Format paragraph, v2 (Data Center) as plain text.
Jira answers 201 with ``{"id", "key", "self"}``. A POST is not idempotent, so the client's automatic retries are
turned off for it: a timeout is reported, never silently repeated into a second issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadence.connectors.errors import SourceUnavailable
from cadence.connectors.jira.client import BadRequestAnswer, JiraClient, NotFoundAnswer

__all__ = ["CreatedIssue", "create_issue"]


@dataclass(frozen=True)
class CreatedIssue:
    id: str
    key: str


def _description(version: str, text: str) -> Any:
    if version == "2":
        return text
    paragraphs = [p for p in text.split("\n\n") if p.strip()] or [" "]
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs],
    }


def create_issue(
    client: JiraClient, version: str, *, project: str, summary: str, issue_type: str, description: str
) -> CreatedIssue:
    """Create the issue; SourceUnavailable says why Jira refused it (unknown project or type, a required field)."""
    fields = {
        "project": {"key": project},
        "summary": summary[:255],
        "issuetype": {"name": issue_type},
        "description": _description(version, description),
    }
    retries, client.retries = client.retries, 0
    try:
        answer = client.post(f"/rest/api/{version}/issue", {"fields": fields})
    except BadRequestAnswer as refused:
        raise SourceUnavailable(
            f"Jira at {client.base_url} refused to create a {issue_type} in project {project}: "
            f"{refused.body[:300].decode(errors='replace')}",
            project=project,
        ) from None
    except NotFoundAnswer:
        raise SourceUnavailable(f"Jira at {client.base_url} has no issue API at /rest/api/{version}/issue") from None
    finally:
        client.retries = retries
    if not isinstance(answer, dict) or not answer.get("key") or not answer.get("id"):
        raise SourceUnavailable(f"Jira at {client.base_url} created an issue but did not say its key: {answer!r}")
    return CreatedIssue(str(answer["id"]), str(answer["key"]))
