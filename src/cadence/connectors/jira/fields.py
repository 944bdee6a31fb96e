"""Which Jira fields hold story points, sprints and the impediment flag — discovered, never hard-coded.

Custom field ids differ on every site (``customfield_10016`` on one, ``customfield_12310293`` on another), and
many sites carry *both* "Story Points" (the classic float field, company-managed projects) and "Story point
estimate" (Jira Software's own ``jsw-story-points`` field, team-managed projects), sometimes several fields of the
same name. A board's configuration names the one field its team estimates with; when it does, that field wins.
Otherwise every plausible field is kept, in order of preference, and an issue's estimate is the first of them that
holds a value — so an issue estimated in either field is counted once, never twice and never lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FieldMap", "discover_fields"]

_STORY_POINTS_TYPES = (
    "com.pyxis.greenhopper.jira:jsw-story-points",  # "Story point estimate"
    "com.atlassian.jira.plugin.system.customfieldtypes:float",  # classic "Story Points"
)
_STORY_POINTS_NAMES = ("story point estimate", "story points")
_SPRINT_TYPE = "com.pyxis.greenhopper.jira:gh-sprint"
_EPIC_LINK_TYPE = "com.pyxis.greenhopper.jira:gh-epic-link"


@dataclass(frozen=True)
class FieldMap:
    """Field ids (for reading values) and names (for reading changelogs, which name fields) of one site."""

    story_points: tuple[str, ...] = ()
    story_point_names: tuple[str, ...] = ("Story Points", "Story point estimate")
    sprint: str | None = None
    epic_link: str | None = None
    flagged: str | None = None

    @property
    def requested(self) -> list[str]:
        """The fields a search asks for: exactly those the converter reads (Cloud refuses to guess)."""
        base = [
            "summary",
            "issuetype",
            "status",
            "priority",
            "assignee",
            "reporter",
            "created",
            "updated",
            "resolutiondate",
            "resolution",
            "labels",
            "components",
            "fixVersions",
            "parent",
            "project",
        ]
        extra = [f for f in (*self.story_points, self.sprint, self.epic_link, self.flagged) if f]
        return base + extra

    def with_board_estimation(self, field_id: str | None, name: str | None = None) -> FieldMap:
        """The board's estimation field first: it is the one the team's velocity is measured in."""
        if not field_id or not field_id.startswith("customfield_"):
            return self  # boards estimating in issue count or original time have no points field
        rest = tuple(f for f in self.story_points if f != field_id)
        names = (name, *(n for n in self.story_point_names if n != name)) if name else self.story_point_names
        return FieldMap((field_id, *rest), names, self.sprint, self.epic_link, self.flagged)


def discover_fields(catalog: Iterable[Mapping[str, Any]], *, board_estimation: str | None = None) -> FieldMap:
    """Read a site's ``/rest/api/{2,3}/field`` catalog into a :class:`FieldMap`.

    Preference among story-point candidates: the board's estimation field; then Jira Software's
    ``jsw-story-points`` field; then float fields named exactly "Story Points" (lowest id first: the oldest is the
    one sites standardised on). "Original story points" and "Actual Story Points" are other measures, never
    estimates.
    """
    candidates: list[tuple[int, int, str]] = []
    sprint = epic_link = flagged = None
    names: dict[str, str] = {}
    for field in catalog:
        field_id = str(field.get("id", ""))
        name = str(field.get("name", ""))
        schema = field.get("schema") or {}
        custom = str(schema.get("custom") or "")
        names[field_id] = name
        named_only = "schema" not in field  # a search's ``names`` map: ids and names, no types
        if (custom == _SPRINT_TYPE or (named_only and name == "Sprint")) and sprint is None:
            sprint = field_id
        elif (custom == _EPIC_LINK_TYPE or (named_only and name == "Epic Link")) and epic_link is None:
            epic_link = field_id
        elif name.lower() == "flagged" and flagged is None:
            flagged = field_id
        elif (custom in _STORY_POINTS_TYPES or named_only) and name.lower() in _STORY_POINTS_NAMES:
            rank = (
                _STORY_POINTS_TYPES.index(custom)
                if custom in _STORY_POINTS_TYPES
                else _STORY_POINTS_NAMES.index(name.lower())
            )
            candidates.append((rank, _numeric_id(field_id), field_id))
    ordered = tuple(field_id for _, _, field_id in sorted(candidates))
    found_names = tuple(dict.fromkeys(names[f] for f in ordered)) or FieldMap().story_point_names
    result = FieldMap(ordered, found_names, sprint, epic_link, flagged)
    return result.with_board_estimation(board_estimation, names.get(board_estimation or ""))


def _numeric_id(field_id: str) -> int:
    digits = field_id.rsplit("_", 1)[-1]
    return int(digits) if digits.isdigit() else 1 << 62
