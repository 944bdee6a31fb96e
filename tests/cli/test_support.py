"""``cadence support relay|digest|duty`` on the seeded demo: the relay speaks once, the digest sends and moves on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def seeded(cli, sqlite_url: str) -> str:
    assert cli(sqlite_url, "db", "upgrade").exit_code == 0
    result = cli(sqlite_url, "seed", "--demo", "--scale", "0.1", "--seed", "11", "--until", "2026-06-30")
    assert result.exit_code == 0, result.output
    return sqlite_url


def test_relay_runs_once_and_the_digest_sends(cli, seeded: str) -> None:
    first = cli(seeded, "support", "relay", "--format", "json")
    assert first.exit_code == 0, first.output
    done = json.loads(first.stdout)
    assert done["updates"] > 0 and len(done["tickets"]) == done["updates"]  # the demo's escalated tickets
    again = json.loads(cli(seeded, "support", "relay", "--format", "json").stdout)
    assert again == {"updates": 0, "notifications": 0, "tickets": []}

    shown = cli(seeded, "support", "digest", "SUP")
    assert shown.exit_code == 0 and "Support digest for" in shown.stdout and "Dev item stalled" in shown.stdout
    sent = cli(seeded, "support", "digest", "SUP", "--send", "--format", "json")
    assert sent.exit_code == 0, sent.output
    assert set(json.loads(sent.stdout)) == {"team", "since", "answerable", "stalled", "at_risk", "queued"}
    assert cli(seeded, "support", "digest", "NOPE").exit_code == 7  # not found


def test_duty_reads_the_rotation(cli, seeded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = tmp_path / "cadence.toml"
    workspace.write_text('[teams.SUP.support]\ntriage_rotation = ["Chloé", "Yanis"]\nrotation_days = 7\n'
                         "rotation_start = 2026-06-01\n")  # fmt: skip
    monkeypatch.setenv("CADENCE_WORKSPACE_FILE", str(workspace))
    assert cli(seeded, "support", "duty", "SUP", "--date", "2026-06-07").stdout.strip() == "Chloé"
    assert cli(seeded, "support", "duty", "SUP", "--date", "2026-06-08").stdout.strip() == "Yanis"
    assert cli(seeded, "support", "duty", "SUP", "--date", "2026-06-15").stdout.strip() == "Chloé"
    assert cli(seeded, "support", "duty", "SUP", "--date", "soon").exit_code == 6
