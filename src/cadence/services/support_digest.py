"""The support team's digest: what changed on the dev side since the last digest, and what needs attention.

Three lists, over the team's open tickets (not declined, not a duplicate):

* **can now be answered** — a linked dev item entered done (released, not discarded) after the last digest;
* **dev item stalled** — a linked item not done whose stage has not changed for ``stall_days`` days
  (``[teams.KEY.support] stall_days``, default 5);
* **SLAs at risk** — the ticket clocks the SLA service reports ``at risk`` or ``breached`` and still running
  (shown to the support role and above, who alone see SLA clocks).

"The last digest" is the last one *sent* (``cadence support digest TEAM --send``, which queues it on the ``digest``
topic and records the sending in the audit log); before the first, the last seven days. Viewing the digest
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cadence.domain.model import Role, Team
from cadence.services import notifications
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.relay import item_stages, stage_words
from cadence.services.support_views import team_sla_clocks
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import support_desk as store
from cadence.store.database import Database

__all__ = ["DEFAULT_LOOKBACK", "DigestLine", "SupportDigest", "support_digest"]

DEFAULT_LOOKBACK = dt.timedelta(days=7)
_CLOSED = {"declined", "duplicate"}


@dataclass(frozen=True)
class DigestLine:
    ticket_key: str
    title: str
    item_key: str | None
    detail: str


@dataclass(frozen=True)
class SupportDigest:
    team: Team
    since: dt.datetime
    now: dt.datetime
    answerable: list[DigestLine] = field(default_factory=list)
    stalled: list[DigestLine] = field(default_factory=list)
    at_risk: list[DigestLine] = field(default_factory=list)
    queued: int = 0
    """Messages queued when the digest was sent."""

    def text(self) -> str:
        """The digest as a plain-text message."""
        lines = [f"Support digest for {self.team.name} ({self.team.key}) since {self.since:%Y-%m-%d %H:%M} UTC"]
        for title, entries in (
            ("Can now be answered", self.answerable),
            ("Dev item stalled", self.stalled),
            ("SLAs at risk", self.at_risk),
        ):
            lines.append("")
            lines.append(f"{title} ({len(entries)}):")
            lines += [f"- {e.ticket_key} {e.title}: {e.detail}" for e in entries] or ["- none"]
        return "\n".join(lines)

    @property
    def empty(self) -> bool:
        return not (self.answerable or self.stalled or self.at_risk)


def _days(delta: dt.timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.0f} day{'s' if round(days) != 1 else ''}"


def support_digest(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime, send: bool = False
) -> SupportDigest:
    """The digest (viewers and above); ``send`` queues it on the ``digest`` topic (support role and above)."""
    team = access_team(db, actor, key, need=Role.SUPPORT if send else Role.VIEWER)
    settings = config.for_team(team.key).support
    with db.connect() as conn:
        last = store.last_audit_at(conn, team_id=team.id, entity="support_digest", action="send")
        tickets = {t.id: t for t in store.list_tickets(conn, team.id) if t.triage_state not in _CLOSED}
        links = [link for link in store.links_of_team(conn, team.id) if link.ticket_id in tickets]
    since = last or now - DEFAULT_LOOKBACK
    stages = item_stages(db, config, {link.item_id: link.item_team_id for link in links}, now=now)
    stall = dt.timedelta(days=settings.stall_days)
    answerable, stalled = [], []
    for link in links:
        ticket, stage = tickets[link.ticket_id], stages.get(link.item_id)
        if stage is None:
            continue
        if stage.relay == "done" and not stage.discarded and stage.done_at is not None and stage.done_at > since:
            answerable.append(DigestLine(ticket.key, ticket.title, link.item_key,
                                         f"{link.item_key} released on {stage.done_at:%Y-%m-%d}"))  # fmt: skip
        elif stage.relay != "done" and now - stage.last_change_at >= stall:
            stalled.append(DigestLine(
                ticket.key, ticket.title, link.item_key,
                f"{link.item_key} {stage_words(stage)}, unchanged for {_days(now - stage.last_change_at)}",
            ))  # fmt: skip
    titles = {t.key: t.title for t in tickets.values()}
    role = actor.role_in(team.id)
    clocks = team_sla_clocks(db, config, team, now=now) if role is not None and role.covers(Role.SUPPORT) else []
    at_risk = [
        DigestLine(c["ticket"], titles[c["ticket"]], None,
                   f"{c['goal']} {c['state']}" + (f", {c['remaining']} left" if c["state"] == "at risk" else ""))
        for c in clocks
        if c["ticket"] in titles
    ]  # fmt: skip
    digest = SupportDigest(team, since, now, answerable, stalled, at_risk)
    if not send:
        return digest
    with db.begin() as conn:
        queued = notifications.enqueue(
            conn, team_id=team.id, topic="digest", subject=f"Support digest for {team.key}, {now:%Y-%m-%d}",
            body=digest.text(), dedupe_key=f"digest:{team.key}:{now.isoformat()}", now=now,
        )  # fmt: skip
        record_change(
            conn, actor, "send", "support_digest", entity_id=team.key, team_id=team.id,
            after={"answerable": len(answerable), "stalled": len(stalled), "at_risk": len(at_risk), "queued": queued},
            at=now,
        )  # fmt: skip
    return SupportDigest(team, since, now, answerable, stalled, at_risk, queued)
