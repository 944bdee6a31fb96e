"""A detected impediment candidate is decided once per team, even by two managers at the same instant."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cadence.domain.errors import Conflict
from cadence.store import impediments as store
from cadence.store import schema as S
from cadence.store.database import Database
from cadence.store.ingest import ingest
from tests.factories import team_batch, ts


def test_a_second_decision_on_the_same_signal_is_a_conflict_and_keeps_the_first(db: Database) -> None:
    with db.begin() as conn:
        ingest(conn, team_batch())
        team_id = conn.execute(select(S.Team.id)).scalar_one()
        first = store.insert_impediment(
            conn, team_id=team_id, title="OPS-1: stalled", opened_at=ts(2024, 3, 5), status="open",
            signal_key="stage_dwell:1:2024-03-01T09:00:00+00:00",
        )  # fmt: skip
        with pytest.raises(Conflict, match="decided meanwhile"):
            store.insert_impediment(
                conn, team_id=team_id, title="OPS-1: stalled", opened_at=ts(2024, 3, 5), status="dismissed",
                signal_key="stage_dwell:1:2024-03-01T09:00:00+00:00",
            )  # fmt: skip
        # manual impediments carry no signal key and may be as many as people raise
        for _ in range(2):
            store.insert_impediment(conn, team_id=team_id, title="waiting on legal", opened_at=ts(2024, 3, 6))
    with db.connect() as conn:
        rows = conn.execute(select(S.Impediment.id, S.Impediment.status).order_by(S.Impediment.id)).all()
        count = conn.execute(select(func.count()).select_from(S.Impediment)).scalar_one()
    assert rows[0] == (first, "open")
    assert count == 3
