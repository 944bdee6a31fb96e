"""The docs name every setting and every command, so they cannot silently fall behind the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main

from cadence.cli.main import app
from cadence.settings import Settings

DOCS = Path(__file__).parents[1] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [name for name in Settings.model_fields if f"`CADENCE_{name.upper()}`" not in text]
    assert missing == []


def _is_group(command: object) -> bool:
    """Typer ships its own click, so test for the group interface rather than a class."""
    return isinstance(getattr(command, "commands", None), dict)


def _commands(group: Any, prefix: str = "cadence") -> list[str]:
    names = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if _is_group(command):
            names += _commands(command, path)
        else:
            names.append(path)
    return names


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = _commands(typer.main.get_command(app))  # type: ignore[arg-type]
    assert "cadence status" in commands
    missing = [name for name in commands if f"`{name}" not in text]
    assert missing == []


def test_every_option_of_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    root = typer.main.get_command(app)
    assert _is_group(root)
    missing = []
    names = _commands(root)
    assert len(names) > 10
    for name in names:
        command: Any = root
        for part in name.split()[1:]:
            assert _is_group(command)
            command = command.commands[part]
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in {"--help"} and opt not in text:
                    missing.append(f"{name} {opt}")
    assert missing == []
