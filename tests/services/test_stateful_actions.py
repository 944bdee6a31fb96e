"""Action items as a state machine: created, closed, dropped, reopened and re-dated in any order while the days
pass, the open list (what every meeting opens with) and the overdue flags always follow a plain model, and every
effective change leaves exactly one audit entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select

from cadence.services import action_items as svc
from cadence.store import schema as S
from tests.services.stateful_world import discard, member_world

START = dt.datetime(2026, 6, 1, 7, tzinfo=dt.UTC)
ZONE = ZoneInfo("Europe/Paris")
"""The factory team's zone: "today" and "overdue" are read there."""
DUE = st.one_of(st.none(), st.integers(-3, 10))
"""A due date as days from the current day, or none."""


@dataclass
class Modelled:
    status: str
    due_on: dt.date | None
    created_at: dt.datetime


class ActionItems(RuleBasedStateMachine):
    actions = Bundle("actions")

    def __init__(self) -> None:
        super().__init__()
        self.db, self.folder, self.actor = member_world()
        self.model: dict[int, Modelled] = {}
        self.now = START
        self.changes = 0
        self.audit_before = self._audit_count()

    def teardown(self) -> None:
        discard(self.db, self.folder)

    def _today(self) -> dt.date:
        return self.now.astimezone(ZONE).date()

    def _audit_count(self) -> int:
        log = S.table(S.AuditEntry)
        with self.db.connect() as conn:
            query = select(func.count()).select_from(log).where(log.c.entity == "action_item")
            return int(conn.execute(query).scalar_one())

    @rule(days=st.integers(0, 3), hours=st.integers(0, 23))
    def time_passes(self, days: int, hours: int) -> None:
        self.now += dt.timedelta(days=days, hours=hours)

    @rule(target=actions, due=DUE)
    def create(self, due: int | None) -> int:
        due_on = None if due is None else self._today() + dt.timedelta(days=due)
        view = svc.create_action(
            self.db, self.actor, "OPS", title=f"action {len(self.model) + 1}", due_on=due_on, now=self.now
        )
        self.model[view["id"]] = Modelled("open", due_on, self.now)
        self.changes += 1
        return int(view["id"])

    @rule(action=actions, status=st.sampled_from(svc.STATUSES))
    def set_status(self, action: int, status: str) -> None:
        model = self.model[action]
        view = svc.update_action(self.db, self.actor, "OPS", action, status=status, now=self.now)
        if status != model.status:
            self.changes += 1
            assert (view["done_at"] is not None) == (status == "done"), "done stamps the time, anything else clears it"
        model.status = status

    @rule(action=actions, due=DUE)
    def redate(self, action: int, due: int | None) -> None:
        model = self.model[action]
        due_on = None if due is None else self._today() + dt.timedelta(days=due)
        svc.update_action(self.db, self.actor, "OPS", action, due_on=due_on, now=self.now)
        if due_on != model.due_on:
            self.changes += 1
        model.due_on = due_on

    @invariant()
    def open_actions_follow_the_model(self) -> None:
        listed = svc.open_actions(self.db, self.actor, "OPS", now=self.now)
        expected = sorted((m.created_at, i) for i, m in self.model.items() if m.status == "open")
        assert [v["id"] for v in listed] == [i for _, i in expected], "every open action, oldest first"
        today = self._today()
        for view in listed:
            due = self.model[view["id"]].due_on
            assert view["overdue"] == (due is not None and due < today)
            assert view["days_overdue"] == (max((today - due).days, 0) if due is not None else 0)

    @invariant()
    def every_effective_change_is_audited_once(self) -> None:
        assert self._audit_count() - self.audit_before == self.changes


ActionItems.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
TestActionItems = ActionItems.TestCase
