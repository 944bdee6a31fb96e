"""What stands in the teams' way: impediments raised from blocked items, and each team's risk register.

Impediments are the longest flagged periods of each team's items (plus everything still flagged today): resolved
when the flag came off (one in ten dismissed as worked around), escalated one level after two days blocked and two
levels after five. Each team also carries two impediments not tied to an item. The risk register holds five
typical risks per team, scored 1-5 for probability and impact, with a review date that is sometimes overdue.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from cadence.domain.frames import IMPEDIMENTS, RISKS, conform

from .calendar import US_PER_DAY, WorkCalendar
from .items import Work, utc
from .organisation import Organisation
from .sprints import SprintPlan

__all__ = ["numbered", "raise_impediments", "register_risks"]

_WAITING_FOR = (
    "Waiting for the staging database refresh",
    "Waiting for a security review",
    "Waiting for another team to provision a new queue",
    "Waiting for the customer to confirm expected behaviour",
    "Waiting for third-party API credentials",
    "Waiting for legal sign-off on the data export",
    "Waiting for a design decision",
    "Waiting for production access approval",
)
_TEAM_IMPEDIMENTS = (
    ("Staging environment unstable", "Deploys to staging fail one time in three; QA is stalled.", "resolved"),
    ("Only one person can deploy to production", "Releases wait when they are away.", "open"),
)
_RISKS = {
    "support": (
        ("Key-person dependency on billing reconciliation", "Only one engineer knows the reconciliation job.", 3, 4),
        ("Payment provider deprecates its v1 API", "Migration must ship before the provider's cut-off.", 4, 5),
        ("Escalations arrive faster than they are fixed", "The escalation backlog grew three sprints running.", 3, 3),
        ("GDPR export requests are handled manually", "A spike of requests would swamp the team.", 2, 4),
        ("Summer holidays thin out support cover", "Two of four agents away in August.", 4, 3),
    ),
    "platform": (
        ("PostgreSQL 12 reaches end of life", "No security patches after November.", 5, 4),
        ("Kubernetes upgrade may break ingress rules", "Custom annotations are deprecated.", 3, 4),
        ("Single region: no disaster recovery", "An EU region outage would take every service down.", 2, 5),
        ("Cloud spend above budget", "Compute costs rose 30 % this quarter.", 4, 2),
        ("On-call fatigue", "Night pages doubled since the incident week.", 3, 3),
    ),
}
_RISK_STATUSES = ("open", "owned", "mitigated", "accepted", "resolved")


def numbered(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """Stable source ids ``<prefix><TEAM>-<n>``, numbered per team in the frame's order."""
    number = (pl.int_range(pl.len()).over("team") + 1).cast(pl.String)
    return frame.with_columns(source_id=pl.concat_str([pl.lit(prefix), pl.col("team"), pl.lit("-"), number]))


