"""Jira issues (REST v2 or v3 shape) and their complete changelogs -> one :class:`RecordBatch`.

Rows refer to each other by Jira's immutable issue *id* (a key changes when an issue moves project). Every change
event is keyed ``<history id>:<item index>``, which Jira never reuses, so re-reading an issue adds nothing and
completing a truncated changelog later adds exactly the missing events.

A changelog that holds fewer histories than its ``total`` is *truncated* (Jira embeds at most 40-100 entries in a
search result); :func:`changelog_is_truncated` says so, and the converter reports a problem for an issue whose
history it was given incomplete rather than storing a partial history silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from cadence.connectors.jira.fields import FieldMap
from cadence.connectors.jira.values import adf_text, parse_sprint, parse_time, person_id, person_row
from cadence.domain import frames as F
from cadence.domain.batch import Problem, RecordBatch

__all__ = ["IssueConverter", "changelog_is_truncated", "embedded_histories", "issue_type"]

_TYPES = {
    "story": "story",
    "new feature": "story",
    "improvement": "story",
    "bug": "bug",
    "defect": "bug",
    "task": "task",
    "epic": "epic",
    "sub-task": "sub-task",
    "subtask": "sub-task",
    "incident": "incident",
}


def issue_type(fields: Mapping[str, Any]) -> str:
    """Cadence's lower-case item type: known Jira names are normalised, others kept (lower-cased)."""
    kind = fields.get("issuetype") or {}
    if kind.get("subtask"):
        return "sub-task"
    name = str(kind.get("name") or "task").lower()
    return _TYPES.get(name, name)


