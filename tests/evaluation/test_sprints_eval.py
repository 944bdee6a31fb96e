"""``cadence eval sprints`` on the 720 real sprints of Choetkiertikul et al. (TSE 2017)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cadence.connectors.datasets import read_sprint_iterations


def test_paper_sprint_counts_survive_commas_in_names(sprints_dir: Path) -> None:
    apache = read_sprint_iterations(sprints_dir / "apache_iteration_0.csv")
    jboss = read_sprint_iterations(sprints_dir / "jboss_iteration_0.csv")
    # the paper's iterations: 348 Apache + 372 JBoss = 720, each (board, sprint) once
    assert (apache.height, jboss.height) == (348, 372)
    assert apache.select("boardid", "sprintid").n_unique() == 348
    assert jboss.select("boardid", "sprintid").n_unique() == 372
    names = jboss.filter(jboss["name"].str.contains(","))["name"].to_list()
    assert "Rel 5.0.0.Alpha2, 4.5.0.Alpha2" in names and "Sprint_July7-11,2014" in names


def test_json_report(sprints_dir: Path, run: Callable[..., Any]) -> None:
    out = run("eval", "sprints", "--data", str(sprints_dir), "--format", "json")
    assert out.exit_code == 0, out.output
    ecosystems = json.loads(out.stdout)["ecosystems"]
    assert {e: v["sprints"] for e, v in ecosystems.items()} == {"apache": 348, "jboss": 372}
    for entry in ecosystems.values():
        assert set(entry["forecasts"]) == {"0", "30", "50", "80"}
        say_do = entry["say_do"]
        assert say_do["p10"] <= say_do["p25"] <= say_do["p50"] <= say_do["p75"] <= say_do["p90"]
        for forecast in entry["forecasts"].values():
            # the board's own history beats taking the plan at face value, at every point of the sprint
            assert forecast["history_mae"] < forecast["plan_mae"]
    assert run("eval", "sprints", "--data", str(sprints_dir)).exit_code == 0
