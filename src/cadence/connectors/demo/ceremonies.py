"""Scrum ceremonies: stand-ups, planning, reviews and retrospectives, recent check-ins and retro action items.

Stand-ups happen every working day at 09:30 local; planning at 09:00 on a sprint's first day (the sprint starts at
10:00); review at 14:00 and retrospective at 15:30 on the last working day of a sprint. Planning and review notes
quote the sprint's real numbers (committed, completed, carried over). Developers post check-ins for the last ten
working days, built from what they actually moved. Retros produce one to three action items; older ones are mostly
done, some dropped, a fifth still open past their due date.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from numpy.typing import NDArray

from cadence.domain.frames import ACTION_ITEMS, CHECK_INS, MEETINGS, conform

from .calendar import US_PER_DAY, US_PER_HOUR, WorkCalendar, epoch_day, local_days, local_instants
from .items import Work, utc
from .organisation import Organisation
from .risks import numbered
from .sprints import ACTIVE, SprintPlan
from .storyline import BAD_SPRINT

__all__ = ["hold_ceremonies"]

_ACTIONS = (
    "Split stories bigger than 8 points before planning",
    "Add contract tests for the billing API",
    "Agree a review SLA: first review within 4 working hours",
    "Pair on the escalation queue every Thursday",
    "Write a runbook for the payment-gateway failover",
    "Limit WIP to two items per developer",
    "Invite support to refinement once a sprint",
    "Automate the staging data refresh",
    "Track blocked items on the board, with a reason",
    "Fix flaky end-to-end tests before adding new ones",
    "Timebox spikes to two days",
    "Post release notes to #support after each deploy",
)
_RETRO_NOTES = (
    "Went well: pairing on escalations. To improve: reviews wait too long.",
    "Went well: fewer carry-overs. To improve: unplanned work kept interrupting.",
    "Went well: the release went smoothly. To improve: refinement ran over.",
    "Went well: good collaboration with support. To improve: flaky tests slowed QA.",
)
_BAD_RETRO = "We took on the cluster migration and the database upgrade at once; most of the sprint carried over."
_CHECK_IN_DAYS = 10


def _sprint_summary(plan: SprintPlan, changes: pl.DataFrame) -> pl.DataFrame:
    """Per sprint (in ``plan.frame`` order): items committed at start, completed and carried over at close."""
    sprints = plan.frame.select("source_id", "start_at", "completed_at")
    counts = (
        changes.join(sprints, left_on="sprint_id", right_on="source_id")
        .group_by("sprint_id")
        .agg(
            committed=((pl.col("change") == "added") & (pl.col("at") <= pl.col("start_at"))).sum(),
            added=(pl.col("change") == "added").sum(),
            removed=((pl.col("change") == "removed") & (pl.col("at") < pl.col("completed_at"))).sum(),
            carried=((pl.col("change") == "removed") & (pl.col("at") == pl.col("completed_at"))).sum(),
        )
    )
    return (
        sprints.join(counts, left_on="source_id", right_on="sprint_id", how="left", maintain_order="left")
        .fill_null(0)
        .with_columns(completed=pl.col("added") - pl.col("removed") - pl.col("carried"))
    )


def _meeting_frame(
    team: NDArray[np.int64],
    day: NDArray[np.int64],
    hour: float,
    kind: str,
    title: pl.Series,
    notes: pl.Series | None,
    office: WorkCalendar,
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "team_index": team,
            "day": day,
            "kind": kind,
            "title": title,
            "held_at": local_instants(team, day, np.full(team.size, hour), office.zones),
            "notes": notes if notes is not None else pl.Series([None] * team.size, dtype=pl.String),
        }
    )


def _meetings(
    org: Organisation,
    office: WorkCalendar,
    plan: SprintPlan,
    changes: pl.DataFrame,
    until: dt.date,
    rng: np.random.Generator,
) -> pl.DataFrame:
    keys = pl.Series([t.key for t in org.teams])
    n_teams, width = plan.start.shape
    team = np.repeat(np.arange(n_teams, dtype=np.int64), width)
    start_day = local_days(team, plan.start.ravel(), office.zones)

    days = office.working_days()
    s_team, s_day = days.get_column("team").to_numpy(), days.get_column("day").to_numpy()
    keep = (s_day >= start_day.reshape(n_teams, width)[s_team, 0]) & (s_day <= epoch_day(until))
    s_team, s_day = s_team[keep], s_day[keep]
    title = pl.select(pl.concat_str([keys.gather(s_team), pl.lit(" daily stand-up")])).to_series()
    frames = [_meeting_frame(s_team, s_day, 9.5, "standup", title, None, office)]

    summary = _sprint_summary(plan, changes)
    name, goal = plan.frame.get_column("name"), plan.frame.get_column("goal")
    index = np.tile(np.arange(width), n_teams)
    planned = pl.Series(index <= ACTIVE)
    notes = pl.concat_str(
        [
            pl.lit("Goal: "),
            goal,
            pl.lit(". Committed "),
            summary.get_column("committed").cast(pl.String),
            pl.lit(" items."),
        ]
    )
    frames.append(
        _meeting_frame(
            team[index <= ACTIVE], start_day[index <= ACTIVE], 9.0, "planning",
            (name + " planning").filter(planned), pl.select(notes).to_series().filter(planned), office,
        )
    )  # fmt: skip

    closed = index < ACTIVE
    last_day = office.previous_working_day(
        team[closed], local_days(team[closed], plan.end.ravel()[closed], office.zones)
    )
    review = pl.concat_str(
        [pl.lit("Completed "), summary.get_column("completed").cast(pl.String), pl.lit(" items; "),
         summary.get_column("carried").cast(pl.String), pl.lit(" carried over.")]
    )  # fmt: skip
    is_closed = pl.Series(closed)
    frames.append(
        _meeting_frame(
            team[closed], last_day, 14.0, "review", (name + " review").filter(is_closed),
            pl.select(review).to_series().filter(is_closed), office,
        )
    )  # fmt: skip
    retro = pl.Series(_RETRO_NOTES).gather(rng.integers(0, len(_RETRO_NOTES), int(closed.sum())))
    retro = retro.scatter(BAD_SPRINT[0] * ACTIVE + BAD_SPRINT[1], _BAD_RETRO)
    frames.append(
        _meeting_frame(
            team[closed], last_day, 15.5, "retro", (name + " retrospective").filter(is_closed), retro, office
        )
    )

    meetings = pl.concat(frames)
    day_text = pl.col("day").cast(pl.Int32).cast(pl.Date).dt.strftime("%Y%m%d")
    return meetings.with_columns(
        team=keys.gather(meetings.get_column("team_index")),
        source_id=pl.concat_str(
            [
                pl.lit("demo-mtg-"),
                keys.gather(meetings.get_column("team_index")),
                pl.lit("-"),
                pl.col("kind"),
                pl.lit("-"),
                day_text,
            ]
        ),
        held_at=pl.col("held_at").cast(pl.Datetime("us", "UTC")),
    ).sort("team_index", "held_at")


def _check_ins(org: Organisation, meetings: pl.DataFrame, work: Work, rng: np.random.Generator) -> pl.DataFrame:
    """Each developer's check-ins for the last working days, quoting the items they really moved."""
    recent = (
        meetings.filter(pl.col("kind") == "standup")
        .sort("held_at", "team_index")
        .group_by("team_index", maintain_order=True)
        .tail(_CHECK_IN_DAYS)
    )
    devs = pl.DataFrame(
        {"person": org.developers, "team_index": np.repeat(np.arange(len(org.teams)), np.diff(org.dev_offset))}
    )
    rows = recent.join(devs, on="team_index").sort("held_at", "team_index", "person")
    rows = rows.filter(pl.Series(rng.random(rows.height) < 0.85))
    rows = rows.with_columns(
        person_id=org.person_ids.gather(rows.get_column("person")),
        created_at=pl.col("held_at") - pl.duration(minutes=pl.lit(pl.Series(rng.integers(5, 45, rows.height)))),
    ).sort("created_at", "person_id")
    moves = (
        work.transitions.select(
            person_id="by_id", at="at", key=pl.col("item_source_id").str.strip_prefix("demo-"), status="to_status"
        )
        .drop_nulls("person_id")
        .sort("at")
    )
    rows = rows.join_asof(
        moves, left_on="created_at", right_on="at", by="person_id", strategy="backward", check_sortedness=False
    )
    flagged_since = work.flag_changes.filter(pl.col("flagged")).group_by("item_source_id").agg(since=pl.col("at").max())
    flagged = (
        work.items.filter(pl.col("flagged"))
        .join(flagged_since, left_on="source_id", right_on="item_source_id")
        .select(person_id="assignee_id", blocked=pl.col("key"), since="since")
        .drop_nulls()
        .sort("since")
        .unique("person_id", keep="first", maintain_order=True)
    )
    rows = rows.join(flagged, on="person_id", how="left", maintain_order="left").with_columns(
        blocked=pl.when(pl.col("since") <= pl.col("created_at")).then(pl.col("blocked"))
    )
    return conform(
        rows.with_columns(
            on_date=pl.col("day").cast(pl.Int32).cast(pl.Date),
            meeting_id="source_id",
            yesterday=pl.when(pl.col("key").is_not_null())
            .then(pl.concat_str([pl.lit("Moved "), pl.col("key"), pl.lit(" to "), pl.col("status")]))
            .otherwise(pl.lit("Code reviews and support questions")),
            today=pl.when(pl.col("status").is_in(["Done", "QA"]))
            .then(pl.lit("Pick up the next item from Ready"))
            .when(pl.col("key").is_not_null())
            .then(pl.concat_str([pl.lit("Continue "), pl.col("key")]))
            .otherwise(pl.lit("Refinement and reviews")),
            blockers=pl.when(pl.col("blocked").is_not_null()).then(
                pl.concat_str([pl.col("blocked"), pl.lit(" is blocked, waiting on another team")])
            ),
        ),
        CHECK_INS,
        name="check_ins",
    )


