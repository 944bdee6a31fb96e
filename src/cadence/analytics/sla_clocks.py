"""SLA clocks, recomputed from a ticket's stored history under a policy and a working calendar.

Two goals are measured per ticket, in business time of the policy's calendar:

* **first response** — one cycle from the ticket's creation to its *first response*: the first status event whose
  new status differs (case-insensitively) from the ticket's initial status, or the first triage event (kind
  ``triage``) into a *respond* triage state (accepted, declined, duplicate, waiting). Pauses do not apply: the
  first pausing status change is itself a response. The initial status is the first status event's ``from``
  value (or its ``to`` value when it has none, as event logs record the opening status at creation).
* **resolution** — cycles. The first starts at creation; a cycle stops at the first status event into a *stop*
  status (Resolved, Closed, ...); a later status event out of a stop status (a reopen) starts a new cycle. While
  the status is a *pause* status (Waiting for customer, ...) or the last triage event is a pause triage state
  (``waiting``) the clock does not count. A ticket with no status event but a resolution time stops there.

Per (ticket, goal, cycle): **elapsed** business seconds counted; **goal** the business seconds of the priority in
effect at the cycle's end (its stop, or ``now`` while it runs) — as Jira Service Management does, a priority change
re-targets the running cycle and keeps its elapsed time; ``*`` covers other priorities; **remaining** = goal -
elapsed (negative once breached). **state**: ``breached`` when elapsed > goal (even while still running),
otherwise ``met`` once stopped, ``paused`` while paused, ``running``; ``untracked`` when the policy has no goal for
the priority. **at risk**: running or paused and remaining < the policy's threshold (a share of the goal, or a
duration). **breached_at**: the instant elapsed reached the goal; **met_at**: the stop of a met cycle; **due_at**:
when a running or paused cycle will breach if it runs from ``now`` without pause (the breach instant once
breached). **calendar_s**: wall-clock seconds from the cycle's start to its stop (or ``now``).

Everything is columnar: one timeline frame of (ticket, instant, status, triage state) rows, business time per
segment from :mod:`cadence.analytics.working_calendar`, running sums per cycle.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from numpy.typing import NDArray

from cadence.analytics.sla_policy import ANY_PRIORITY, SlaPolicy
from cadence.analytics.working_calendar import WorkingCalendar, add_business, business_between

__all__ = ["CLOCKS", "assign_policies", "sla_clocks"]

_TS = pl.Datetime("us", "UTC")
CLOCKS: dict[str, pl.DataType | type[pl.DataType]] = {
    "ticket_id": pl.Int64,
    "key": pl.String,
    "policy": pl.String,
    "goal": pl.String,
    "cycle": pl.Int64,
    "priority": pl.String,
    "started_at": _TS,
    "stopped_at": _TS,
    "elapsed_s": pl.Float64,
    "calendar_s": pl.Float64,
    "goal_s": pl.Float64,
    "remaining_s": pl.Float64,
    "state": pl.String,
    "at_risk": pl.Boolean,
    "breached_at": _TS,
    "met_at": _TS,
    "due_at": _TS,
}
_US = 1_000_000


def _stamp(values: NDArray[np.int64] | pl.Series) -> pl.Series:
    series = values if isinstance(values, pl.Series) else pl.Series(values)
    return series.cast(pl.Int64).replace(-1, None).cast(_TS)


def assign_policies(tickets: pl.DataFrame, names: set[str], fallback: str) -> pl.Series:
    """Each ticket's policy name: its own ``sla_policy`` when the team has a policy of that name, else
    ``fallback``."""
    own = pl.col("sla_policy")
    return tickets.select(pl.when(own.is_in(sorted(names))).then(own).otherwise(pl.lit(fallback))).to_series()


def _initial(tickets: pl.DataFrame, status: pl.DataFrame) -> pl.DataFrame:
    first = status.group_by("ticket_id").agg(
        pl.col("from_value").first().alias("_from"), pl.col("to_value").first().alias("_to")
    )
    return tickets.join(first, on="ticket_id", how="left").with_columns(
        pl.coalesce("_from", "_to", pl.when(pl.col("resolved_at").is_null()).then("status"), pl.lit("(open)"))
        .str.to_lowercase()
        .alias("initial")
    )


def _timeline(tickets: pl.DataFrame, status: pl.DataFrame, triage: pl.DataFrame) -> pl.DataFrame:
    """One row per change: creation, status events, triage events; status and triage state carried forward."""
    start = tickets.select("ticket_id", pl.col("created_at").alias("at"), pl.lit(-1, pl.Int64).alias("seq"),
                           pl.col("initial").alias("status"), pl.lit("", pl.String).alias("triage"))  # fmt: skip
    moves = status.select("ticket_id", "at", "seq", pl.col("to_value").str.to_lowercase().alias("status"),
                          pl.lit(None, pl.String).alias("triage"))  # fmt: skip
    triaged = triage.select("ticket_id", "at", "seq", pl.lit(None, pl.String).alias("status"),
                            pl.col("to_value").str.to_lowercase().alias("triage"))  # fmt: skip
    return (
        pl.concat([start, moves, triaged])
        .sort("ticket_id", "at", "seq")
        .with_columns(pl.col("status", "triage").forward_fill())  # each ticket's first row sets both
    )


def _goals(policy: SlaPolicy, frame: pl.DataFrame, goal: str) -> pl.Series:
    """Goal seconds per row from its ``priority`` column (``*`` for the rest; null when neither is set)."""
    table = {p.lower(): s for p, s in policy.goals.get(goal, {}).items()}
    fallback = table.pop(ANY_PRIORITY, None)
    keys = frame.get_column("priority").str.to_lowercase()
    return keys.replace_strict(table, default=fallback, return_dtype=pl.Float64).rename("goal_s")


def _priority_at(tickets: pl.DataFrame, changes: pl.DataFrame, cycles: pl.DataFrame) -> pl.DataFrame:
    """``cycles`` plus the priority in effect at each row's ``end`` instant."""
    initial = tickets.join(
        changes.group_by("ticket_id").agg(pl.col("from_value").first().alias("_first")), on="ticket_id", how="left"
    ).select("ticket_id", pl.coalesce("_first", "priority").alias("_initial"))
    right = changes.select("ticket_id", pl.col("at").alias("end"), pl.col("to_value").alias("_later")).sort("end")
    return (
        cycles.sort("end")
        .join_asof(right, on="end", by="ticket_id", strategy="backward", check_sortedness=False)
        .join(initial, on="ticket_id", how="left")
        .with_columns(pl.coalesce("_later", "_initial").alias("priority"))
        .drop("_later", "_initial")
    )


