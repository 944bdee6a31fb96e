"""Work items as Jira would report them: current state plus status, estimate, assignee and flag changelogs.

Who does what: the delivery manager refines (Backlog -> Ready), bounces and closes "Won't Do"; a developer picks an
item up when it starts (two in five sprint items are pre-assigned at planning) and 7 % are handed over to a
colleague mid-way; a different developer reviews, another tests. Story points are set at refinement (or when an
unplanned item joins the sprint); 8 % of started stories and bugs are re-estimated once work reveals their size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from cadence.domain.frames import ASSIGNEE_CHANGES, ESTIMATE_CHANGES, FLAG_CHANGES, ITEMS, TRANSITIONS, conform

from .calendar import WorkCalendar
from .flow import ASSIGNEE, MANAGER, REVIEWER, Histories
from .intake import BACKLOG_IDEA, ESCALATED, PLANNED, Intake
from .organisation import Organisation
from .sprints import NEVER
from .vocabulary import MAJOR_INCIDENT, item_descriptions, item_titles
from .workflow import (
    BACKLOG,
    BUG,
    DONE,
    IN_PROGRESS,
    INCIDENT,
    KINDS,
    PRIORITIES,
    READY,
    RESOLUTIONS,
    RESOLVED_DONE,
    STATUSES,
    STORY,
    TASK,
    names,
)

__all__ = ["Work", "record_work", "utc"]

_LABELS = ("", "customer-escalation", "incident", "incident,major-incident", "tech-debt", "idea", "ux")


def utc(values: NDArray[np.int64]) -> pl.Series:
    """Microsecond instants as an aware UTC series, truncated to milliseconds as Jira reports them."""
    return pl.Series((values // 1000) * 1000).cast(pl.Datetime("us", "UTC"))


@dataclass(frozen=True, eq=False)
class Work:
    """The item frames, plus per-item instants (UTC microseconds, NEVER if not happened) sprints and tickets need."""

    items: pl.DataFrame
    transitions: pl.DataFrame
    estimate_changes: pl.DataFrame
    assignee_changes: pl.DataFrame
    flag_changes: pl.DataFrame
    ids: pl.Series
    created: NDArray[np.int64]
    resolved: NDArray[np.int64]  # current resolution instant
    first_done: NDArray[np.int64]
    reopened: NDArray[np.int64]
    touched: NDArray[np.int64]  # latest event of any of the item's own changelogs


def _per_item(
    item: NDArray[np.int64], mask: NDArray[np.bool_], values: NDArray[np.int64], n: int, *, last: bool
) -> NDArray[np.int64]:
    """The first (or last) of ``values`` per item among rows where ``mask`` holds; NEVER where none does."""
    out = np.full(n, NEVER, np.int64)
    rows = np.flatnonzero(mask)
    if last:
        rows = rows[::-1]
    unique, first = np.unique(item[rows], return_index=True)
    out[unique] = values[rows[first]]
    return out


def record_work(
    intake: Intake,
    history: Histories,
    points: tuple[NDArray[np.float64], NDArray[np.float64]],
    org: Organisation,
    calendar: WorkCalendar,
    horizon: NDArray[np.float64],
    rng: np.random.Generator,
) -> Work:
    """Turn simulated histories into the ITEMS, TRANSITIONS and change frames (``points``: initial and final)."""
    n, team = intake.size, intake.team
    people = tuple(org.person_ids.to_list())

    def clock(rows: NDArray[np.int64], effort: NDArray[np.float64]) -> NDArray[np.int64]:
        return (calendar.to_utc(team[rows], effort) // 1000) * 1000

    rows = np.arange(n, dtype=np.int64)
    item, at = history.item, clock(history.item, history.at)
    count = np.bincount(item, minlength=n)
    last = np.searchsorted(item, rows, side="right") - 1
    status = np.where(count > 0, history.to_status[np.maximum(last, 0)], BACKLOG).astype(np.int8)
    done = status == DONE
    closed_unworked = np.isin(history.from_status[np.maximum(last, 0)], (BACKLOG, READY))
    resolution = np.where(done, np.where(closed_unworked, intake.resolution, RESOLVED_DONE), 0)
    resolved = np.where(done, at[np.maximum(last, 0)], NEVER)
    first_start = _per_item(item, history.to_status == IN_PROGRESS, np.arange(item.size), n, last=False)
    start_effort = np.where(first_start == NEVER, np.nan, history.at[np.minimum(first_start, max(item.size - 1, 0))])
    reopen_row = _per_item(item, history.from_status == DONE, np.arange(item.size), n, last=False)
    first_done = _per_item(item, history.to_status == DONE, at, n, last=False)
    reopened = np.where(reopen_row == NEVER, NEVER, at[np.minimum(reopen_row, max(item.size - 1, 0))])

    # assignees: self-assigned at start, or pre-assigned at planning; 7 % handed over later
    size = org.dev_offset[team + 1] - org.dev_offset[team]
    first_local = (rng.random(n) * size).astype(np.int64)
    second_local = (first_local + 1 + (rng.random(n) * (size - 1)).astype(np.int64)) % size
    pre = np.isin(intake.origin, (PLANNED, ESCALATED)) & (intake.sprint >= 0) & (rng.random(n) < 0.4)
    assign_at = np.where(pre & (intake.added < np.fmin(start_effort, horizon)), intake.added, start_effort)
    assigned = ~np.isnan(assign_at) & (assign_at <= horizon)
    stop = np.where(done, history.at[np.maximum(last, 0)], horizon)
    handover = assign_at + rng.uniform(0.1, 0.9, n) * (stop - assign_at)
    handed = assigned & (rng.random(n) < 0.07) & (handover <= horizon) & (handover > assign_at)
    first_dev = org.developers[org.dev_offset[team] + first_local]
    second_dev = org.developers[org.dev_offset[team] + second_local]
    current = np.where(handed, second_dev, np.where(assigned, first_dev, -1))
    a_rows = np.concatenate([rows[assigned], rows[handed]])
    assignee_changes = pl.DataFrame(
        {
            "item": a_rows,
            "from_id": names(people, np.concatenate([np.full(assigned.sum(), -1), first_dev[handed]]), name="from_id"),
            "to_id": names(people, np.concatenate([first_dev[assigned], second_dev[handed]]), name="to_id"),
            "at": utc(
                np.concatenate([clock(rows[assigned], assign_at[assigned]), clock(rows[handed], handover[handed])])
            ),
            "by_id": names(
                people,
                np.concatenate([np.where(pre, org.manager[team], first_dev)[assigned], org.manager[team][handed]]),
                name="by_id",
            ),
        }
    )

    # who made each transition
    it = item
    mover_local = np.where(handed[it] & (history.at >= handover[it]), second_local[it], first_local[it])
    other = (mover_local + 1 + (rng.random(it.size) * (size[it] - 1)).astype(np.int64)) % size[it]
    by = np.select(
        [history.actor == MANAGER, history.actor == ASSIGNEE, history.actor == REVIEWER],
        [
            org.manager[team[it]],
            org.developers[org.dev_offset[team[it]] + mover_local],
            org.developers[org.dev_offset[team[it]] + other],
        ],
        org.developers[org.dev_offset[team[it]] + other],
    )
    ids = _item_ids(intake, org, calendar)
    transitions = pl.DataFrame(
        {
            "item": it,
            "from_status": names(STATUSES, history.from_status, name="from_status"),
            "to_status": names(STATUSES, history.to_status, name="to_status"),
            "at": utc(at),
            "by_id": names(people, by, name="by_id"),
        }
    )

    # story points: at refinement, or when an unplanned item joins its sprint, or roughly at creation
    initial, final = points
    estimated_at = (
        np.fmin(np.fmin(intake.ready, intake.added), np.where(intake.origin == BACKLOG_IDEA, intake.created, np.nan))
        + 0.01
    )
    estimated_at = np.where(np.isnan(estimated_at), intake.created + 0.01, estimated_at)
    estimated = ~np.isnan(initial) & (estimated_at <= horizon)
    again_at = start_effort + rng.uniform(0.2, 3.0, n)
    again = estimated & (final != initial) & (again_at <= horizon)
    e_rows = np.concatenate([rows[estimated], rows[again]])
    estimate_changes = pl.DataFrame(
        {
            "item": e_rows,
            "from_value": np.concatenate([np.full(estimated.sum(), np.nan), initial[again]]),
            "to_value": np.concatenate([initial[estimated], final[again]]),
            "at": utc(
                np.concatenate([clock(rows[estimated], estimated_at[estimated]), clock(rows[again], again_at[again])])
            ),
            "by_id": names(people, np.concatenate([org.manager[team][estimated], current[again]]), name="by_id"),
        }
    ).with_columns(from_value=pl.col("from_value").fill_nan(None))
    estimate = np.where(again, final, np.where(estimated, initial, np.nan))

    # flagged (blocked) periods
    f_item = history.flag_item
    on = history.flag_on <= horizon[f_item]
    off = on & (history.flag_off <= horizon[f_item])
    flag_changes = pl.DataFrame(
        {
            "item": np.concatenate([f_item[on], f_item[off]]),
            "flagged": np.concatenate([np.ones(on.sum(), bool), np.zeros(off.sum(), bool)]),
            "at": utc(
                np.concatenate([clock(f_item[on], history.flag_on[on]), clock(f_item[off], history.flag_off[off])])
            ),
            "by_id": names(people, current[np.concatenate([f_item[on], f_item[off]])], name="by_id"),
        }
    )
    flagged = np.zeros(n, bool)
    flagged[f_item[on & ~off]] = True

    frames = [transitions, assignee_changes, estimate_changes, flag_changes]
    keyed = [_keyed(f, ids, prefix) for f, prefix in zip(frames, ("t", "a", "e", "f"), strict=True)]
    touched = pl.concat([f.select("item", "at") for f in frames]).group_by("item").agg(pl.col("at").max())
    touched_at = np.full(n, NEVER, np.int64)
    touched_at[touched.get_column("item").to_numpy()] = touched.get_column("at").cast(pl.Int64).to_numpy()

    created = clock(rows, intake.created)
    items = (
        _item_rows(intake, org, ids, rng)
        .with_columns(
            status=names(STATUSES, status, name="status"),
            estimate=pl.Series(estimate).fill_nan(None),
            assignee_id=names(people, current, name="assignee_id"),
            created_at=utc(created),
            updated_at=utc(np.maximum(created, np.where(touched_at == NEVER, 0, touched_at))),
            resolved_at=pl.Series(np.where(done, resolved, 0)).cast(pl.Datetime("us", "UTC")),
            resolution=names(RESOLUTIONS, resolution, name="resolution", null=0),
            flagged=flagged,
            **_roadmap(intake, created),
        )
        .with_columns(resolved_at=pl.when(pl.col("status") == "Done").then(pl.col("resolved_at")))
    )
    return Work(
        items=conform(items.sort("team", "number"), ITEMS, name="items"),
        transitions=conform(keyed[0], TRANSITIONS, name="transitions"),
        assignee_changes=conform(keyed[1], ASSIGNEE_CHANGES, name="assignee_changes"),
        estimate_changes=conform(keyed[2], ESTIMATE_CHANGES, name="estimate_changes"),
        flag_changes=conform(keyed[3], FLAG_CHANGES, name="flag_changes"),
        ids=ids,
        created=created,
        resolved=resolved,
        first_done=first_done,
        reopened=reopened,
        touched=touched_at,
    )


_DAY_US = 86_400_000_000
_EPIC_DAYS = 42
_RELEASE_LEAD_DAYS = 42


def _roadmap(intake: Intake, created: NDArray[np.int64]) -> dict[str, pl.Expr]:
    """Epics and fix versions of planned feature work, derived from what the simulation decided (no random draws,
    so every other column stays as it was).

    Planned stories and tasks belong to an epic of the portfolio project ``ROAD``: one per team, six-week block of
    creation and half of the team's numbering (two epics run side by side), numbered in (team, block, half) order.
    Planned stories, tasks and bugs carry the monthly release they are planned for, ``YYYY.M``: the month six weeks
    after their creation (the roadmap plans about one and a half releases ahead).
    """
    planned = (intake.origin == PLANNED) & (intake.kind != INCIDENT)
    feature = planned & (intake.kind != BUG)
    day = created // _DAY_US
    epic_id = (intake.team.astype(np.int64) * 100_000 + (day // _EPIC_DAYS)) * 2 + np.arange(intake.size) % 2
    unique = np.unique(epic_id[feature])
    epic_number = np.searchsorted(unique, epic_id) + 1
    epic = pl.Series(np.where(feature, epic_number, 0)).cast(pl.String)
    release = utc(created + _RELEASE_LEAD_DAYS * _DAY_US)
    version = pl.select(
        pl.concat_str([release.dt.year().cast(pl.String), pl.lit("."), release.dt.month().cast(pl.String)])
    )
    return {
        "epic_key": pl.when(pl.Series(feature)).then(pl.lit("ROAD-") + epic).otherwise(None),
        "fix_versions": pl.when(pl.Series(planned))
        .then(pl.concat_list(version.to_series()))
        .otherwise(pl.lit([], dtype=pl.List(pl.String))),
    }


def _keyed(frame: pl.DataFrame, ids: pl.Series, prefix: str) -> pl.DataFrame:
    """Add ``item_source_id`` and a per-item ``event_key`` (``t1``, ``t2``... in time order)."""
    frame = frame.sort("item", "at", maintain_order=True)
    return frame.with_columns(
        item_source_id=ids.gather(frame.get_column("item")),
        event_key=pl.concat_str([pl.lit(prefix), (pl.int_range(pl.len()).over("item") + 1).cast(pl.String)]),
    )


def _item_ids(intake: Intake, org: Organisation, calendar: WorkCalendar) -> pl.Series:
    """``demo-SUP-123``: keys numbered per team in order of creation, as Jira numbers issues."""
    order = np.lexsort((intake.created, intake.team))
    number = np.empty(intake.size, np.int64)
    number[order] = np.arange(intake.size) - np.searchsorted(intake.team[order], intake.team[order]) + 1
    keys = pl.Series([t.key for t in org.teams]).gather(intake.team)
    return pl.select(pl.concat_str([pl.lit("demo-"), keys, pl.lit("-"), pl.Series(number).cast(pl.String)])).to_series()


def _item_rows(intake: Intake, org: Organisation, ids: pl.Series, rng: np.random.Generator) -> pl.DataFrame:
    """Descriptive columns: key, kind, title, priority, reporter, labels, component, rank."""
    n, kind = intake.size, intake.kind
    people = tuple(org.person_ids.to_list())
    platform = np.array([t.kind == "platform" for t in org.teams])[intake.team]
    u = rng.random(n)
    label = np.select(
        [
            intake.origin == ESCALATED,
            intake.major,
            kind == INCIDENT,
            (kind == TASK) & (u < 0.3),
            intake.origin == BACKLOG_IDEA,
            (kind == STORY) & (u < 0.15),
        ],
        [1, 3, 2, 4, 5, 6],
        0,
    )
    titles = item_titles(kind, platform, rng)
    titles = titles.scatter(np.flatnonzero(intake.major), MAJOR_INCIDENT) if intake.major.any() else titles
    components = pl.Series([c for t in org.teams for c in t.components])
    per_team = np.array([len(t.components) for t in org.teams])
    component_offset = np.concatenate([[0], np.cumsum(per_team)])[intake.team]
    component = components.gather(component_offset + (rng.random(n) * per_team[intake.team]).astype(np.int64))
    frame = pl.DataFrame(
        {
            "item": np.arange(n),
            "source_id": ids,
            "team": pl.Series([t.key for t in org.teams]).gather(intake.team),
            "key": ids.str.strip_prefix("demo-"),
            "number": ids.str.split("-").list.last().cast(pl.Int64),
            "type": names(KINDS, kind, name="type"),
            "title": titles,
            "description": item_descriptions(kind, rng),
            "priority": names(PRIORITIES, intake.priority, name="priority"),
            "reporter_id": names(people, intake.reporter, name="reporter_id"),
            "labels": names(_LABELS, label, name="labels")
            .str.split(",")
            .list.eval(pl.element().filter(pl.element() != "")),
            "components": component.to_frame("c").select(pl.concat_list("c")).to_series(),
        }
    )
    rank = np.lexsort((intake.created, intake.priority, intake.sprint < 0))
    ranks = np.empty(n, np.int64)
    ranks[rank] = np.arange(1, n + 1) * 100
    return frame.with_columns(rank=pl.Series(ranks))