def _action_items(
    org: Organisation,
    office: WorkCalendar,
    meetings: pl.DataFrame,
    until: dt.date,
    until_end: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """One to three action items per retrospective; older ones mostly done, some dropped or overdue."""
    retros = meetings.filter(pl.col("kind") == "retro")
    count = rng.integers(1, 4, retros.height)
    rows = retros.select("team_index", "team", "source_id", "held_at", "day").gather(
        np.repeat(np.arange(retros.height), count)
    )
    n = rows.height
    team = rows.get_column("team_index").to_numpy()
    size = np.diff(org.dev_offset)[team]
    owner = np.where(
        rng.random(n) < 0.25,
        org.manager[team],
        org.developers[org.dev_offset[team] + (rng.random(n) * size).astype(np.int64)],
    )
    created = rows.get_column("held_at").cast(pl.Int64).to_numpy() + 45 * 60_000_000
    due = rows.get_column("day").to_numpy() + rng.integers(7, 15, n)
    old = due < epoch_day(until) - 7
    u = rng.random(n)
    status = np.where(
        old, np.select([u < 0.7, u < 0.8], ["done", "dropped"], "open"), np.where(u < 0.25, "done", "open")
    )
    deadline = np.minimum(due * US_PER_DAY + 17 * US_PER_HOUR, until_end)
    done_at = office.between(team, created, deadline, rng.uniform(0.2, 1.0, n))
    frame = pl.DataFrame(
        {
            "team": rows.get_column("team"),
            "title": pl.Series(_ACTIONS).gather(rng.integers(0, len(_ACTIONS), n)),
            "owner_id": org.person_ids.gather(owner),
            "due_on": pl.Series(due, dtype=pl.Int32).cast(pl.Date),
            "status": status,
            "meeting_id": rows.get_column("source_id"),
            "created_at": utc(created),
            "done_at": utc(done_at),
        }
    ).with_columns(done_at=pl.when(pl.col("status") == "done").then(pl.col("done_at")))
    return conform(numbered(frame, "demo-action-"), ACTION_ITEMS, name="action_items")


def hold_ceremonies(
    org: Organisation,
    office: WorkCalendar,
    plan: SprintPlan,
    work: Work,
    changes: pl.DataFrame,
    until: dt.date,
    until_end: int,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """MEETINGS, CHECK_INS and ACTION_ITEMS frames."""
    meetings = _meetings(org, office, plan, changes, until, rng)
    check_ins = _check_ins(org, meetings, work, rng)
    actions = _action_items(org, office, meetings, until, until_end, rng)
    return conform(meetings, MEETINGS, name="meetings"), check_ins, actions