def _resolution(
    tickets: pl.DataFrame, status: pl.DataFrame, triage: pl.DataFrame, policy: SlaPolicy, cal: WorkingCalendar,
    now: dt.datetime,
) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """(cycles, counting segments) of the resolution goal."""
    rows = _timeline(tickets, status, triage)
    stop, pause = sorted(policy.stop_statuses), sorted(policy.pause_statuses)
    same_next = pl.col("ticket_id").shift(-1) == pl.col("ticket_id")
    same_prev = pl.col("ticket_id").shift(1) == pl.col("ticket_id")
    rows = rows.with_columns(
        pl.col("status").is_in(stop).alias("stopped"),
        (pl.col("status").is_in(pause) | pl.col("triage").is_in(sorted(policy.pause_triage))).alias("paused"),
        pl.when(same_next).then(pl.col("at").shift(-1)).otherwise(pl.lit(now)).alias("end"),
        same_prev.fill_null(False).alias("same_prev"),
    )
    rows = rows.with_columns(
        (~pl.col("stopped") & (~pl.col("same_prev") | pl.col("stopped").shift(1).fill_null(True))).alias("starts")
    )
    # cycle number per ticket from one global running count: rows are sorted by ticket
    count = pl.col("starts").cast(pl.Int64).cum_sum()
    rows = rows.with_columns(count.alias("_n")).with_columns(
        (pl.col("_n") - pl.when(~pl.col("same_prev")).then(pl.col("_n") - pl.col("starts").cast(pl.Int64))
         .forward_fill()).alias("cycle")
    )  # fmt: skip
    rows = rows.filter(pl.col("cycle") > 0)
    counting = (~rows.get_column("stopped") & ~rows.get_column("paused")).to_numpy()
    worked = np.where(counting, business_between(cal, rows.get_column("at"), rows.get_column("end")), 0.0)
    rows = rows.with_columns(pl.Series("biz", np.round(worked * _US).astype(np.int64)))
    first_of_cycle = (pl.col("ticket_id") != pl.col("ticket_id").shift(1)) | (
        pl.col("cycle") != pl.col("cycle").shift(1)
    )
    total = pl.col("biz").cum_sum()
    rows = rows.with_columns(
        (total - pl.when(first_of_cycle.fill_null(True)).then(total - pl.col("biz")).forward_fill()).alias("after")
    )
    cycles = rows.group_by("ticket_id", "cycle").agg(
        pl.col("at").filter(pl.col("starts")).first().alias("started_at"),
        pl.col("at").filter(pl.col("stopped")).first().alias("stopped_at"),
        pl.col("biz").sum().alias("elapsed_us"),
        pl.col("paused").last().alias("paused_now"),
    )
    return cycles, rows.filter(pl.col("biz") > 0).select("ticket_id", "cycle", "at", "biz", "after")


