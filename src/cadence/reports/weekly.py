"""The weekly health report rendered as HTML (charts as inline SVG), PDF (WeasyPrint, from the same HTML),
Markdown and Confluence storage format, from the dictionary ``services.weekly_report`` builds."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from cadence.reports.svg_charts import bar_chart, line_chart

__all__ = [
    "DEFINITIONS",
    "change_text",
    "render_confluence",
    "render_html",
    "render_markdown",
    "render_pdf",
    "value_text",
]

METRICS_DOC = "docs/metrics.md"
"""Where the full definitions live (in Cadence's documentation); the appendix repeats the short form."""

DEFINITIONS: dict[str, str] = {
    "Items delivered": "Items that reached the delivery point on a day of the week, in the team's time zone.",
    "Velocity": "Story points completed in a sprint; the last sprint closed before the end of the week.",
    "Say/do": "Of the points committed at sprint start, the share completed by the sprint's close.",
    "Cycle time P50 / P85": "Working days from the commitment point to delivery of the items delivered in the week; "
    "half / 85 % of them took at most this long.",
    "Average WIP": "The mean, over the days of the week, of items past commitment and not yet delivered.",
    "Ageing": "Open items whose age already exceeds the cycle-time P85, counted when the report is made.",
    "Escaped defects": "Bugs created in the week that users found: linked to a support ticket or labelled production.",
    "Reopen rate": "Of the items delivered in the week, the share that moved back out of done afterwards.",
    "SLA attainment": "Of the SLA cycles decided in the week (met or breached), the share met, per goal.",
    "Open risks": "Risks on the register at the end of the week, not resolved or closed; score = probability x impact.",
    "Impediments": "Impediments open at the end of the week and the median of their ages in days.",
    "Action completion rate": "Of the actions due in the 12 weeks up to the end of the week, the share done by "
    "their due date.",
    "Forecast": "Monte Carlo from the team's own daily throughput of the 8 weeks before: at least this many items "
    "in the 14 days after the week, with 85 % (50 %) likelihood.",
}

_ENV = Environment(
    loader=PackageLoader("cadence.reports", "templates"),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def value_text(value: Any, unit: str) -> str:
    """A figure as printed: shares in whole percent, days with one decimal, counts as they are; missing as a dash."""
    if value is None:
        return "—"
    if unit == "share":
        return f"{100 * value:.0f} %"
    if unit == "days":
        return f"{value:.1f} d"
    return _number(value)


def change_text(figure: dict[str, Any]) -> str:
    """The change from the previous week, with a sign and whether it is good news (``better`` direction)."""
    change = figure["change"]
    if change is None:
        return "—"
    if change == 0:
        return "no change"
    unit = figure["unit"]
    text = f"{100 * change:+.0f} pts" if unit == "share" else (f"{change:+.1f} d" if unit == "days" else f"{change:+g}")
    if unit not in ("share", "days") and not float(change).is_integer():
        text = f"{change:+.1f}"
    better = figure["better"]
    if better is None:
        return text
    good = (change > 0) == (better == "up")
    return f"{text} ({'better' if good else 'worse'})"


def _charts(team: dict[str, Any]) -> dict[str, Any]:
    trend, key = team["trend"], team["team"]["key"].lower()
    return {
        "throughput": bar_chart(
            f"{key}-throughput",
            f"{team['team']['name']}: items delivered per week, last 8 weeks",
            trend["weeks"],
            trend["throughput"],
            "items",
        ),
        "cycle": line_chart(
            f"{key}-cycle",
            f"{team['team']['name']}: cycle time P85 per week (days), last 8 weeks",
            trend["weeks"],
            trend["cycle_time_p85"],
            "days",
        ),
    }


def _teams(report: dict[str, Any]) -> list[dict[str, Any]]:
    teams: list[dict[str, Any]] = report.get("teams", [report])
    return teams


def _context(report: dict[str, Any]) -> dict[str, Any]:
    teams = _teams(report)
    title = (
        f"Department health report, week {', '.join(report['weeks'])}"
        if "teams" in report
        else f"{report['team']['name']} health report, week {report['week']}"
    )
    return {
        "title": title,
        "report": report,
        "teams": teams,
        "totals": report.get("totals"),
        "charts": {t["team"]["key"]: _charts(t) for t in teams},
        "definitions": DEFINITIONS,
        "metrics_doc": METRICS_DOC,
        "value": value_text,
        "change": change_text,
    }


def render_html(report: dict[str, Any]) -> str:
    """A self-contained HTML page (no script, no external asset): the same file prints to PDF."""
    return _ENV.get_template("weekly.html").render(**_context(report))


def render_pdf(report: dict[str, Any]) -> bytes:
    """The HTML report printed by WeasyPrint (imported here: it is slow to import and only this format needs it)."""
    from weasyprint import HTML

    pdf = HTML(string=render_html(report)).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def render_confluence(report: dict[str, Any]) -> str:
    """Confluence storage format (XHTML with ``ac:`` macros): the body of a page, as the REST API takes it. Charts
    become tables (the storage format has no inline SVG)."""
    return _ENV.get_template("weekly_confluence.xml").render(**_context(report))


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown: one table per section, the 8-week trend as a table."""
    ctx = _context(report)
    lines = [f"# {ctx['title']}", "", f"Generated {report['generated_at']}.", ""]
    if ctx["totals"]:
        lines += [
            "## Department totals",
            "",
            "| figure | this week | previous | change |",
            "| --- | ---: | ---: | --- |",
        ]
        lines += [
            f"| {f['label']} | {value_text(f['value'], f['unit'])} | {value_text(f['previous'], f['unit'])} | "
            f"{change_text(f)} |"
            for f in ctx["totals"]
        ]
        lines.append("")
    for team in ctx["teams"]:
        lines += [
            f"## {team['team']['name']} ({team['team']['key']}), {team['week']}",
            "",
            f"{team['start']} to {team['end']} ({team['time_zone']}), compared with {team['previous_week']}.",
            "",
        ]
        for section in team["sections"]:
            lines += [f"### {section['title']}", ""]
            if section["figures"]:
                lines += [
                    "| figure | this week | previous | change | why it matters |",
                    "| --- | ---: | ---: | --- | --- |",
                ]
                lines += [
                    f"| {_md_cell(f['label'])} | {value_text(f['value'], f['unit'])} | "
                    f"{value_text(f['previous'], f['unit'])} | {change_text(f)} | {_md_cell(f['why'])} |"
                    for f in section["figures"]
                ]
            if section.get("note"):
                lines += ["", section["note"]]
            if section["key"] == "risks" and team["top_risks"]:
                lines += [
                    "",
                    "Top risks: "
                    + "; ".join(f"{_md_cell(r['title'])} (score {r['score']}, {r['roam']})" for r in team["top_risks"]),
                ]
            lines.append("")
        trend = team["trend"]
        lines += ["### Trend, last 8 weeks", "", "| week | items delivered | cycle time P85 |", "| --- | ---: | ---: |"]
        lines += [
            f"| {w} | {n} | {value_text(p, 'days')} |"
            for w, n, p in zip(trend["weeks"], trend["throughput"], trend["cycle_time_p85"], strict=True)
        ]
        lines.append("")
    lines += ["## Definitions", "", f"Full definitions: {METRICS_DOC} in the Cadence documentation.", ""]
    lines += [f"- **{term}**: {text}" for term, text in DEFINITIONS.items()]
    return "\n".join(lines) + "\n"
