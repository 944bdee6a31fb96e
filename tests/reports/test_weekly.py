"""``cadence report weekly`` on a small demo workspace: the PDF's text carries the metrics API's numbers."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cadence.cli import context
from cadence.cli.main import app
from cadence.domain.errors import InputError
from cadence.reports.svg_charts import bar_chart
from cadence.reports.weekly import change_text
from cadence.services.audit_log import SYSTEM
from cadence.services.seeding import seed_demo
from cadence.services.team_metrics import team_metrics
from cadence.services.weekly_report import IsoWeek, parse_week, team_report
from cadence.services.workspace_config import load_workspace_config
from cadence.store.database import Database
from cadence.store.migrations import upgrade

UNTIL = dt.date(2026, 11, 20)
WEEK, MONDAY, SUNDAY = "2026-W46", dt.date(2026, 11, 9), dt.date(2026, 11, 15)
ADMIN = type(SYSTEM)(user_id=0, username="cadence", display_name="Cadence", is_superuser=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('weekly')}/cadence.db"
    db = Database(url)
    upgrade(db)
    seed_demo(db, scale=0.3, until=UNTIL)
    db.dispose()
    yield url


def _run(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> object:
    monkeypatch.setenv("CADENCE_DATABASE_URL", url)
    monkeypatch.setenv("CADENCE_DATA_DIR", str(tmp_path))
    context.settings.cache_clear()
    return CliRunner().invoke(app, ["report", "weekly", *args])


def _api_figures(url: str, start: dt.date, end: dt.date) -> dict[str, object]:
    """The service behind ``/api/v1/teams/SUP/metrics?from=&to=`` for the same week."""
    db = Database(url)
    try:
        config = load_workspace_config(Path("absent-cadence.toml"))
        return team_metrics(db, config, "SUP", now=dt.datetime.now(dt.UTC), start=start, end=end)
    finally:
        db.dispose()


def _days(value: object) -> str:
    assert isinstance(value, float)
    return f"{value:.1f} d"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdf_text_holds_the_metrics_api_numbers(demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "weekly.pdf"
    result = _run(demo, tmp_path, monkeypatch, "--team", "SUP", "--format", "pdf", "--out", str(out), "--week", WEEK)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    this, before = (
        _api_figures(demo, MONDAY, SUNDAY),
        _api_figures(demo, MONDAY - dt.timedelta(7), MONDAY - dt.timedelta(1)),
    )
    delivered = sum(row["count"] for row in this["throughput"])  # type: ignore[attr-defined]
    delivered_before = sum(row["count"] for row in before["throughput"])  # type: ignore[attr-defined]
    assert delivered > 0 and delivered_before > 0
    assert re.search(rf"Items delivered\s+{delivered}\s+{delivered_before}\s", text), text
    p85, p85_before = this["cycle_time"]["p85"], before["cycle_time"]["p85"]  # type: ignore[index]
    assert re.search(rf"Cycle time P85\s+{re.escape(_days(p85))}\s+{re.escape(_days(p85_before))}", text)
    p50 = this["cycle_time"]["p50"]  # type: ignore[index]
    assert re.search(rf"Cycle time P50\s+{re.escape(_days(p50))}", text)
    wip = this["little_law"]["average_wip"]  # type: ignore[index]
    assert re.search(rf"Average WIP\s+{wip:.1f}\s", text)
    escaped = this["escaped_defects"]["escaped"]  # type: ignore[index]
    assert re.search(rf"Escaped defects\s+{escaped}\s", text)
    assert "Support Engineering health report, week 2026-W46" in text and "Appendix: definitions" in text


def test_markdown_html_and_confluence(demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = {}
    for fmt in ("md", "html", "confluence"):
        out = tmp_path / f"weekly.{fmt}"
        result = _run(demo, tmp_path, monkeypatch, "--team", "SUP", "--format", fmt, "--out", str(out), "--week", WEEK)
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        outputs[fmt] = out.read_text()
    this = _api_figures(demo, MONDAY, SUNDAY)
    delivered = sum(row["count"] for row in this["throughput"])  # type: ignore[attr-defined]
    md = outputs["md"]
    assert f"| Items delivered | {delivered} |" in md
    assert f"| Cycle time P85 | {_days(this['cycle_time']['p85'])} |" in md  # type: ignore[index]
    assert "### Support SLAs" in md and "### Forecast" in md and "## Definitions" in md
    trend_rows = re.findall(r"^\| 2026-W\d\d \| \d+ \|", md, flags=re.M)
    assert len(trend_rows) == 8 and trend_rows[-1].startswith(f"| {WEEK} | {delivered} |")

    html = outputs["html"]
    assert "<script" not in html and html.count("<svg") == 2
    assert 'role="img"' in html and '<title id="sup-throughput-title">' in html and 'href="#definitions"' in html

    body = outputs["confluence"]
    root = ET.fromstring(  # noqa: S314 - our own output
        '<page xmlns:ac="http://atlassian.com/content" xmlns:ri="http://atlassian.com/resource/identifier">'
        f"{body}</page>"
    )
    macros = root.iter("{http://atlassian.com/content}structured-macro")
    names = {m.get("{http://atlassian.com/content}name") for m in macros}
    assert {"info", "status", "expand"} <= names
    cells = [td.text for td in root.iter("td")]
    assert "Items delivered" in cells and str(delivered) in cells


def test_department_report_totals_every_team(demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "dept.md"
    result = _run(demo, tmp_path, monkeypatch, "--all", "--format", "md", "--out", str(out), "--week", WEEK)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    md = out.read_text()
    assert "## Platform (PLAT), 2026-W46" in md and "## Support Engineering (SUP), 2026-W46" in md
    per_team = [int(n) for n in re.findall(r"^\| Items delivered \| (\d+) \|", md, flags=re.M)]
    total, *teams = per_team
    assert len(teams) == 2 and total == sum(teams)


def test_bad_week_and_bad_choice_are_clear_errors(demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "x.md"
    for week, said in (("2026-W60", "2026 has no ISO week 60"), ("47", "not an ISO week; use YYYY-Www")):
        result = _run(demo, tmp_path, monkeypatch, "--team", "SUP", "--out", str(out), "--week", week)
        assert result.exit_code == 6 and said in result.output  # type: ignore[attr-defined]
    both = _run(demo, tmp_path, monkeypatch, "--team", "SUP", "--all", "--out", str(out))
    assert both.exit_code == 6 and "--team KEY, or --all" in both.output  # type: ignore[attr-defined]
    assert _run(demo, tmp_path, monkeypatch, "--team", "NOPE", "--out", str(out)).exit_code == 7  # type: ignore[attr-defined]
    assert not out.exists()


def test_default_week_is_the_last_complete_one_in_the_team_zone(demo: str) -> None:
    db = Database(demo)
    config = load_workspace_config(Path("absent-cadence.toml"))
    # Sunday 23:30 UTC is already Monday 00:30 in Paris: W46 is complete there.
    report = team_report(db, config, ADMIN, "SUP", now=dt.datetime(2026, 11, 15, 23, 30, tzinfo=dt.UTC))
    db.dispose()
    assert report["week"] == "2026-W46" and report["previous_week"] == "2026-W45"
    assert report["trend"]["weeks"][0] == "2026-W39" and len(report["trend"]["throughput"]) == 8


def test_week_parsing_and_change_wording() -> None:
    assert parse_week("2026-W47") == IsoWeek(2026, 47) and IsoWeek(2026, 47).monday == dt.date(2026, 11, 16)
    assert IsoWeek(2026, 1).shifted(-1) == IsoWeek(2025, 52) and parse_week("2020-W53").sunday == dt.date(2021, 1, 3)
    with pytest.raises(InputError, match="2025 has no ISO week 53"):
        parse_week("2025-W53")
    up = {"change": 0.05, "unit": "share", "better": "down"}
    assert change_text(up) == "+5 pts (worse)"
    assert change_text({"change": -3, "unit": "items", "better": "down"}) == "-3 (better)"
    assert change_text({"change": None, "unit": "items", "better": "up"}) == "—"


def test_bar_chart_says_its_values_in_words() -> None:
    svg = str(bar_chart("t", "Delivered <per week>", ["2026-W01", "2026-W02"], [4, None], "items"))
    assert '<title id="t-title">Delivered &lt;per week&gt;</title>' in svg
    assert "2026-W01: 4 items; 2026-W02: no data items" in svg and svg.count("<rect") == 1


@pytest.mark.postgres
def test_team_report_on_postgresql_matches_the_metrics_service(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        upgrade(db)
        seed_demo(db, scale=0.3, until=UNTIL)
        config = load_workspace_config(Path("absent-cadence.toml"))
        now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
        report = team_report(db, config, ADMIN, "SUP", now=now, week=parse_week(WEEK))
        metrics = team_metrics(db, config, "SUP", now=now, start=MONDAY, end=SUNDAY)
    finally:
        db.dispose()
    figures = {f["key"]: f for s in report["sections"] for f in s["figures"]}
    assert figures["throughput"]["value"] == sum(row["count"] for row in metrics["throughput"])
    assert figures["cycle_time_p85"]["value"] == metrics["cycle_time"]["p85"]
    assert figures["escaped_defects"]["value"] == metrics["escaped_defects"]["escaped"]
    # The demo's register holds open risks; each top risk's score is its probability times its impact.
    assert figures["risks_open"]["value"] >= len(report["top_risks"]) > 0
    assert all(r["score"] == r["probability"] * r["impact"] for r in report["top_risks"])