def _first_response(
    tickets: pl.DataFrame, status: pl.DataFrame, triage: pl.DataFrame, policy: SlaPolicy, cal: WorkingCalendar,
    now: dt.datetime,
) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """(cycles, counting segments) of the first-response goal: one cycle, one segment per ticket."""
    moved = status.join(tickets.select("ticket_id", "initial"), on="ticket_id").filter(
        pl.col("to_value").str.to_lowercase() != pl.col("initial")
    )
    answered = triage.filter(pl.col("to_value").str.to_lowercase().is_in(sorted(policy.respond_triage)))
    first = pl.concat([moved.select("ticket_id", "at"), answered.select("ticket_id", "at")]).group_by("ticket_id").min()
    cycles = tickets.join(first, on="ticket_id", how="left").select(
        "ticket_id",
        pl.lit(1, pl.Int64).alias("cycle"),
        pl.col("created_at").alias("started_at"),
        pl.col("at").alias("stopped_at"),
        pl.lit(False).alias("paused_now"),
    )
    until = cycles.select(pl.coalesce("stopped_at", pl.lit(now))).to_series()
    worked = business_between(cal, cycles.get_column("started_at"), until)
    cycles = cycles.with_columns(pl.Series("elapsed_us", np.round(worked * _US).astype(np.int64)))
    segments = cycles.select(
        "ticket_id", "cycle", pl.col("started_at").alias("at"), pl.col("elapsed_us").alias("biz"),
        pl.col("elapsed_us").alias("after"),
    ).filter(pl.col("biz") > 0)  # fmt: skip
    return cycles, segments


