"""The demo's deadlines: what its workspace file (``[teams.KEY.deadlines]``) promises, one of them at risk.

* **The roadmap**: every epic a team is working on on ``until`` (open items left, at least one delivered) is due on
  the last day of the second month after ``until``'s (about two months away: comfortably met at the demo's pace).
* **The promised epic** (a planted trouble): the bad sprint's team promised a customer its epic with the most
  items left for ten days after ``until``. The epic kept growing while it was delivered, so in the weeks before
  its forecast says it never finishes at current rates, and on ``until`` its P85 date is past the promise.
* **The releases** (monthly fix versions ``YYYY.M``) have no deadline: they are a release train that ships what is
  done on its date, so their scope, not their date, gives.

Deadlines are read from the generated items (which epics are open), so they fit any seed, scale and last day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from .storyline import BAD_SPRINT
from .workflow import STATUSES

__all__ = ["PROMISE_DAYS", "deadlines_toml", "demo_deadlines"]

PROMISE_DAYS = 10
"""Days after ``until`` the promised epic is due."""


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def demo_deadlines(items: pl.DataFrame, teams: Sequence[str], until: dt.date) -> dict[str, dict[str, dt.date]]:
    """``{team key: {"epic:KEY": due date}}`` for the demo's ``items`` (its ITEMS frame) and ``teams`` (the keys in
    the organisation's order, e.g. ``["SUP", "PLAT"]``)."""
    month = (until.month + 1) % 12 + 1
    roadmap_due = _month_end(until.year + (until.month >= 11), month)
    done = pl.col("status") == STATUSES[-1]
    epics = (
        items.filter(pl.col("epic_key").is_not_null())
        .group_by("team", "epic_key")
        .agg((~done).sum().alias("left"), (done & (pl.col("resolution") == "Done")).sum().alias("delivered"))
        .filter((pl.col("left") > 0) & (pl.col("delivered") > 0))
        .sort("team", pl.col("left"), "epic_key", descending=[False, True, False])
    )
    out: dict[str, dict[str, dt.date]] = {}
    for key in teams:
        mine = epics.filter(pl.col("team") == key)["epic_key"].to_list()
        due = {f"epic:{epic}": roadmap_due for epic in mine}
        if key == teams[BAD_SPRINT[0]] and mine:
            due[f"epic:{mine[0]}"] = until + dt.timedelta(days=PROMISE_DAYS)
        out[key] = dict(sorted(due.items()))
    return out


def deadlines_toml(deadlines: dict[str, dict[str, dt.date]]) -> str:
    """The ``[teams.KEY.deadlines]`` tables of a workspace file holding ``deadlines``."""
    blocks = []
    for team, due in deadlines.items():
        lines = [f'"{name}" = {day.isoformat()}' for name, day in due.items()]
        blocks.append("\n".join([f"[teams.{team}.deadlines]", *lines]))
    return "\n\n".join(blocks) + "\n"
