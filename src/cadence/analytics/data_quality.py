"""Data quality: what in the history makes a metric less trustworthy. Shown, never silently fixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from cadence.analytics.history import FlowHistory
from cadence.analytics.serialize import json_rows
from cadence.analytics.workflow import UnmappedStatus

__all__ = ["DataQualityReport", "assess_data_quality"]


@dataclass(frozen=True)
class DataQualityReport:
    """Each frame lists the offending rows; ``to_dict`` gives counts and a sample of each."""

    unmapped_statuses: tuple[UnmappedStatus, ...]
    done_without_commitment: pl.DataFrame  # item_id, key, start_stage, inferred_from
    odd_durations: pl.DataFrame  # item_id, key, stage, entered_at, left_at, hours, kind (zero | negative)
    out_of_order: pl.DataFrame  # item_id, row, at, previous_at, from_status, previous_to_status, problem
    missing_estimates: pl.DataFrame  # item_id, key, type
    partial_statuses: pl.DataFrame  # status, first_seen, last_seen, entries, change (appeared | disappeared | both)
    orphan_transitions: int
    items_without_history: int

    def to_dict(self, sample: int = 20) -> dict[str, Any]:
        frames = {
            "done_without_commitment": self.done_without_commitment,
            "odd_durations": self.odd_durations,
            "out_of_order": self.out_of_order,
            "missing_estimates": self.missing_estimates,
            "partial_statuses": self.partial_statuses,
        }
        out: dict[str, Any] = {
            "unmapped_statuses": [
                {"status": u.status, "count": u.count, "category": u.category, "fallback_stage": u.fallback_stage}
                for u in self.unmapped_statuses
            ]
        }
        for name, frame in frames.items():
            out[name] = {"count": frame.height, "sample": json_rows(frame, sample)}
        out["odd_durations"]["negative"] = int((self.odd_durations["kind"] == "negative").sum())
        out["missing_estimates"]["by_type"] = json_rows(
            self.missing_estimates.group_by("type").len(name="count").sort("count", "type", descending=[True, False])
        )
        out["orphan_transitions"] = self.orphan_transitions
        out["items_without_history"] = self.items_without_history
        return out


def assess_data_quality(
    history: FlowHistory,
    milestones: pl.DataFrame,
    items: pl.DataFrame,
    transitions: pl.DataFrame,
    *,
    partial_margin: float = 0.1,
) -> DataQualityReport:
    """The **data-quality report** lists: statuses the workflow does not map (with counts and where they went); items
    done without passing the commitment point (and the stage their start was inferred from); stage visits of zero or
    negative duration; transitions out of order in stored order (a ``from_status`` that is not the previous
    ``to_status``, or a timestamp before the previous one); committed items without an estimate; statuses used in only
    part of the history (a sign the workflow changed); transitions of unknown items; items with no usable history.

    Check one team's frames. ``partial_margin``: a status first used after the first 10% of the history's time
    span, or last used before its last 10%, counts as used in only part of it.
    """
    keys = milestones.select("item_id", "key")
    start_index = pl.col("start_stage").to_physical()
    workflow = history.workflow
    skipped = milestones.filter(pl.col("done") & (start_index != workflow.commitment_index)).select(
        "item_id",
        "key",
        "start_stage",
        pl.when(start_index == workflow.delivery_index)
        .then(pl.lit("moved straight to done: start = done"))
        .otherwise(pl.lit("skipped the commitment stage: start = first later stage entered"))
        .alias("inferred_from"),
    )
    return DataQualityReport(
        unmapped_statuses=history.unmapped,
        done_without_commitment=skipped,
        odd_durations=_odd_durations(history.intervals, keys),
        out_of_order=_out_of_order(transitions),
        missing_estimates=milestones.filter(pl.col("start_at").is_not_null() & pl.col("estimate").is_null()).select(
            "item_id", "key", "type"
        ),
        partial_statuses=_partial_statuses(history.statuses, partial_margin),
        orphan_transitions=history.orphan_transitions,
        items_without_history=items.height - milestones.height,
    )


def _odd_durations(intervals: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    length = (pl.col("left_at") - pl.col("entered_at")).dt.total_microseconds()
    return (
        intervals.filter(length <= 0)
        .select(
            "item_id",
            "stage",
            "entered_at",
            "left_at",
            (length / 3_600_000_000).alias("hours"),
            pl.when(length < 0).then(pl.lit("negative")).otherwise(pl.lit("zero")).alias("kind"),
        )
        .join(keys, on="item_id", how="left", maintain_order="left")
        .select("item_id", "key", "stage", "entered_at", "left_at", "hours", "kind")
    )


def _out_of_order(transitions: pl.DataFrame) -> pl.DataFrame:
    frame = transitions.select("item_id", "from_status", "to_status", "at")
    # The store returns an item's rows together, in item order: then "previous" is a plain shift.
    grouped = frame.height < 2 or bool(frame.select((pl.col("item_id").diff().fill_null(0) >= 0).all()).item())

    def previous(column: str) -> pl.Expr:
        shifted = pl.col(column).shift(1)
        if grouped:
            return pl.when(pl.col("item_id") == pl.col("item_id").shift(1)).then(shifted)
        return shifted.over("item_id")

    broken_chain = (pl.col("from_status") != previous("to_status")).fill_null(False)
    backwards = (pl.col("at") < previous("at")).fill_null(False)
    # One fused pass finds the offending rows; only they get described.
    offending = frame.select(broken_chain | backwards).to_series()
    return (
        frame.with_row_index("row")
        .with_columns(previous("to_status").alias("previous_to_status"), previous("at").alias("previous_at"))
        .filter(offending)
        .select(
            "item_id",
            "row",
            "at",
            "previous_at",
            "from_status",
            "previous_to_status",
            pl.when(pl.col("at") < pl.col("previous_at"))
            .then(pl.lit("timestamp before the previous transition"))
            .otherwise(pl.lit("from_status is not the previous to_status"))
            .alias("problem"),
        )
        if offending.any()
        else pl.DataFrame(schema=_OUT_OF_ORDER)
    )


_OUT_OF_ORDER: dict[str, pl.DataType] = {
    "item_id": pl.Int64(),
    "row": pl.UInt32(),
    "at": pl.Datetime("us", "UTC"),
    "previous_at": pl.Datetime("us", "UTC"),
    "from_status": pl.String(),
    "previous_to_status": pl.String(),
    "problem": pl.String(),
}


def _partial_statuses(statuses: pl.DataFrame, margin: float) -> pl.DataFrame:
    usage = statuses.group_by("status").agg(
        pl.col("entered_at").min().alias("first_seen"),
        pl.col("entered_at").max().alias("last_seen"),
        pl.len().cast(pl.Int64).alias("entries"),
    )
    if statuses.height == 0:
        return usage.with_columns(pl.lit(None, pl.String).alias("change"))
    lo, hi = statuses["entered_at"].min(), statuses["entered_at"].max()
    span = (hi - lo) * margin  # type: ignore[operator]
    appeared = pl.col("first_seen") > pl.lit(lo + span)  # type: ignore[operator]
    disappeared = pl.col("last_seen") < pl.lit(hi - span)  # type: ignore[operator]
    change = (
        pl.when(appeared & disappeared)
        .then(pl.lit("appeared and disappeared"))
        .when(appeared)
        .then(pl.lit("appeared"))
        .when(disappeared)
        .then(pl.lit("disappeared"))
    )
    return usage.with_columns(change.alias("change")).filter(pl.col("change").is_not_null()).sort("first_seen")
