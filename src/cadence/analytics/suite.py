"""Every metric of one team over a date range, as one JSON-serialisable dict with stable top-level keys.

The history is built once (stage intervals and per-item milestones) and every metric reads from it. "Delivered
in the range" means delivered on a date of [start, end] in the team's time zone; cycle-time percentiles, lead
time, flow efficiency and time in stage describe those items, and an open item's pace is ranked against their
cycle times. Sprints are those whose close falls on a date of the range (the active sprint closes at ``now``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from cadence.analytics.age import work_item_age
from cadence.analytics.blocked import blocked_time
from cadence.analytics.cfd import cfd
from cadence.analytics.cycle_time import control_chart_cycle_times, cycle_times
from cadence.analytics.data_quality import assess_data_quality
from cadence.analytics.days import as_day, as_utc, check_time_zone, epoch_day, local_day
from cadence.analytics.defects import BUG_TYPES, PRODUCTION_LABEL, bug_share, escaped_defects
from cadence.analytics.flow_efficiency import flow_efficiency, summarize_flow_efficiency
from cadence.analytics.history import FlowHistory, build_history
from cadence.analytics.lead_time import lead_times
from cadence.analytics.milestones import item_milestones
from cadence.analytics.net_flow import net_flow
from cadence.analytics.peer_variant import cycle_time_peer_variant
from cadence.analytics.percentiles import summarize
from cadence.analytics.reopens import backward_moves, reopen_rate
from cadence.analytics.serialize import json_rows, json_value
from cadence.analytics.sprint_scope import UNPLANNED_TYPES, sprint_items, sprint_scope, sprint_windows
from cadence.analytics.stage_time import stage_time_summary, stage_times
from cadence.analytics.team_frames import TeamFrames
from cadence.analytics.throughput import throughput, weekly
from cadence.analytics.unplanned import unplanned_by_type, unplanned_overall, unplanned_share
from cadence.analytics.velocity import say_do, say_do_overall, velocity
from cadence.analytics.wip import wip
from cadence.analytics.workflow import Workflow

__all__ = ["compute_metrics"]


def compute_metrics(
    frames: TeamFrames,
    workflow: Workflow,
    *,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    tz: str = "UTC",
    status_categories: Mapping[str, str] | None = None,
    control_chart_stages: Sequence[str] | None = None,
    unplanned_types: Sequence[str] = UNPLANNED_TYPES,
    bug_types: Sequence[str] = BUG_TYPES,
    production_label: str = PRODUCTION_LABEL,
    peer_variant: bool = False,
) -> dict[str, Any]:
    """All metrics of [start, end] (dates in ``tz``; aware datetimes are taken at their date there).

    ``control_chart_stages`` defaults to the stages from the commitment stage up to, not including, delivery.
    ``peer_variant`` adds jira-agile-metrics' cycle time under ``cycle_time_peer`` (null otherwise): a comparison
    for teams moving from that tool, not a dashboard number, so it is not paid for by default.
    """
    tz = check_time_zone(tz)
    now = as_utc(now)
    start, end = as_day(start, tz), as_day(end, tz)
    if end < start:
        raise ValueError(f"the range ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    frames = frames.conformed()
    history = build_history(frames.items, frames.transitions, workflow, status_categories)
    intervals = history.intervals
    milestones = item_milestones(intervals, frames.items, workflow)
    # The sprint and data-quality sections are independent of the flow section: they run on a second thread
    # (Polars and NumPy release the GIL in their kernels), so two cores share the work.
    with ThreadPoolExecutor(max_workers=2) as pool:
        sprints = pool.submit(
            _sprints, frames, intervals, workflow, start=start, end=end, now=now, tz=tz, unplanned=unplanned_types
        )
        checks = pool.submit(_checks, history, milestones, frames, start=start, end=end, tz=tz, peer=peer_variant)
        result = _flow(
            frames,
            workflow,
            intervals,
            milestones,
            start=start,
            end=end,
            now=now,
            tz=tz,
            control_chart_stages=control_chart_stages,
            bug_types=bug_types,
            production_label=production_label,
        )
        result.update(checks.result())
        result.update(sprints.result())
    result["unplanned_share"]["by_type"] = unplanned_by_type(
        milestones, start=start, end=end, tz=tz, unplanned_types=unplanned_types
    )
    return result


def _flow(
    frames: TeamFrames,
    workflow: Workflow,
    intervals: pl.DataFrame,
    milestones: pl.DataFrame,
    *,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    tz: str,
    control_chart_stages: Sequence[str] | None,
    bug_types: Sequence[str],
    production_label: str,
) -> dict[str, Any]:
    in_range = local_day(pl.col("done_at"), tz).is_between(epoch_day(start), epoch_day(end)).fill_null(False)
    delivered = milestones.filter(pl.col("delivered") & in_range)
    cycle = cycle_times(delivered, tz=tz)
    lead = lead_times(delivered, tz=tz)
    daily = throughput(milestones, start=start, end=end, tz=tz)
    wip_daily = wip(intervals, workflow, start=start, end=end, tz=tz)
    times = stage_times(intervals, now=now)
    flow = flow_efficiency(intervals, delivered, workflow, times=times)
    stages = list(control_chart_stages or workflow.names[workflow.commitment_index : workflow.delivery_index])
    control = control_chart_cycle_times(intervals, delivered, workflow, stages, now=now, times=times)
    flows = net_flow(milestones, start=start, end=end, tz=tz)
    return {
        "parameters": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "now": json_value(now),
            "tz": tz,
            "commitment": workflow.commitment,
            "delivery": workflow.delivery,
            "stages": [{"name": s.name, "category": s.category} for s in workflow.stages],
        },
        "cycle_time": _durations(cycle, "cycle_time"),
        "lead_time": _durations(lead, "lead_time"),
        "cycle_time_control_chart": {"stages": stages, **summarize(control["days"])},
        "throughput": json_rows(daily),
        "throughput_weekly": json_rows(weekly(daily)),
        "wip": json_rows(wip_daily),
        "age": json_rows(work_item_age(milestones, cycle["cycle_time_days"], now=now, tz=tz)),
        "cfd": _cfd(cfd(intervals, workflow, start=start, end=end, tz=tz), workflow),
        "net_flow": {"daily": json_rows(flows), "weekly": json_rows(_weekly_net(flows))},
        "flow_efficiency": summarize_flow_efficiency(flow),
        "stage_time": json_rows(stage_time_summary(times.subset(delivered["item_id"]), workflow)),
        "reopen_rate": reopen_rate(milestones, start=start, end=end, tz=tz),
        "backward_moves": _backward(backward_moves(intervals, workflow, start=start, end=end, tz=tz)),
        "blocked": _blocked(frames.flag_changes, delivered, now),
        "little_law": _little(wip_daily, daily, cycle),
        "bug_share": bug_share(milestones, start=start, end=end, tz=tz, bug_types=bug_types),
        "escaped_defects": escaped_defects(
            frames.items,
            start=start,
            end=end,
            tz=tz,
            linked_bug_ids=frames.escalated_bugs,
            label=production_label,
            bug_types=bug_types,
        ),
    }


def _checks(
    history: FlowHistory,
    milestones: pl.DataFrame,
    frames: TeamFrames,
    *,
    start: dt.date,
    end: dt.date,
    tz: str,
    peer: bool,
) -> dict[str, Any]:
    quality = assess_data_quality(history, milestones, frames.items, frames.transitions)
    peer_summary = None
    if peer:
        done_in_range = local_day(pl.col("done_at"), tz).is_between(epoch_day(start), epoch_day(end))
        peer_times = cycle_time_peer_variant(history, tz=tz).filter(done_in_range)
        peer_summary = {"calendar_days": summarize(peer_times["cycle_time_days"])}
    return {"cycle_time_peer": peer_summary, "data_quality": quality.to_dict()}


def _durations(frame: pl.DataFrame, name: str) -> dict[str, Any]:
    return {**summarize(frame[f"{name}_days"]), "calendar_days": summarize(frame[f"{name}_calendar_days"])}


def _cfd(frame: pl.DataFrame, workflow: Workflow) -> list[dict[str, Any]]:
    by_stage = frame.with_columns(pl.col("stage").cast(pl.String)).partition_by("stage", as_dict=True)
    return [
        {"stage": s.name, "category": s.category, "series": json_rows(by_stage[(s.name,)].drop("stage"))}
        for s in workflow.stages
    ]


def _weekly_net(daily: pl.DataFrame) -> pl.DataFrame:
    return weekly(daily.drop("net")).with_columns((pl.col("arrivals") - pl.col("departures")).alias("net"))


def _backward(pairs: pl.DataFrame) -> dict[str, Any]:
    return {"total": int(pairs["moves"].sum()), "pairs": json_rows(pairs)}


def _blocked(flag_changes: pl.DataFrame, delivered: pl.DataFrame, now: dt.datetime) -> dict[str, Any]:
    per_item = blocked_time(flag_changes, now=now)
    of_delivered = per_item.join(delivered.select("item_id"), on="item_id", how="semi")
    return {
        "blocked_now": int(per_item["blocked_now"].sum()),
        "delivered_items_blocked": of_delivered.height,
        "delivered_blocked_days": float(of_delivered["blocked_days"].sum()),
        "delivered_blocked_days_mean": (
            float(of_delivered["blocked_days"].sum()) / of_delivered.height if of_delivered.height else None
        ),
    }


def _little(wip_daily: pl.DataFrame, daily: pl.DataFrame, cycle: pl.DataFrame) -> dict[str, float | None]:
    """Little's law check: average WIP against throughput per day x average cycle time."""
    rate = float(daily["count"].mean())  # type: ignore[arg-type]
    mean_ct = float(cycle["cycle_time_days"].mean()) if cycle.height else None  # type: ignore[arg-type]
    return {
        "average_wip": float(wip_daily["wip"].mean()),  # type: ignore[arg-type]
        "throughput_per_day": rate,
        "average_cycle_time_days": mean_ct,
        "implied_wip": rate * mean_ct if mean_ct is not None else None,
    }


def _sprints(
    frames: TeamFrames,
    intervals: pl.DataFrame,
    workflow: Workflow,
    *,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    tz: str,
    unplanned: Sequence[str],
) -> dict[str, Any]:
    windows = sprint_windows(frames.sprints, now=now).filter(
        local_day(pl.col("close_at"), tz).is_between(epoch_day(start), epoch_day(end))
    )
    sprints = frames.sprints.join(windows.select("sprint_id"), on="sprint_id", how="semi")
    rows = sprint_items(
        sprints,
        frames.sprint_changes,
        frames.estimate_changes,
        intervals,
        frames.items,
        workflow,
        now=now,
        unplanned_types=unplanned,
    )
    speed = velocity(rows, windows)
    promises = say_do(rows, windows)
    surprises = unplanned_share(rows, windows)
    carry = speed.select("sprint_id", "name", "carried_over_count", "carried_over_points")
    return {
        "velocity": json_rows(speed),
        "say_do": {"sprints": json_rows(promises), "overall": say_do_overall(promises)},
        "sprint_scope": json_rows(sprint_scope(rows, windows)),
        "carry_over": json_rows(carry),
        "unplanned_share": {"sprints": json_rows(surprises), "overall": unplanned_overall(surprises)},
    }
