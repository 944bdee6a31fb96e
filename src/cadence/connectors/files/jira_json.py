"""A saved Jira search response or list of issues (REST v2 or v3 shape, with changelogs) -> one batch.

Accepted shapes: a v2 page (``startAt``/``maxResults``/``total``/``issues``), a v3 page (``issues`` and perhaps
``nextPageToken``), a bare list of issues, or a single issue. When the page says more issues exist than it holds,
or an issue's changelog holds fewer entries than its ``total``, the import stores what is there and reports the
gap: a file cannot be completed, a sync of the site can. Problems locate an issue by its position in the file
(``line`` is the 1-based issue number) and the field at fault (``column``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cadence.connectors.files.text import open_text
from cadence.connectors.jira.fields import FieldMap, discover_fields
from cadence.connectors.jira.issues import IssueConverter, changelog_is_truncated, embedded_histories
from cadence.connectors.source import SourceBatch
from cadence.domain.batch import Problem
from cadence.domain.errors import InputError

__all__ = ["issues_of", "read_jira_json"]


def issues_of(document: object) -> tuple[list[Any], list[Problem], Mapping[str, Any]]:
    """The issues a document holds, problems about the page itself, and the ``names`` map (id -> field name)."""
    problems: list[Problem] = []
    if isinstance(document, list):
        return document, problems, {}
    if not isinstance(document, Mapping):
        raise InputError("the JSON document is neither a search response, a list of issues nor an issue")
    if "issues" not in document:
        if "fields" in document and "id" in document:
            return [document], problems, document.get("names") or {}
        raise InputError("the JSON document has no 'issues' list (is it a Jira search response?)")
    issues = list(document.get("issues") or [])
    total, start = document.get("total"), int(document.get("startAt") or 0)
    if isinstance(total, int) and start + len(issues) < total:
        problems.append(Problem(problem=f"the file holds issues {start + 1}-{start + len(issues)} of {total}"))
    if document.get("nextPageToken"):
        problems.append(Problem(problem="the file is one page of a longer search (it has a nextPageToken)"))
    return issues, problems, document.get("names") or {}


def read_jira_json(path: Path, *, source: str, team: str, fields: FieldMap | None = None) -> SourceBatch:
    with open_text(path) as handle:
        try:
            document = json.load(handle)
        except json.JSONDecodeError as error:
            raise InputError(
                f"{path.name} line {error.lineno}: not valid JSON: {error.msg}", line=error.lineno
            ) from None
    issues, problems, names = issues_of(document)
    catalog = [{"id": field_id, "name": name} for field_id, name in names.items()]
    converter = IssueConverter(source=source, team=team, fields=fields or discover_fields(catalog))
    skipped = 0
    for number, issue in enumerate(issues, start=1):
        if not isinstance(issue, Mapping) or "id" not in issue or not isinstance(issue.get("fields"), Mapping):
            skipped += 1
            problems.append(Problem(problem="not a Jira issue (it needs 'id' and 'fields')", line=number))
            continue
        key = str(issue.get("key") or issue["id"])
        if "changelog" in issue and changelog_is_truncated(issue):
            held, total = len(embedded_histories(issue)), (issue["changelog"] or {}).get("total")
            of = total if total is not None else "an unknown number of"
            problems.append(
                Problem(
                    problem=f"changelog of {key} holds {held} of {of} entries; its history is incomplete "
                    "(sync the site to complete it)",
                    line=number,
                    column="changelog",
                    record=key,
                )
            )
        before = converter.skipped
        converter.add(issue)
        if converter.skipped > before:
            last = converter.problems.pop()
            problems.append(Problem(problem=last.problem, line=number, record=key))
    skipped += converter.skipped
    batch = converter.batch()
    return SourceBatch(batch=replace(batch, problems=tuple(problems)), skipped=skipped, read=len(issues))
