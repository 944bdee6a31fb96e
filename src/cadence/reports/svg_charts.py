"""Small bar and line charts as inline SVG, drawn on the server: readable in a PDF, an e-mail or with JS disabled.

Each chart carries a ``<title>`` and ``<desc>`` (its values in words) referenced by ``aria-labelledby``, so a
screen reader announces the same numbers the bars show.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["bar_chart", "line_chart"]

_W, _H = 480, 180
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 10, 16, 30
_INK, _BAR, _GRID = "#1f2937", "#2563eb", "#d1d5db"


def _scale(values: Sequence[float | None]) -> float:
    top = max((v for v in values if v is not None), default=0.0)
    return float(top) * 1.15 if top > 0 else 1.0


def _frame(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float | None], unit: str) -> str:
    said = "; ".join(
        f"{label}: {'no data' if v is None else _number(v)} {unit}" for label, v in zip(labels, values, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" font-size="10">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(said)}</desc>'
        f'<line x1="{_LEFT}" y1="{_H - _BOTTOM}" x2="{_W - _RIGHT}" y2="{_H - _BOTTOM}" stroke="{_GRID}"/>'
    )


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _slots(n: int) -> tuple[float, list[float]]:
    width = (_W - _LEFT - _RIGHT) / max(n, 1)
    return width, [_LEFT + width * (i + 0.5) for i in range(n)]


def _axis_labels(labels: Sequence[str], centres: list[float]) -> str:
    return "".join(
        f'<text x="{x:.1f}" y="{_H - _BOTTOM + 14}" text-anchor="middle" fill="{_INK}">{escape(label[-3:])}</text>'
        for label, x in zip(labels, centres, strict=True)
    )


def bar_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float | None], unit: str) -> Markup:
    """One bar per label, its value written above it; a missing value draws no bar and says "no data"."""
    top = _scale(values)
    width, centres = _slots(len(values))
    plot = _H - _TOP - _BOTTOM
    parts = [_frame(chart_id, title, labels, values, unit)]
    for value, x in zip(values, centres, strict=True):
        if value is None:
            continue
        height = plot * float(value) / top
        y = _H - _BOTTOM - height
        parts.append(
            f'<rect x="{x - width * 0.35:.1f}" y="{y:.1f}" width="{width * 0.7:.1f}" height="{height:.1f}" '
            f'fill="{_BAR}"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{y - 3:.1f}" text-anchor="middle" fill="{_INK}">{_number(value)}</text>')
    parts.append(_axis_labels(labels, centres))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped or a number we formatted


def line_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float | None], unit: str) -> Markup:
    """A line through the values (broken where one is missing), each point labelled."""
    top = _scale(values)
    _, centres = _slots(len(values))
    plot = _H - _TOP - _BOTTOM
    parts = [_frame(chart_id, title, labels, values, unit)]
    run: list[str] = []
    runs: list[list[str]] = [run]
    for x, v in zip(centres, values, strict=True):
        if v is None:
            run = []
            runs.append(run)
            continue
        y = _H - _BOTTOM - plot * float(v) / top
        run.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_BAR}"/>')
        parts.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" fill="{_INK}">{_number(v)}</text>')
    for segment in runs:
        if len(segment) > 1:
            parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{_BAR}" stroke-width="2"/>')
    parts.append(_axis_labels(labels, centres))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped or a number we formatted
