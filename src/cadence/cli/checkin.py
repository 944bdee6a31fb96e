"""``cadence checkin TEAM`` (today's stand-up check-in) and ``cadence standup TEAM`` (the facilitator view as text)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
from enum import StrEnum
from typing import Any

import typer

from cadence.cli.context import database, settings
from cadence.domain.errors import InputError
from cadence.services.audit_log import SYSTEM
from cadence.services.standup import standup_view, submit_check_in
from cadence.services.workspace_config import load_workspace_config

__all__ = ["checkin", "standup"]

_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""Whoever runs the command line on the server acts for every team (like ``cadence user``)."""


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def checkin(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    yesterday: str | None = typer.Option(None, "--yesterday", help="What you did since the last stand-up."),
    today: str | None = typer.Option(None, "--today", help="What you will do today."),
    blockers: str | None = typer.Option(None, "--blockers", help="What is in your way (can become an impediment)."),
    items: str | None = typer.Option(None, "--items", help="Item keys the check-in mentions, comma-separated."),
    as_: str | None = typer.Option(
        None, "--as", help="Whose check-in (e-mail or username); default: the account named like your login."
    ),
) -> None:
    """Post (or edit) today's stand-up check-in; one per person per day, submitting again edits it."""
    keys = [k.strip() for k in (items or "").split(",") if k.strip()]
    who = as_ or getpass.getuser()
    saved = submit_check_in(
        database(), load_workspace_config(settings().workspace_file), _SHELL, team, now=_now(),
        yesterday=yesterday, today=today, blockers=blockers, item_keys=keys, person=who,
    )  # fmt: skip
    verb = "Saved" if saved["created"] else "Updated"
    typer.echo(f"{verb} the check-in of {saved['person']['name']} for {team} on {saved['on_date']}"
               f"{' (items ' + ', '.join(saved['items']) + ')' if saved['items'] else ''}.")  # fmt: skip


def _text(view: dict[str, Any]) -> list[str]:
    s = view["schedule"]
    when = f"today at {s['time']} ({s['time_zone']})" if s["today_at"] else "no stand-up today"
    lines = [f"Stand-up of {view['team']['key']}: {when}; changes since {view['since']:%Y-%m-%d %H:%M} UTC.", "",
             "Walk the board (closest to done first):"]  # fmt: skip
    for b in view["board"]:
        marks = [m for m, on in (("flagged", b["flagged"]), ("past P85", b["over_p85"]), ("stale", b["stale"])) if on]
        marks += [f"blocked by {', '.join(b['blocked_by'])}"] if b["blocked_by"] else []
        lines.append(f"  {b['position']:>3}. {b['key']} [{b['stage']}] {b['assignee'] or '-'}"
                     f"{' (' + ', '.join(marks) + ')' if marks else ''}")  # fmt: skip
        lines += [f"       - {change}" for change in b["changes"]]
    sections = [
        ("Ageing past P85", [a["reason"] + f" — {a['key']}" for a in view["ageing"]]),
        ("Stale", [a["reason"] + f" — {a['key']}" for a in view["stale"]]),
        ("SLA at risk", None if view["sla_at_risk"] is None else
         [f"{c['ticket']} {c['goal']}: {c['state']}, {c['remaining']} left" for c in view["sla_at_risk"]]),
        ("New escalations", [f"{e['ticket']} -> {e['item']}" for e in view["escalations"]]),
        ("Open impediments", [f"#{i['id']} {i['title']} ({i['owner'] or 'no owner'}, {i['age_days']} d)"
                              for i in view["impediments"]]),
        ("Blockers in check-ins", [f"{c['person']['name']}: {c['blockers']}" for c in view["check_ins"]
                                   if c["blockers"]]),
        ("Not checked in", [p["name"] for p in view["not_checked_in"]]),
        ("Actions overdue or due soon", [f"{a['title']} ({a['owner'] or 'no owner'}, due {a['due_on']})"
                                         for a in view["actions"]]),
        ("Conflicts", [p["name"] + ": " + "; ".join(p["reasons"]) for p in view["conflicts"]["over_allocated"]]
         + [u["reason"] for u in view["conflicts"]["urgent_ranked_low"]]
         + [p["reason"] for p in view["conflicts"]["poker_spread"]]),
    ]  # fmt: skip
    for title, entries in sections:
        lines += ["", f"{title}:"]
        if entries is None:
            lines.append("  (shown to the support role and above)")
        lines += [f"  - {entry}" for entry in entries or []] or ["  none"]
    return lines


def standup(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    since: str | None = typer.Option(None, "--since", help="Override the last stand-up (ISO instant with offset)."),
    fmt: Format = typer.Option(Format.TEXT, "--format", help="text for people; json for programs."),
) -> None:
    """Print the facilitator view: the walk of the board and everything the stand-up should look at."""
    start = None
    if since is not None:
        try:
            start = dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"--since '{since}' is not an ISO instant such as 2026-06-29T07:30:00Z") from None
        if start.tzinfo is None:
            raise InputError(f"--since '{since}' needs a UTC offset, e.g. 2026-06-29T07:30:00Z")
    view = standup_view(database(), load_workspace_config(settings().workspace_file), _SHELL, team, now=_now(),
                        since=start)  # fmt: skip
    if fmt is Format.JSON:
        typer.echo(json.dumps(view, default=str))
        return
    typer.echo("\n".join(_text(view)))
