"""The risk register as a state machine: any sequence of create, re-score, ROAM, close and reopen keeps the score
history, the open list and the heat map consistent with a plain model of what was done."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from cadence.domain.errors import Conflict
from cadence.services import risks as svc
from cadence.services.workspace_config import WorkspaceConfig
from tests.services.stateful_world import discard, member_world

CONFIG = WorkspaceConfig()
START = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
LEVELS = st.integers(1, 5)


@dataclass
class Modelled:
    probability: int
    impact: int
    roam: str | None
    status: str = "open"
    scores: int = 1
    """Score rows: the first assessment plus one per re-score (a re-score to the same value still counts)."""


class RiskRegister(RuleBasedStateMachine):
    risks = Bundle("risks")

    def __init__(self) -> None:
        super().__init__()
        self.db, self.folder, self.actor = member_world()
        self.model: dict[int, Modelled] = {}
        self.clock = START

    def teardown(self) -> None:
        discard(self.db, self.folder)

    def _tick(self) -> dt.datetime:
        self.clock += dt.timedelta(hours=1)
        return self.clock

    @rule(target=risks, p=LEVELS, i=LEVELS, roam=st.sampled_from([None, *svc.ROAM]))
    def create(self, p: int, i: int, roam: str | None) -> int:
        made = svc.create_risk(
            self.db, CONFIG, self.actor, "OPS", title=f"risk {len(self.model) + 1}", probability=p, impact=i,
            roam=roam, now=self._tick(),
        )  # fmt: skip
        assert made["id"] not in self.model
        self.model[made["id"]] = Modelled(p, i, roam)
        return int(made["id"])

    @rule(risk=risks, p=LEVELS, i=LEVELS)
    def rescore(self, risk: int, p: int, i: int) -> None:
        model = self.model[risk]
        if model.status == "closed":
            try:
                svc.rescore_risk(self.db, CONFIG, self.actor, "OPS", risk, probability=p, impact=i, now=self._tick())
            except Conflict:
                return
            raise AssertionError("a closed risk was re-scored")
        view = svc.rescore_risk(self.db, CONFIG, self.actor, "OPS", risk, probability=p, impact=i, now=self._tick())
        model.probability, model.impact, model.scores = p, i, model.scores + 1
        assert view["score"] == p * i

    @rule(risk=risks, roam=st.sampled_from([None, *svc.ROAM]))
    def set_roam(self, risk: int, roam: str | None) -> None:
        svc.update_risk(self.db, CONFIG, self.actor, "OPS", risk, roam=roam, now=self._tick())
        self.model[risk].roam = roam

    @rule(risk=risks, status=st.sampled_from(svc.STATUSES))
    def close_or_reopen(self, risk: int, status: str) -> None:
        view = svc.update_risk(self.db, CONFIG, self.actor, "OPS", risk, status=status, now=self._tick())
        self.model[risk].status = status
        assert (view["closed_at"] is not None) == (status == "closed")

    @rule(risk=consumes(risks))
    def forget(self, risk: int) -> None:
        """Stop acting on a risk (it stays in the register): later steps pick among the others."""

    @invariant()
    def the_register_matches_the_model(self) -> None:
        register = svc.risk_register(self.db, CONFIG, self.actor, "OPS", now=self.clock, proposals=False)
        seen = {r["id"]: r for r in register.risks}
        assert set(seen) == set(self.model)
        for risk_id, model in self.model.items():
            view = seen[risk_id]
            assert (view["status"], view["roam"]) == (model.status, model.roam)
            assert (view["probability"], view["impact"], view["score"]) == (
                model.probability, model.impact, model.probability * model.impact
            )  # fmt: skip
            assert len(view["history"]) == model.scores
            assert view["history"][-1]["score"] == view["score"]
        scores = [r["score"] for r in register.risks]
        assert scores == sorted(scores, reverse=True), "highest score first"
        # The heat map counts open risks only, each in its (probability, impact) cell.
        open_ = Counter((m.probability, m.impact) for m in self.model.values() if m.status == "open")
        cells = {
            (c["probability"], row["impact"]): c["count"] for row in register.heat_map["rows"] for c in row["cells"]
        }
        assert register.heat_map["total"] == sum(open_.values()) == sum(cells.values())
        assert {k: v for k, v in cells.items() if v} == dict(open_)
        closed = {i for i, m in self.model.items() if m.status == "closed"}
        assert not closed & {r["id"] for r in register.stale}, "a closed risk is never in the review list"


RiskRegister.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
TestRiskRegister = RiskRegister.TestCase
