"""Jinja filters the dashboard pages share: numbers, ratios and days as a person reads them."""

from __future__ import annotations

import datetime as dt
import re

from markupsafe import Markup, escape

from cadence.http.templating import templates

__all__ = ["days", "number", "percent", "prose", "when"]


def number(value: object, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def percent(value: object) -> str:
    return "—" if not isinstance(value, int | float) else f"{value:.0%}"


def days(value: object) -> str:
    return "—" if not isinstance(value, int | float) else f"{value:.1f} d"


def when(value: object) -> str:
    """An ISO instant or a datetime as ``2026-06-30 14:05 UTC``."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "—" if value is None else str(value)


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"``(.+?)``")


def prose(text: str) -> Markup:
    """A docstring paragraph: escaped, with its ``**bold**`` and double-backtick code marks rendered."""
    html = str(escape(text))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _CODE.sub(r"<code>\1</code>", html)
    return Markup(html)  # noqa: S704 - built from escaped text


templates.env.filters.update(number=number, percent=percent, days=days, when=when, prose=prose)
