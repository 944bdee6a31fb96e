"""The mapping file that says which columns of a status-event log mean what (see ``docs/connectors.md``)."""

from __future__ import annotations

import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cadence.domain.errors import InputError

__all__ = ["EventMapping", "load_event_mapping"]

_REQUIRED = ("ticket", "at", "status")
_OPTIONAL = ("priority", "impact", "urgency", "level", "assignee", "title", "customer", "product_area", "channel")
_TRACKED = ("priority", "level", "assignee")
"""Optional columns whose changes become ticket events of the same kind (besides the status events)."""


@dataclass(frozen=True)
class EventMapping:
    columns: dict[str, tuple[str, ...]]
    """Concept -> source column(s); several columns are joined with ``status_separator`` (e.g. status / sub status)."""
    timestamp_format: str | None = None
    timezone: str = "UTC"
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    status_separator: str = " / "
    resolved: frozenset[str] = field(default_factory=frozenset)

    @property
    def tracked(self) -> tuple[str, ...]:
        return tuple(c for c in _TRACKED if c in self.columns)


def load_event_mapping(path: Path) -> EventMapping:
    """Parse and check a mapping file; every mistake is reported with the key that holds it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"mapping file '{path}' does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"mapping file '{path}' is not valid TOML: {error}") from None
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, dict):
        raise InputError(f"mapping file '{path}' has no [columns] table")
    unknown = sorted(set(raw_columns) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        allowed = ", ".join((*_REQUIRED, *_OPTIONAL))
        raise InputError(f"mapping file '{path}': unknown key(s) {', '.join(unknown)} in [columns]; use {allowed}")
    missing = [c for c in _REQUIRED if c not in raw_columns]
    if missing:
        raise InputError(f"mapping file '{path}': [columns] lacks {', '.join(missing)}")
    columns = {name: _names(path, name, value) for name, value in raw_columns.items()}
    fmt: dict[str, Any] = data.get("format", {})
    timezone = str(fmt.get("timezone", "UTC"))
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"mapping file '{path}': [format] timezone '{timezone}' is not an IANA zone") from None
    delimiter = str(fmt.get("delimiter", ","))
    if len(delimiter) != 1:
        raise InputError(f"mapping file '{path}': [format] delimiter must be one character, not '{delimiter}'")
    return EventMapping(
        columns=columns,
        timestamp_format=fmt.get("timestamp") or None,
        timezone=timezone,
        delimiter=delimiter,
        encoding=str(fmt.get("encoding", "utf-8-sig")),
        status_separator=str(fmt.get("status_separator", " / ")),
        resolved=frozenset(str(s) for s in fmt.get("resolved", ())),
    )


def _names(path: Path, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InputError(f"mapping file '{path}': [columns] {key} must be a column name or a list of column names")
