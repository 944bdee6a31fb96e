"""``cadence eval forecast`` on real completion-date files: the JSON contract and the calibrated coverage."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

SMALL = ("Spring_DataCass.csv", "Apache_Usergrid.csv")  # the two shortest files keep this test at a few seconds


def _subset(source: Path, target: Path) -> Path:
    target.mkdir()
    for name in SMALL:
        (target / name).symlink_to(source / name)
    return target


def test_json_contract_and_coverage(throughput_dir: Path, tmp_path: Path, run: Callable[..., Any]) -> None:
    folder = _subset(throughput_dir, tmp_path / "throughput")
    out = run("eval", "forecast", "--throughput", str(folder), "--horizons", "14,28,56", "--format", "json")
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert set(result) == {"files"}
    assert set(result["files"]) == {"Spring_DataCass", "Apache_Usergrid"}
    for entry in result["files"].values():
        assert set(entry) == {"horizons"}
        assert set(entry["horizons"]) == {"14", "28", "56"}
        for score in entry["horizons"].values():
            assert set(score) == {"p50_coverage", "p85_coverage", "bias", "origins"}
            assert score["origins"] > 150
            # measured with seed 0: 0.82-0.88 on these two files (docs/forecasting.md has all ten)
            assert 0.80 <= score["p85_coverage"] <= 0.90
            assert 0.35 <= score["p50_coverage"] <= 0.65


def test_results_are_reproducible_for_a_seed(throughput_dir: Path, tmp_path: Path, run: Callable[..., Any]) -> None:
    folder = _subset(throughput_dir, tmp_path / "throughput")
    args = ("eval", "forecast", "--throughput", str(folder), "--horizons", "14", "--trials", "300", "--format", "json")
    assert run(*args).stdout == run(*args).stdout


def test_table_and_bad_input(tmp_path: Path, run: Callable[..., Any]) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    days = [f"2024-01-{d:02d}" for d in range(1, 32)] + [f"2024-02-{d:02d}" for d in range(1, 29)] * 2
    (folder / "team.csv").write_text("\n".join(days) + "\n")
    out = run("eval", "forecast", "--throughput", str(folder), "--horizons", "7", "--window", "14")
    assert out.exit_code == 0, out.output
    assert "team" in out.stdout
    assert run("eval", "forecast", "--throughput", str(folder), "--horizons", "x").exit_code == 6
    (folder / "bad.csv").write_text("2024-01-01\nyesterday\n")
    bad = run("eval", "forecast", "--throughput", str(folder))
    assert bad.exit_code == 6
    assert "line 2" in bad.output


def test_all_ten_projects_are_calibrated(throughput_dir: Path) -> None:
    """The documented claim: P85 coverage within 80-90 % in 29 of the 30 (file, horizon) cells, seed 0."""
    from cadence.services.evaluation import evaluate_forecast

    files = evaluate_forecast(throughput_dir, horizons=(14, 28, 56))["files"]
    assert len(files) == 10
    cells = [s["p85_coverage"] for f in files.values() for s in f["horizons"].values()]
    assert sum(0.80 <= c <= 0.90 for c in cells) >= 29
    assert min(cells) >= 0.77  # the one miss: Hyperledger Fabric at 56 days, 0.779
    for horizon in ("14", "28", "56"):
        mean = sum(f["horizons"][horizon]["p85_coverage"] for f in files.values()) / len(files)
        assert 0.82 <= mean <= 0.88