def embedded_histories(issue: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    changelog = issue.get("changelog") or {}
    return list(changelog.get("histories") or changelog.get("values") or [])


def changelog_is_truncated(issue: Mapping[str, Any]) -> bool:
    """True when the embedded changelog says it holds fewer entries than exist (or says nothing about its size)."""
    changelog = issue.get("changelog")
    if not isinstance(changelog, Mapping):
        return True
    total = changelog.get("total")
    held = len(embedded_histories(issue))
    return total is None or held < int(total)


class IssueConverter:
    """Accumulates issues into row lists; :meth:`batch` turns them into frames once (columnar, fast)."""

    def __init__(self, *, source: str, team: str, fields: FieldMap, sprints: dict[str, dict[str, Any]] | None = None):
        self.source = source
        self.team = team
        self.fields = fields
        self.sprints = sprints if sprints is not None else {}
        """Sprint registry shared across batches, so every batch can carry the sprints its events refer to."""
        self._reset()

    def _reset(self) -> None:
        self._sprints_used: set[str] = set()
        self.items: list[dict[str, Any]] = []
        self.people: dict[str, dict[str, Any]] = {}
        self.transitions: list[dict[str, Any]] = []
        self.sprint_changes: list[dict[str, Any]] = []
        self.estimate_changes: list[dict[str, Any]] = []
        self.assignee_changes: list[dict[str, Any]] = []
        self.flag_changes: list[dict[str, Any]] = []
        self.problems: list[Problem] = []
        self.skipped = 0
        self.latest_update: dt.datetime | None = None

    def include_sprints(self, ids: Iterable[str]) -> None:
        """Carry these registry sprints in the next batch even if no issue of it refers to them (a future sprint)."""
        self._sprints_used.update(i for i in ids if i in self.sprints)

    def add(self, issue: Mapping[str, Any], histories: Iterable[Mapping[str, Any]] | None = None) -> None:
        """Add one issue; ``histories`` overrides the embedded changelog (pass the completed one)."""
        key = str(issue.get("key") or issue.get("id") or "?")
        lists = (
            self.items,
            self.transitions,
            self.sprint_changes,
            self.estimate_changes,
            self.assignee_changes,
            self.flag_changes,
        )
        marks = [len(rows) for rows in lists]
        try:
            self._add(issue, embedded_histories(issue) if histories is None else list(histories))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            for rows, mark in zip(lists, marks, strict=True):
                del rows[mark:]  # all of the issue or none of it
            self.skipped += 1
            self.problems.append(Problem(problem=f"issue {key} cannot be read: {error}", record=key))

    def _add(self, issue: Mapping[str, Any], histories: list[Mapping[str, Any]]) -> None:
        fields = issue.get("fields") or {}
        ident = str(issue["id"])
        created = parse_time(fields.get("created"))
        if created is None:
            raise ValueError("it has no 'created' time")
        updated = parse_time(fields.get("updated"))
        if updated is not None and (self.latest_update is None or updated > self.latest_update):
            self.latest_update = updated
        for user in (fields.get("assignee"), fields.get("reporter")):
            self._person(user)
        parent = fields.get("parent") or {}
        parent_is_epic = str(((parent.get("fields") or {}).get("issuetype") or {}).get("name", "")).lower() == "epic"
        epic = fields.get(self.fields.epic_link) if self.fields.epic_link else None
        for raw in fields.get(self.fields.sprint) or () if self.fields.sprint else ():
            self._sprint(parse_sprint(raw))
        self.items.append(
            {
                "source_id": ident,
                "team": self.team,
                "key": str(issue.get("key") or ident),
                "type": issue_type(fields),
                "title": fields.get("summary") or "",
                "description": adf_text(fields.get("description")),
                "priority": (fields.get("priority") or {}).get("name"),
                "status": (fields.get("status") or {}).get("name") or "Unknown",
                "estimate": self._estimate(fields),
                "assignee_id": person_id(fields.get("assignee")),
                "reporter_id": person_id(fields.get("reporter")),
                "labels": [str(v) for v in fields.get("labels") or ()],
                "components": [str(c.get("name")) for c in fields.get("components") or () if isinstance(c, Mapping)],
                "fix_versions": [
                    str(v.get("name"))
                    for v in fields.get("fixVersions") or ()
                    if isinstance(v, Mapping) and v.get("name")
                ],
                "epic_key": str(epic) if isinstance(epic, str) else (parent.get("key") if parent_is_epic else None),
                "parent_key": parent.get("key"),
                "created_at": created,
                "updated_at": updated,
                "resolved_at": parse_time(fields.get("resolutiondate")),
                "resolution": (fields.get("resolution") or {}).get("name"),
                "flagged": bool(fields.get(self.fields.flagged)) if self.fields.flagged else False,
            }
        )
        for history in histories:
            self._history(ident, history)

    def _estimate(self, fields: Mapping[str, Any]) -> float | None:
        for field_id in self.fields.story_points:
            value = fields.get(field_id)
            if isinstance(value, int | float):
                return float(value)
        return None

    def _person(self, user: object) -> str | None:
        row = person_row(user)
        if row is not None:
            known = self.people.setdefault(row["source_id"], row)
            if known is not row:  # keep the fullest description seen (an e-mail is often hidden somewhere)
                known.update({k: v for k, v in row.items() if v and not known.get(k)})
        return person_id(user)

    def _sprint(self, sprint: dict[str, Any] | None) -> None:
        if sprint is None:
            return
        known = self.sprints.get(sprint["source_id"], {})
        # what the registry knows (the board's sprint list) wins over an issue's copy, so records never flip
        merged = {**sprint, **{k: v for k, v in known.items() if v is not None}}
        self.sprints[sprint["source_id"]] = merged
        self._sprints_used.add(sprint["source_id"])

    def _history(self, ident: str, history: Mapping[str, Any]) -> None:
        at = parse_time(history.get("created"))
        if at is None:
            raise ValueError(f"changelog entry {history.get('id')} has no time")
        by = self._person(history.get("author"))
        for index, item in enumerate(history.get("items") or ()):
            name = str(item.get("field") or "")
            field_id = item.get("fieldId")
            key = f"{history.get('id')}:{index}"
            base = {"item_source_id": ident, "event_key": key, "at": at, "by_id": by}
            if field_id == "status" or (field_id is None and name.lower() == "status"):
                self.transitions.append(
                    {**base, "from_status": item.get("fromString"), "to_status": item.get("toString")}
                )
            elif field_id == "assignee" or (field_id is None and name.lower() == "assignee"):
                self.assignee_changes.append({**base, "from_id": item.get("from"), "to_id": item.get("to")})
            elif name == "Sprint" or (field_id is not None and field_id == self.fields.sprint):
                self._sprint_change(base, item)
            elif name in self.fields.story_point_names or (
                field_id is not None and field_id in self.fields.story_points
            ):
                base.update(from_value=_number(item.get("fromString")), to_value=_number(item.get("toString")))
                self.estimate_changes.append(base)
            elif name == "Flagged" or (field_id is not None and field_id == self.fields.flagged):
                self.flag_changes.append({**base, "flagged": bool(item.get("toString"))})

    def _sprint_change(self, base: dict[str, Any], item: Mapping[str, Any]) -> None:
        """The Sprint field's changelog carries comma-separated sprint ids (and names in the same order)."""
        before = _ids(item.get("from"))
        after = _ids(item.get("to"))
        for ids, names in ((before, item.get("fromString")), (after, item.get("toString"))):
            labels = [n.strip() for n in str(names or "").split(",")] if names else []
            for position, sprint_id in enumerate(ids):
                name = labels[position] if len(labels) == len(ids) else f"Sprint {sprint_id}"
                if sprint_id not in self.sprints:
                    self.sprints[sprint_id] = {"source_id": sprint_id, "name": name}
        for change, ids in (
            ("added", [s for s in after if s not in before]),
            ("removed", [s for s in before if s not in after]),
        ):
            for sprint_id in ids:
                row = {**base, "event_key": f"{base['event_key']}:{change[0]}{sprint_id}"}
                self.sprint_changes.append({**row, "sprint_id": sprint_id, "change": change})
                self._sprints_used.add(sprint_id)

    def batch(self) -> RecordBatch:
        """The accumulated rows as frames; the converter can then be reused for the next page."""
        sprints = [
            {"team": self.team, "state": "unknown", **{k: v for k, v in self.sprints[s].items() if v is not None}}
            for s in sorted(self._sprints_used)
        ]
        batch = RecordBatch(
            source=self.source,
            teams=pl.DataFrame([{"key": self.team, "name": self.team, "timezone": "UTC"}], schema=dict(F.TEAMS)),
            people=_frame(list(self.people.values()), F.PEOPLE),
            sprints=_frame(sprints, F.SPRINTS),
            items=_frame(self.items, F.ITEMS),
            transitions=_frame(self.transitions, F.TRANSITIONS),
            sprint_changes=_frame(self.sprint_changes, F.SPRINT_CHANGES),
            estimate_changes=_frame(self.estimate_changes, F.ESTIMATE_CHANGES),
            assignee_changes=_frame(self.assignee_changes, F.ASSIGNEE_CHANGES),
            flag_changes=_frame(self.flag_changes, F.FLAG_CHANGES),
            problems=tuple(self.problems),
        )
        self._reset()
        return batch


def _frame(rows: list[dict[str, Any]], schema: F.Schema) -> pl.DataFrame:
    if not rows:
        return F.empty(schema)
    return pl.DataFrame(rows, schema=dict(schema), strict=False)


def _ids(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _number(value: object) -> float | None:
    try:
        return None if value in (None, "") else float(str(value))
    except ValueError:
        return None
