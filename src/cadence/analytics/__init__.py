"""Pure metric functions over Polars frames: no database, no HTTP, no wall clock.

Frames + parameters + ``now`` in; frames or numbers out. Each metric lives in a module named for it and is
imported from there (``from cadence.analytics.cycle_time import cycle_times``); its definition is its function's
docstring, in the same words as ``docs/metrics.md``. Everything derives from one frame, the stage intervals built
by :func:`build_history`. The package exports the entry points and shared types only: several modules share their
name with their main function (``throughput.throughput``), and re-exporting those functions here would hide the
modules behind them.
"""

from __future__ import annotations

from cadence.analytics.data_quality import DataQualityReport, assess_data_quality
from cadence.analytics.history import FlowHistory, build_history, stage_intervals
from cadence.analytics.milestones import item_milestones
from cadence.analytics.suite import compute_metrics
from cadence.analytics.team_frames import TeamFrames
from cadence.analytics.workflow import DEFAULT_WORKFLOW, Stage, UnmappedStatus, Workflow, map_statuses

__all__ = [
    "DEFAULT_WORKFLOW",
    "DataQualityReport",
    "FlowHistory",
    "Stage",
    "TeamFrames",
    "UnmappedStatus",
    "Workflow",
    "assess_data_quality",
    "build_history",
    "compute_metrics",
    "item_milestones",
    "map_statuses",
    "stage_intervals",
]
