"""Vega-Lite specs for the dashboard, built server-side from the metrics result as plain dictionaries.

Plain dicts rather than Altair: the specs are small, their shape is the documented Vega-Lite JSON, and the page
needs no extra dependency (the vendored vega-embed renders them). Every spec sets ``description`` for screen
readers; the page puts a table of the same data next to each chart.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "PERCENTILES",
    "age_chart",
    "burn_up_chart",
    "cfd_chart",
    "cycle_time_chart",
    "thin",
    "throughput_chart",
    "unplanned_chart",
    "velocity_chart",
]

Spec = dict[str, Any]
PERCENTILES = ("p50", "p70", "p85", "p95")
_PALETTE = ["#1f5fbf", "#c2410c", "#15803d", "#7e22ce", "#b45309", "#0e7490", "#be123c", "#4d5b70"]
_RULE_COLOURS = {"p50": "#15803d", "p70": "#b45309", "p85": "#c2410c", "p95": "#be123c"}


MAX_POINTS = 800
"""Points per scatter: beyond this a chart is unreadable and the page slow (a 50k-item team delivers ~15k items in
twelve weeks). Larger sets keep every point above the threshold (the items worth asking about) and an even sample of
the rest; the chart's note and its data table say so."""


def thin(rows: list[dict[str, Any]], field: str, above: float | None, limit: int = MAX_POINTS) -> list[dict[str, Any]]:
    """At most ``limit`` rows: all whose ``field`` exceeds ``above`` (largest first if even those are too many),
    then every k-th of the others, in their original order."""
    if len(rows) <= limit:
        return rows
    cut = above if above is not None else float("inf")
    high = [i for i, r in enumerate(rows) if (r.get(field) or 0) > cut]
    if len(high) >= limit:
        high = sorted(high, key=lambda i: rows[i][field], reverse=True)[:limit]
        return [rows[i] for i in sorted(high)]
    rest = [i for i, r in enumerate(rows) if not (r.get(field) or 0) > cut]
    room = limit - len(high)
    step = len(rest) / room
    sampled = [rest[int(k * step)] for k in range(room)]
    return [rows[i] for i in sorted(high + sampled)]


def _base(description: str, height: int = 240) -> Spec:
    return {
        "description": description,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": {
            "font": "system-ui, sans-serif",
            "axis": {"labelColor": "#3b4554", "titleColor": "#1d2430", "gridColor": "#e5e8ee"},
            "legend": {"labelColor": "#3b4554", "titleColor": "#1d2430", "orient": "bottom"},
            "view": {"stroke": None},
        },
    }


def _percentile_rules(summary: dict[str, Any], axis: str) -> list[Spec]:
    values = [
        {"percentile": p.upper(), "days": summary[p]} for p in PERCENTILES if isinstance(summary.get(p), int | float)
    ]
    if not values:
        return []
    rule: Spec = {
        "data": {"values": values},
        "mark": {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 1.5},
        "encoding": {
            axis: {"field": "days", "type": "quantitative"},
            "color": {
                "field": "percentile",
                "type": "nominal",
                "title": "Cycle-time percentile",
                "scale": {"domain": [p.upper() for p in PERCENTILES], "range": list(_RULE_COLOURS.values())},
            },
            "tooltip": [{"field": "percentile"}, {"field": "days", "format": ".1f", "title": "days"}],
        },
    }
    label: Spec = {
        "data": {"values": values},
        "mark": {"type": "text", "align": "right", "dx": -4, "dy": -6, "fontSize": 11, "color": "#3b4554"},
        "encoding": {
            axis: {"field": "days", "type": "quantitative"},
            "x" if axis == "y" else "y": {"value": "width"} if axis == "y" else {"value": 0},
            "text": {"field": "percentile"},
        },
    }
    return [rule, label]


def velocity_chart(velocity: list[dict[str, Any]], say_do: list[dict[str, Any]]) -> Spec:
    """Completed points per sprint (bars) with the say/do ratio by points (line, right axis)."""
    ratio = {row["sprint_id"]: row.get("say_do_points") for row in say_do}
    values = [
        {"sprint": row["name"], "points": row["completed_points"], "say_do": ratio.get(row["sprint_id"])}
        for row in velocity
    ]
    spec = _base("Velocity (completed points) and say/do ratio per sprint")
    spec["data"] = {"values": values}
    x = {"field": "sprint", "type": "ordinal", "sort": None, "title": None, "axis": {"labelAngle": -30}}
    spec["layer"] = [
        {
            "mark": {"type": "bar", "color": _PALETTE[0]},
            "encoding": {
                "x": x,
                "y": {"field": "points", "type": "quantitative", "title": "Completed points"},
                "tooltip": [{"field": "sprint"}, {"field": "points"}],
            },
        },
        {
            "mark": {"type": "line", "color": _PALETTE[1], "point": True, "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {
                    "field": "say_do",
                    "type": "quantitative",
                    "title": "Say/do (points)",
                    "axis": {"format": ".0%"},
                    "scale": {"domain": [0, 1.2]},
                },
                "tooltip": [{"field": "sprint"}, {"field": "say_do", "format": ".0%", "title": "say/do"}],
            },
        },
    ]
    spec["resolve"] = {"scale": {"y": "independent"}}
    return spec