def _finish(
    goal: str, cycles: pl.DataFrame, segments: pl.DataFrame, tickets: pl.DataFrame, changes: pl.DataFrame,
    policy: SlaPolicy, cal: WorkingCalendar, now: dt.datetime,
) -> pl.DataFrame:  # fmt: skip
    """Priority, goal, breach instant, state and due date of each cycle."""
    cycles = cycles.with_columns(pl.coalesce("stopped_at", pl.lit(now)).alias("end"))
    cycles = _priority_at(tickets, changes, cycles)
    cycles = cycles.with_columns(_goals(policy, cycles, goal)).with_columns(
        (pl.col("goal_s") * _US).round().cast(pl.Int64).alias("goal_us")
    )
    crossing = segments.join(
        cycles.select("ticket_id", "cycle", "goal_us", "elapsed_us"), on=["ticket_id", "cycle"]
    ).filter(
        (pl.col("elapsed_us") > pl.col("goal_us"))
        & (pl.col("after") - pl.col("biz") < pl.col("goal_us"))
        & (pl.col("after") >= pl.col("goal_us"))
    )
    left = (
        (crossing.get_column("goal_us") - crossing.get_column("after") + crossing.get_column("biz")) / _US
    ).to_numpy()
    crossing = crossing.select(
        "ticket_id", "cycle", _stamp(add_business(cal, crossing.get_column("at"), left)).alias("breached_at")
    )
    cycles = cycles.join(crossing, on=["ticket_id", "cycle"], how="left")
    elapsed, goal_s = pl.col("elapsed_us") / _US, pl.col("goal_s")
    state = (
        pl.when(goal_s.is_null()).then(pl.lit("untracked"))
        .when(pl.col("elapsed_us") > pl.col("goal_us")).then(pl.lit("breached"))
        .when(pl.col("stopped_at").is_not_null()).then(pl.lit("met"))
        .when(pl.col("paused_now")).then(pl.lit("paused"))
        .otherwise(pl.lit("running"))
    )  # fmt: skip
    if policy.at_risk_fraction is not None:
        threshold = goal_s * policy.at_risk_fraction
    else:
        threshold = pl.lit(policy.at_risk_seconds or 0.0)
    cycles = cycles.with_columns(
        elapsed.alias("elapsed_s"),
        ((pl.col("end") - pl.col("started_at")).dt.total_microseconds() / _US).alias("calendar_s"),
        (goal_s - elapsed).alias("remaining_s"),
        state.alias("state"),
        pl.lit(goal).alias("goal"),
        pl.lit(policy.name).alias("policy"),
    ).with_columns(
        (pl.col("state").is_in(["running", "paused"]) & (pl.col("remaining_s") < threshold)).alias("at_risk"),
        pl.when(pl.col("state") == "met").then(pl.col("stopped_at")).alias("met_at"),
    )
    open_ = cycles.get_column("state").is_in(["running", "paused"]).to_numpy()
    remaining = np.where(open_, cycles.get_column("remaining_s").fill_null(np.nan).to_numpy(), np.nan)
    due = add_business(cal, np.full(cycles.height, _micros_of(now), np.int64), remaining)
    cycles = cycles.with_columns(
        pl.when(pl.col("state") == "breached").then(pl.col("breached_at")).otherwise(_stamp(due)).alias("due_at")
    )
    return cycles.join(tickets.select("ticket_id", "key"), on="ticket_id", how="left")


def _micros_of(moment: dt.datetime) -> int:
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def sla_clocks(
    tickets: pl.DataFrame, events: pl.DataFrame, policy: SlaPolicy, calendar: WorkingCalendar, *, now: dt.datetime
) -> pl.DataFrame:
    """The clocks (schema :data:`CLOCKS`) of ``tickets`` (READ_TICKETS) from their ``events`` (READ_TICKET_EVENTS)
    under ``policy`` and ``calendar`` at ``now``; definitions in the module docstring. Tickets created after
    ``now`` and events after ``now`` are ignored; events before a ticket's creation count at its creation."""
    tickets = tickets.filter(pl.col("created_at") <= now).select(
        "ticket_id", "key", "priority", "status", "created_at", "resolved_at"
    )
    if tickets.is_empty():
        return pl.DataFrame(schema=CLOCKS)
    events = (
        events.join(tickets.select("ticket_id", "created_at"), on="ticket_id", maintain_order="left")
        .filter(pl.col("at") <= now)
        .with_row_index("seq")
        .with_columns(pl.col("seq").cast(pl.Int64), pl.max_horizontal("at", "created_at").alias("at"))
    )
    status = events.filter(pl.col("kind") == "status")
    silent = tickets.join(status, on="ticket_id", how="anti").filter(pl.col("resolved_at") <= now)
    closing = silent.select(
        "ticket_id", pl.lit("status").alias("kind"), pl.lit("(open)").alias("from_value"),
        pl.col("status").alias("to_value"), pl.col("resolved_at").alias("at"),
        pl.lit(events.height, pl.Int64).alias("seq"),
    )  # fmt: skip
    status = pl.concat([status.select(closing.columns), closing]).sort("ticket_id", "at", "seq")
    triage = events.filter(pl.col("kind") == "triage")
    changes = events.filter(pl.col("kind") == "priority")
    tickets = _initial(tickets, status)
    parts = []
    for goal, measure in (("first_response", _first_response), ("resolution", _resolution)):
        if goal not in policy.goals:
            continue
        cycles, segments = measure(tickets, status, triage, policy, calendar, now)
        parts.append(_finish(goal, cycles, segments, tickets, changes, policy, calendar, now))
    if not parts:
        return pl.DataFrame(schema=CLOCKS)
    return pl.concat([p.select(list(CLOCKS)) for p in parts]).cast(CLOCKS).sort("ticket_id", "goal", "cycle")  # type: ignore[arg-type]
