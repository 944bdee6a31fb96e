"""Parsing the fields of the pages' HTML forms: one wording of each error, raised as ``InputError`` so the page
answers 422 with the field named."""

from __future__ import annotations

import datetime as dt

from cadence.domain.errors import InputError

__all__ = ["form_date", "form_person"]


def form_date(value: str, field: str) -> dt.date | None:
    """A date field (empty: none)."""
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{field} '{text}' is not a date such as 2026-03-31", **{field: text}) from None


def form_person(value: str, field: str = "owner") -> int | None:
    """A person id from a select (empty: nobody)."""
    text = value.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InputError(f"{field} '{text}' is not a person of the team", **{field: text})
    return int(text)