def throughput_chart(weekly: list[dict[str, Any]]) -> Spec:
    """A run chart: items delivered per week with the median of the weeks shown as a reference line."""
    counts = sorted(row["count"] for row in weekly)
    median = (counts[(len(counts) - 1) // 2] + counts[len(counts) // 2]) / 2 if counts else 0
    spec = _base(f"Throughput per week, run chart; median {median:g} items per week")
    x = {"field": "date", "type": "temporal", "title": "Week starting", "timeUnit": "yearmonthdate"}
    spec["layer"] = [
        {
            "data": {"values": weekly},
            "mark": {"type": "line", "point": True, "color": _PALETTE[0], "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {"field": "count", "type": "quantitative", "title": "Items delivered"},
                "tooltip": [{"field": "date", "type": "temporal", "title": "week"}, {"field": "count"}],
            },
        },
        {
            "data": {"values": [{"median": median}]},
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#4d5b70"},
            "encoding": {"y": {"field": "median", "type": "quantitative"}},
        },
    ]
    return spec


def cycle_time_chart(points: list[dict[str, Any]], summary: dict[str, Any], team: str) -> Spec:
    """Each delivered item at its delivery date and cycle time, with P50/P70/P85/P95 lines; a point opens the item."""
    values = [
        {
            "key": p["key"],
            "type": p["type"],
            "done": p["done_at"],
            "days": p["cycle_time_days"],
            "href": f"/teams/{team}/items/{p['key']}",
        }
        for p in points
    ]
    spec = _base(f"Cycle-time scatter of {len(values)} delivered items with percentile lines")
    spec["layer"] = [
        {
            "data": {"values": values},
            "mark": {"type": "point", "filled": True, "opacity": 0.7, "size": 40, "color": _PALETTE[0]},
            "encoding": {
                "x": {"field": "done", "type": "temporal", "title": "Delivered"},
                "y": {"field": "days", "type": "quantitative", "title": "Cycle time (days)"},
                "href": {"field": "href"},
                "tooltip": [
                    {"field": "key"},
                    {"field": "type"},
                    {"field": "done", "type": "temporal", "title": "delivered"},
                    {"field": "days", "format": ".1f", "title": "cycle time (days)"},
                ],
            },
        },
        *_percentile_rules(summary, "y"),
    ]
    return spec


def age_chart(age: list[dict[str, Any]], stages: list[str], summary: dict[str, Any], team: str) -> Spec:
    """Open items by current stage and age, against the cycle-time percentiles of delivered work."""
    values = [
        {
            "key": a["key"],
            "stage": a["stage"],
            "days": a["age_days"],
            "exceeds": a.get("exceeds") or "—",
            "href": f"/teams/{team}/items/{a['key']}",
        }
        for a in age
    ]
    spec = _base(f"Ageing work in progress: {len(values)} open items by stage against cycle-time percentiles")
    spec["layer"] = [
        {
            "data": {"values": values},
            "mark": {"type": "point", "filled": True, "opacity": 0.75, "size": 50, "color": _PALETTE[0]},
            "encoding": {
                "x": {"field": "stage", "type": "nominal", "sort": stages, "title": "Stage", "axis": {"labelAngle": 0}},
                "xOffset": {"field": "key", "type": "nominal"},
                "y": {
                    "field": "days",
                    "type": "quantitative",
                    "title": "Age (days, log scale)",
                    "scale": {"type": "symlog"},  # a few very old items must not flatten the percentile lines
                },
                "href": {"field": "href"},
                "tooltip": [
                    {"field": "key"},
                    {"field": "stage"},
                    {"field": "days", "format": ".1f", "title": "age (days)"},
                    {"field": "exceeds", "title": "older than"},
                ],
            },
        },
        *_percentile_rules(summary, "y"),
    ]
    return spec


def cfd_chart(cfd: list[dict[str, Any]]) -> Spec:
    """Items per stage at the end of each day, stacked with the last stage at the bottom."""
    order = [band["stage"] for band in cfd]
    values = [
        {"date": row["date"], "stage": band["stage"], "order": len(order) - i, "count": row["count"]}
        for i, band in enumerate(cfd)
        for row in band["series"]
    ]
    spec = _base("Cumulative flow diagram: items in each stage at the end of each day", height=280)
    spec["data"] = {"values": values}
    spec["mark"] = {"type": "area", "interpolate": "step-after"}
    spec["encoding"] = {
        "x": {"field": "date", "type": "temporal", "title": None},
        "y": {"field": "count", "type": "quantitative", "stack": "zero", "title": "Items"},
        "color": {
            "field": "stage",
            "type": "nominal",
            "sort": order,
            "scale": {"domain": order, "range": _PALETTE[: len(order)]},
            "title": "Stage",
        },
        "order": {"field": "order", "type": "quantitative"},
        "tooltip": [{"field": "date", "type": "temporal"}, {"field": "stage"}, {"field": "count"}],
    }
    return spec


def unplanned_chart(sprints: list[dict[str, Any]]) -> Spec:
    """Completed items per sprint split into planned and unplanned (added after the start, or unplanned by type)."""
    values = [
        {"sprint": row["name"], "kind": kind, "items": count, "share": row.get("share_count")}
        for row in sprints
        for kind, count in (
            ("planned", row["completed_count"] - row["unplanned_count"]),
            ("unplanned", row["unplanned_count"]),
        )
    ]
    spec = _base("Completed items per sprint, planned and unplanned")
    spec["data"] = {"values": values}
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "x": {"field": "sprint", "type": "ordinal", "sort": None, "title": None, "axis": {"labelAngle": -30}},
        "y": {"field": "items", "type": "quantitative", "title": "Completed items", "stack": "zero"},
        "color": {
            "field": "kind",
            "type": "nominal",
            "title": None,
            "scale": {"domain": ["planned", "unplanned"], "range": [_PALETTE[0], _PALETTE[1]]},
        },
        "order": {"field": "kind", "sort": "ascending"},
        "tooltip": [
            {"field": "sprint"},
            {"field": "kind"},
            {"field": "items"},
            {"field": "share", "format": ".0%", "title": "unplanned share"},
        ],
    }
    return spec


_CONE_COLOURS = {"P50": "#15803d", "P85": "#c2410c", "P95": "#be123c"}


def burn_up_chart(burn_up: dict[str, Any], title: str) -> Spec:
    """A scope's burn-up: delivered and total scope per day up to today (solid), then the forecast cone's P50/P85/P95
    projected delivered lines (dashed) and the band between P50 and P95 (``services.forecasts.scope_forecast``)."""
    history = burn_up["history"]
    cone = burn_up["cone"]
    lines = [{"date": r["date"], "series": "Delivered", "items": r["delivered"]} for r in history]
    lines += [{"date": r["date"], "series": "Scope", "items": r["scope"]} for r in history]
    projected = [
        {"date": r["date"], "series": f"P{p} forecast", "items": r[f"p{p}"]} for r in cone for p in (50, 85, 95)
    ]
    end = cone[-1]["date"] if cone else (history[-1]["date"] if history else "")
    description = f"Burn-up of {title}: items delivered and total scope per day, then the forecast cone"
    description += f" (P50, P85, P95) until {end}" if cone else ""
    spec = _base(description, height=300)
    x = {"field": "date", "type": "temporal", "title": None}
    y = {"field": "items", "type": "quantitative", "title": "Items"}
    colours = {"Delivered": _PALETTE[0], "Scope": "#4d5b70"} | {f"{k} forecast": v for k, v in _CONE_COLOURS.items()}
    colour = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": list(colours), "range": list(colours.values())},
    }
    tooltip = [{"field": "date", "type": "temporal"}, {"field": "series"}, {"field": "items"}]
    layers: list[Spec] = [
        {
            "data": {"values": [{"date": r["date"], "low": r["p95"], "high": r["p50"]} for r in cone]},
            "mark": {"type": "area", "color": "#c2410c", "opacity": 0.12},
            "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}},
        },
        {
            "data": {"values": lines},
            "mark": {"type": "line", "strokeWidth": 2, "interpolate": "step-after"},
            "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip},
        },
        {
            "data": {"values": projected},
            "mark": {"type": "line", "strokeWidth": 1.5, "strokeDash": [6, 4]},
            "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip},
        },
    ]
    if burn_up.get("projected_scope") is not None and cone:
        layers.append(
            {
                "data": {"values": [{"date": cone[0]["date"], "end": end, "items": burn_up["projected_scope"]}]},
                "mark": {"type": "rule", "strokeDash": [2, 3], "color": "#4d5b70"},
                "encoding": {"x": x, "x2": {"field": "end"}, "y": y},
            }
        )
    spec["layer"] = layers
    return spec
