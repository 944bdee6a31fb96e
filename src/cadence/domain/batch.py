"""What a connector hands to the store: frames of records from one source, plus what it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import polars as pl

__all__ = ["Problem", "RecordBatch"]


@dataclass(frozen=True)
class Problem:
    """One record that could not be used, located so a person can fix it (``line``/``column`` of a file, or an id)."""

    problem: str
    line: int | None = None
    column: str | None = None
    record: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "problem": self.problem, "record": self.record}


@dataclass(frozen=True)
class RecordBatch:
    """Frames following :mod:`cadence.domain.frames`; any may be ``None`` when the source has none of that kind.

    Frames refer to one another by the source's ids, so a batch is self-contained and can be written in one
    transaction. Records whose references cannot be resolved are skipped and reported, never guessed.
    """

    source: str
    teams: pl.DataFrame | None = None
    people: pl.DataFrame | None = None
    memberships: pl.DataFrame | None = None
    sprints: pl.DataFrame | None = None
    items: pl.DataFrame | None = None
    transitions: pl.DataFrame | None = None
    sprint_changes: pl.DataFrame | None = None
    estimate_changes: pl.DataFrame | None = None
    assignee_changes: pl.DataFrame | None = None
    flag_changes: pl.DataFrame | None = None
    item_links: pl.DataFrame | None = None
    tickets: pl.DataFrame | None = None
    ticket_events: pl.DataFrame | None = None
    ticket_links: pl.DataFrame | None = None
    meetings: pl.DataFrame | None = None
    check_ins: pl.DataFrame | None = None
    impediments: pl.DataFrame | None = None
    risks: pl.DataFrame | None = None
    action_items: pl.DataFrame | None = None
    problems: tuple[Problem, ...] = field(default=())

    def frames(self) -> dict[str, pl.DataFrame]:
        """The non-empty frames by name, in the order they must be written."""
        out: dict[str, pl.DataFrame] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, pl.DataFrame) and value.height:
                out[f.name] = value
        return out
