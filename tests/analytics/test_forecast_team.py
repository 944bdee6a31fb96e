"""A team's forecast through the service, on the seeded demo workspace (SQLite, and PostgreSQL when available)."""

from __future__ import annotations

import datetime as dt

import pytest

from cadence.domain.errors import InputError
from cadence.services.forecasts import team_forecast
from cadence.services.seeding import seed_demo
from cadence.services.workspace_config import WorkspaceConfig
from cadence.services.workspace_status import workspace_status
from cadence.store.database import Database

UNTIL = dt.date(2026, 6, 30)
NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)


def test_team_forecast_is_ordered_and_repeatable(db: Database) -> None:
    seed_demo(db, seed=3, scale=0.25, until=UNTIL)
    key = workspace_status(db).teams[0].key
    config = WorkspaceConfig()
    ask = {"now": NOW, "items": 30, "until": dt.date(2026, 7, 28), "trials": 2000}
    result = team_forecast(db, config, key, **ask)  # type: ignore[arg-type]
    assert result["sample"]["to"] == "2026-06-30"  # yesterday: today is not over
    assert result["sample"]["delivered"] > 0
    counts = [result["how_many"]["items"][p] for p in ("50", "70", "85", "95")]
    assert counts == sorted(counts, reverse=True)
    assert result["how_many"]["calibrated"] is True  # the demo's months of history give 12+ weekly origins
    dates = [result["when"]["dates"][p] for p in ("50", "70", "85", "95")]
    assert None not in dates and dates == sorted(dates)
    assert team_forecast(db, config, key, **ask) == result  # type: ignore[arg-type]
    with pytest.raises(InputError):
        team_forecast(db, config, key, now=NOW)
    with pytest.raises(InputError):
        team_forecast(db, config, key, now=NOW, until=dt.date(2026, 6, 1))
