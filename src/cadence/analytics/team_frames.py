"""The frames one team's metrics are computed from, as the store's read models return them."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import polars as pl

from cadence.domain import frames as F

__all__ = ["ESCALATED_BUGS", "SPRINTS", "TeamFrames"]

SPRINTS: F.Schema = F.READ_SPRINTS

ESCALATED_BUGS: F.Schema = F.READ_ESCALATED_BUGS

_SCHEMAS: dict[str, F.Schema] = {
    "items": F.READ_ITEMS,
    "transitions": F.READ_TRANSITIONS,
    "sprints": SPRINTS,
    "sprint_changes": F.READ_SPRINT_CHANGES,
    "estimate_changes": F.READ_ESTIMATE_CHANGES,
    "flag_changes": F.READ_FLAG_CHANGES,
    "escalated_bugs": ESCALATED_BUGS,
}


def _empty(name: str) -> pl.DataFrame:
    return F.empty(_SCHEMAS[name])


@dataclass(frozen=True)
class TeamFrames:
    """One team's read frames; any may be empty (a Kanban team has no sprints)."""

    items: pl.DataFrame = field(default_factory=lambda: _empty("items"))
    transitions: pl.DataFrame = field(default_factory=lambda: _empty("transitions"))
    sprints: pl.DataFrame = field(default_factory=lambda: _empty("sprints"))
    sprint_changes: pl.DataFrame = field(default_factory=lambda: _empty("sprint_changes"))
    estimate_changes: pl.DataFrame = field(default_factory=lambda: _empty("estimate_changes"))
    flag_changes: pl.DataFrame = field(default_factory=lambda: _empty("flag_changes"))
    escalated_bugs: pl.DataFrame = field(default_factory=lambda: _empty("escalated_bugs"))

    def conformed(self) -> TeamFrames:
        """Every frame with exactly its schema's columns and types (absent optional columns become nulls)."""
        return replace(
            self, **{f.name: F.conform(getattr(self, f.name), _SCHEMAS[f.name], name=f.name) for f in fields(self)}
        )