def raise_impediments(
    org: Organisation, work: Work, office: WorkCalendar, until_end: int, rng: np.random.Generator
) -> pl.DataFrame:
    """IMPEDIMENTS: from flagged periods (top six per team by length, plus all still open) and team-level ones."""
    flags = work.flag_changes
    on = flags.filter(pl.col("flagged")).select("item_source_id", opened_at="at")
    off = flags.filter(~pl.col("flagged")).select("item_source_id", resolved_at="at")
    items = work.items.select("source_id", "team", "assignee_id")
    periods = (
        on.join(off, on="item_source_id", how="left")
        .join(items, left_on="item_source_id", right_on="source_id")
        .with_columns(blocked=(pl.col("resolved_at").fill_null(utc(np.array([until_end]))[0]) - pl.col("opened_at")))
        .sort(["blocked", "item_source_id"], descending=[True, False])
        .filter((pl.int_range(pl.len()).over("team") < 6) | pl.col("resolved_at").is_null())
        .sort("team", "opened_at", "item_source_id")
    )
    n = periods.height
    days = periods.get_column("blocked").dt.total_seconds().to_numpy() / 86_400
    dismissed = rng.random(n) < 0.1
    resolved = periods.get_column("resolved_at").is_not_null().to_numpy()
    team_index = {t.key: i for i, t in enumerate(org.teams)}
    manager = org.person_ids.gather(
        org.manager[periods.get_column("team").replace_strict(team_index, return_dtype=pl.Int64).to_numpy()]
    )
    level = np.select([days >= 5, days >= 2], [2, 1], 0)
    from_items = periods.select(
        "team",
        title=pl.Series(_WAITING_FOR).gather(rng.integers(0, len(_WAITING_FOR), n)),
        description=pl.concat_str([pl.lit("Blocks "), pl.col("item_source_id").str.strip_prefix("demo-"), pl.lit(".")]),
        item_source_id="item_source_id",
        owner_id=pl.when(pl.Series(level > 0)).then(manager).otherwise(pl.col("assignee_id")),
        status=pl.Series(np.where(resolved, np.where(dismissed, "dismissed", "resolved"), "open")),
        escalation_level=pl.Series(level),
        opened_at="opened_at",
        resolved_at="resolved_at",
        resolution_note=pl.when(pl.Series(resolved & dismissed))
        .then(pl.lit("Worked around it; not an impediment any more."))
        .when(pl.Series(resolved))
        .then(pl.lit("Unblocked.")),
    )
    n_teams = len(org.teams)
    team_rows = np.repeat(np.arange(n_teams), len(_TEAM_IMPEDIMENTS))
    which = np.tile(np.arange(len(_TEAM_IMPEDIMENTS)), n_teams)
    end = np.full(team_rows.size, until_end)
    opened = office.between(team_rows, end - 120 * US_PER_DAY, end - 20 * US_PER_DAY, rng.random(team_rows.size))
    fixed = office.between(team_rows, opened, opened + 15 * US_PER_DAY, rng.uniform(0.2, 1.0, team_rows.size))
    status = np.array([s for _, _, s in _TEAM_IMPEDIMENTS])[which]
    team_level = pl.DataFrame(
        {
            "team": pl.Series([t.key for t in org.teams]).gather(team_rows),
            "title": pl.Series([t for t, _, _ in _TEAM_IMPEDIMENTS]).gather(which),
            "description": pl.Series([d for _, d, _ in _TEAM_IMPEDIMENTS]).gather(which),
            "owner_id": org.person_ids.gather(org.manager[team_rows]),
            "status": status,
            "escalation_level": np.where(status == "open", 1, 0),
            "opened_at": utc(opened),
            "resolved_at": utc(fixed),
            "resolution_note": "New deploy pipeline on staging.",
        }
    ).with_columns(
        resolved_at=pl.when(pl.col("status") == "resolved").then(pl.col("resolved_at")),
        resolution_note=pl.when(pl.col("status") == "resolved").then(pl.col("resolution_note")),
    )
    frame = pl.concat([from_items, team_level], how="diagonal_relaxed").sort("team", "opened_at", "title")
    return conform(numbered(frame, "demo-impediment-"), IMPEDIMENTS, name="impediments")


def register_risks(
    org: Organisation, plan: SprintPlan, office: WorkCalendar, until: dt.date, rng: np.random.Generator
) -> pl.DataFrame:
    """RISKS: five per team, created over the history, reviewed (or overdue for review) recently."""
    rows = [(t, *risk) for t, team in enumerate(org.teams) for risk in _RISKS[team.kind]]
    n = len(rows)
    team = np.array([r[0] for r in rows], dtype=np.int64)
    first = plan.start[team, 0]
    last = np.full(n, (until - dt.date(1970, 1, 1)).days * US_PER_DAY)
    created = office.between(team, first, last, rng.random(n) * 0.8)
    review = (until - dt.date(1970, 1, 1)).days + rng.integers(-20, 30, n)
    frame = pl.DataFrame(
        {
            "team": pl.Series([t.key for t in org.teams]).gather(team),
            "title": [r[1] for r in rows],
            "description": [r[2] for r in rows],
            "probability": [r[3] for r in rows],
            "impact": [r[4] for r in rows],
            "status": pl.Series(_RISK_STATUSES).gather(
                rng.choice(len(_RISK_STATUSES), n, p=[0.35, 0.25, 0.2, 0.1, 0.1])
            ),
            "owner_id": org.person_ids.gather(np.where(rng.random(n) < 0.5, org.manager[team], 1)),
            "review_on": pl.Series(review, dtype=pl.Int32).cast(pl.Date),
            "created_at": utc(created),
        }
    )
    return conform(numbered(frame, "demo-risk-"), RISKS, name="risks")
