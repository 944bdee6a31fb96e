"""Hand-made item histories: each item is a created time plus its status moves, so expected values are obvious."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from cadence.analytics.history import FlowHistory, build_history
from cadence.analytics.milestones import item_milestones
from cadence.analytics.workflow import DEFAULT_WORKFLOW, Workflow
from cadence.domain import frames as F

UTC = dt.UTC

Move = tuple[dt.datetime, str]  # (at, to_status)


def ts(*parts: int, tz: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=tz)  # type: ignore[misc]


class Team:
    """Collects items and their moves; ``items()`` and ``transitions()`` return read frames."""

    def __init__(self) -> None:
        self._items: list[dict[str, object]] = []
        self._moves: list[dict[str, object]] = []

    def item(
        self,
        item_id: int,
        created: dt.datetime,
        moves: Sequence[Move] = (),
        *,
        initial: str = "Backlog",
        type: str = "story",
        estimate: float | None = 3.0,
        labels: Sequence[str] = (),
        resolution: str | None = None,
    ) -> Team:
        status = initial
        for at, to in moves:
            self._moves.append({"item_id": item_id, "from_status": status, "to_status": to, "at": at})
            status = to
        self._items.append(
            {
                "item_id": item_id,
                "team_id": 1,
                "key": f"T-{item_id}",
                "type": type,
                "status": status,
                "estimate": estimate,
                "created_at": created,
                "labels": list(labels),
                "resolution": resolution,
            }
        )
        return self

    def items(self) -> pl.DataFrame:
        if not self._items:
            return F.empty(F.READ_ITEMS)
        return F.conform(pl.DataFrame(self._items, schema_overrides={"labels": pl.List(pl.String)}), F.READ_ITEMS)

    def transitions(self) -> pl.DataFrame:
        if not self._moves:
            return F.empty(F.READ_TRANSITIONS)
        return F.conform(pl.DataFrame(self._moves), F.READ_TRANSITIONS)

    def history(self, workflow: Workflow = DEFAULT_WORKFLOW, **kwargs: object) -> FlowHistory:
        return build_history(self.items(), self.transitions(), workflow, **kwargs)  # type: ignore[arg-type]

    def milestones(self, workflow: Workflow = DEFAULT_WORKFLOW) -> pl.DataFrame:
        return item_milestones(self.history(workflow).intervals, self.items(), workflow)


def days(hours: float = 0, *, d: float = 0, minutes: float = 0) -> float:
    """A duration in fractional days."""
    return d + hours / 24 + minutes / 1440


def row(frame: pl.DataFrame, item_id: int) -> dict[str, object]:
    rows = frame.filter(pl.col("item_id") == item_id).to_dicts()
    assert len(rows) == 1, f"expected one row for item {item_id}, got {len(rows)}"
    return rows[0]
