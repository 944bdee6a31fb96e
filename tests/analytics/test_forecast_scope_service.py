"""A scope's forecast through the service, on the seeded demo (SQLite, and PostgreSQL when available)."""

from __future__ import annotations

import datetime as dt

import pytest

from cadence.domain.errors import InputError
from cadence.services.forecasts import forecast_choices, scope_forecast, team_forecast
from cadence.services.seeding import seed_demo
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database

UNTIL = dt.date(2026, 6, 30)
NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
PCT = ("50", "70", "85", "95")


def test_scope_forecast_counts_growth_cone_and_track_record(db: Database) -> None:
    seed_demo(db, seed=7, scale=0.3, until=UNTIL)
    config = WorkspaceConfig()
    choices = forecast_choices(db, config, "PLAT", now=NOW)
    assert choices["versions"] and choices["epics"] and all(c["open"] > 0 for c in choices["epics"])
    version = choices["versions"][-2]["value"]  # a release under way, not one barely planned
    ask = {"now": NOW, "version": version, "until": dt.date(2026, 7, 28), "trials": 4000}
    result = scope_forecast(db, config, "PLAT", **ask)  # type: ignore[arg-type]
    counts = result["counts"]
    assert counts["total"] == counts["delivered"] + counts["removed"] + counts["remaining"]
    assert counts["remaining"] == next(c["open"] for c in choices["versions"] if c["value"] == version)
    how_many = [result["how_many"]["items"][p] for p in PCT]
    assert how_many == sorted(how_many, reverse=True) and max(how_many) <= counts["remaining"]
    growth = result["growth"]
    assert growth["source"] == "measured" and growth["used"] == growth["measured"]
    assert growth["finishes"] is (growth["measured"] is not None)
    if growth["finishes"]:
        dates = [result["when"]["dates"][p] for p in PCT]
        assert None not in dates and dates == sorted(dates) and dates[0] >= "2026-07-01"
    history, cone = result["burn_up"]["history"], result["burn_up"]["cone"]
    assert history[-1] == {
        "date": "2026-07-01",
        "delivered": counts["delivered"],
        "scope": counts["total"] - counts["removed"],
    }
    assert cone[0]["date"] == "2026-07-01"
    assert all(row["p95"] <= row["p85"] <= row["p50"] for row in cone)
    if result["burn_up"]["reached"]:
        assert cone[-1]["p95"] == result["burn_up"]["projected_scope"]
        assert cone[-1]["date"] == result["when"]["dates"]["95"]  # the cone ends on the P95 "when" date
    # the track record is the team's, exactly as the team forecast at the same horizon reports it
    team = team_forecast(db, config, "PLAT", now=NOW, until=dt.date(2026, 7, 28), trials=4000)
    assert result["track_record"]["horizon_days"] == team["track_record"]["horizon_days"] == 28
    assert result["track_record"]["origins"] == team["track_record"]["origins"] > 0
    assert scope_forecast(db, config, "PLAT", **ask) == result  # type: ignore[arg-type]


def test_growth_override_later_dates_and_a_scope_that_never_finishes(db: Database) -> None:
    seed_demo(db, seed=7, scale=0.3, until=UNTIL)
    config = WorkspaceConfig()
    epic = forecast_choices(db, config, "PLAT", now=NOW)["epics"][0]["value"]
    flat = scope_forecast(db, config, "PLAT", now=NOW, epic=epic, scope_growth=0.0, trials=4000, seed=1)
    grown = scope_forecast(db, config, "PLAT", now=NOW, epic=epic, scope_growth=0.5, trials=4000, seed=1)
    assert flat["growth"]["source"] == "override" and grown["growth"]["used"] == 0.5
    assert all(grown["when"]["dates"][p] >= flat["when"]["dates"][p] for p in PCT)
    # twice the deliveries for the same remaining items: the projected scope grows by the remaining count
    remaining = grown["counts"]["remaining"]
    assert grown["burn_up"]["projected_scope"] == flat["burn_up"]["projected_scope"] + remaining
    # the demo's "tech-debt" stream gains as many items as it delivers: no date, a 91-day open cone
    stream = scope_forecast(db, config, "PLAT", now=NOW, label="tech-debt", trials=2000)
    assert stream["growth"]["finishes"] is False and stream["growth"]["measured"] is None
    assert stream["when"]["dates"] == dict.fromkeys(PCT) and stream["when"]["finishes"] is False
    assert len(stream["burn_up"]["cone"]) == 91 and stream["burn_up"]["projected_scope"] is None


def test_bad_scope_questions_name_the_value(db: Database) -> None:
    seed_demo(db, seed=7, scale=0.3, until=UNTIL)
    config = WorkspaceConfig()
    with pytest.raises(InputError, match="ROAD-9999"):
        scope_forecast(db, config, "PLAT", now=NOW, epic="ROAD-9999")
    with pytest.raises(InputError, match="epic 'ROAD-1', label 'ux'"):
        scope_forecast(db, config, "PLAT", now=NOW, epic="ROAD-1", label="ux")
    with pytest.raises(InputError, match="given: none"):
        scope_forecast(db, config, "PLAT", now=NOW)
    with pytest.raises(InputError, match="2026-06-01"):
        scope_forecast(db, config, "PLAT", now=NOW, label="ux", until=dt.date(2026, 6, 1))
    with pytest.raises(InputError, match=r"1\.5"):
        scope_forecast(db, config, "PLAT", now=NOW, label="ux", scope_growth=1.5)
