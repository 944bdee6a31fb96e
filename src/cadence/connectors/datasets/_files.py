"""Shared checks of a dataset path, so every reader names the missing thing the same way."""

from __future__ import annotations

from pathlib import Path

from cadence.domain.errors import InputError

__all__ = ["require_dir", "require_file"]


def require_dir(path: Path, what: str) -> Path:
    """``path`` if it is a folder, else an :class:`InputError` saying which ``what`` was expected there."""
    if not path.is_dir():
        raise InputError(f"{what} folder '{path}' does not exist or is not a folder", path=str(path))
    return path


def require_file(path: Path, what: str) -> Path:
    """``path`` if it is a file, else an :class:`InputError` naming it."""
    if not path.is_file():
        raise InputError(f"{what} file '{path}' does not exist", path=str(path))
    return path
