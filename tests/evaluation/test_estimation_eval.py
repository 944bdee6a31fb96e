"""The story-point protocol on the real Deep-SE projects: baselines reproduced exactly, suggester scored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from cadence.cli.main import app
from cadence.connectors.datasets import read_reference_results
from tests.evaluation.datasets import dataset


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    """One full run over the eight projects (about 4 s), shared by the tests of this module."""
    folder = dataset("storypoints/deep-se")
    out = CliRunner().invoke(app, ["eval", "estimation", "--data", str(folder), "--format", "json"])
    assert out.exit_code == 0, out.output
    return {"folder": folder, "json": json.loads(out.stdout)}


def test_json_contract(result: dict[str, Any]) -> None:
    projects = result["json"]["projects"]
    assert set(result["json"]) == {"projects"}
    assert len(projects) == 8
    for entry in projects.values():
        assert set(entry) == {"n_test", "mae", "mdae", "sa", "mean_mae", "median_mae"}


def test_baselines_reproduce_the_reference_exactly(result: dict[str, Any]) -> None:
    reference = read_reference_results(result["folder"])
    assert reference is not None
    projects = result["json"]["projects"]
    for row in reference.iter_rows(named=True):
        entry = projects[row["project"]]
        assert entry["n_test"] == row["n_test"]
        assert entry["mean_mae"] == row["recomputed_mean_mae"]
        assert entry["median_mae"] == row["recomputed_median_mae"]
    assert projects["mesos"]["median_mae"] == 1.2166


def test_suggester_beats_the_median_baseline_in_six_of_eight_projects(result: dict[str, Any]) -> None:
    projects = result["json"]["projects"]
    better = sorted(name for name, p in projects.items() if p["mae"] < p["median_mae"])
    # measured: not in bamboo and titanium (the published Deep-SE replication managed 6 of 16)
    assert better == ["appceleratorstudio", "aptanastudio", "clover", "duracloud", "mesos", "usergrid"]
    assert all(p["sa"] > 0 for p in projects.values())  # better than random guessing everywhere


def test_table_output_names_the_win_count(deep_se: Path, run: Callable[..., Any]) -> None:
    out = run("eval", "estimation", "--data", str(deep_se))
    assert out.exit_code == 0
    assert "Below the Median baseline's MAE in 6 of 8 projects." in out.stdout


def test_missing_folder_is_an_input_error(run: Callable[..., Any], tmp_path: Path) -> None:
    out = run("eval", "estimation", "--data", str(tmp_path / "nope"))
    assert out.exit_code == 6
    assert "does not exist" in out.output


def test_reference_file_layout(deep_se: Path) -> None:
    reference = read_reference_results(deep_se)
    assert reference is not None and isinstance(reference, pl.DataFrame) and reference.height == 8
