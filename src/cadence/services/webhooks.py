"""Receiving Jira webhooks (``POST /hooks/jira/{source}``): near-real-time updates between syncs.

A delivery is authenticated by a shared secret (the ``secret`` query parameter of the URL configured in Jira),
compared in constant time with the SHA-256 digest stored on the source; the secret itself is never stored.

Deliveries may be repeated and may arrive out of order. The change a delivery carries is keyed by the changelog id,
the same key a sync uses, so a repeated delivery adds nothing; an issue's *current* state is only written when
the delivery is not older than the stored copy (``fields.updated``), so a late delivery never rolls an issue
back. A deleted issue is removed with its history. The watermark is left alone: the next sync still re-reads.

Each delivery is also applied at most once, even when Jira retries it or it reaches two instances at the same
time: its *delivery key* (Jira's ``X-Atlassian-Webhook-Identifier``, unchanged across retries; without it a
SHA-256 of event, issue id, timestamp and changelog id) is recorded in the transaction that applies it
(``store.webhook_deliveries``). A duplicate writes nothing, triggers no relay pass and is answered 200 with
``duplicate: true`` so Jira stops retrying. Keys older than :data:`KEEP_DELIVERIES` are pruned as deliveries arrive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from cadence.connectors.jira.fields import FieldMap
from cadence.connectors.jira.issues import IssueConverter
from cadence.connectors.jira.service_desk import TicketConverter
from cadence.connectors.jira.values import parse_time
from cadence.domain.batch import RecordBatch
from cadence.domain.errors import InputError, NotFound, PermissionDenied
from cadence.services.relay import relay_after_ingest
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import require_current
from cadence.store.source_records import delete_records, stored_updated_at
from cadence.store.sources import SourceRow, find_source
from cadence.store.webhook_deliveries import prune_deliveries, record_delivery

__all__ = ["KEEP_DELIVERIES", "WebhookResult", "delivery_key", "receive_jira_webhook", "secret_digest"]

KEEP_DELIVERIES = dt.timedelta(days=7)
"""How long a delivery key is remembered: far beyond Jira's retries (minutes to hours)."""


@dataclass(frozen=True)
class WebhookResult:
    event: str
    stored: int = 0
    unchanged: int = 0
    deleted: int = 0
    stale: bool = False
    """True when the delivery was older than the stored issue: its changes were kept, its state ignored."""
    duplicate: bool = False
    """True when this delivery was already applied (a retry, or another instance got it): nothing was written."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _authorised(db: Database, name: str, secret: str | None) -> SourceRow:
    with db.connect() as conn:
        row = find_source(conn, name)
    if row is None:
        raise NotFound(f"no source named '{name}'")
    expected = row.config.get("webhook_secret_sha256")
    if not expected:
        raise PermissionDenied(f"webhooks are not enabled for source '{name}' (connect it with --webhook-secret-env)")
    if not secret or not hmac.compare_digest(secret_digest(secret), str(expected)):
        raise PermissionDenied(f"the webhook secret for source '{name}' is wrong or missing")
    return row


def _history(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    changelog = payload.get("changelog") or {}
    if not changelog.get("id") or not changelog.get("items"):
        return []
    stamp = payload.get("timestamp")
    at = dt.datetime.fromtimestamp(int(stamp) / 1000, dt.UTC) if isinstance(stamp, int | float) else None
    updated = ((payload.get("issue") or {}).get("fields") or {}).get("updated")
    created = at.isoformat() if at else updated
    return [{"id": changelog["id"], "created": created, "author": payload.get("user"), "items": changelog["items"]}]


def delivery_key(payload: Mapping[str, Any], identifier: str | None = None) -> str:
    """The key that recognises a delivery again: Jira's identifier when sent, else a digest of what names the
    event: a retry of the same event yields the same digest, and two changes of one issue differ in their
    changelog id or millisecond timestamp."""
    if identifier and identifier.strip():
        return "id:" + identifier.strip()[:190]
    issue = payload.get("issue")
    changelog = payload.get("changelog")
    parts = [
        payload.get("webhookEvent"),
        issue.get("id") if isinstance(issue, Mapping) else None,
        payload.get("timestamp"),
        changelog.get("id") if isinstance(changelog, Mapping) else None,
    ]
    return "sha256:" + hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def receive_jira_webhook(
    db: Database,
    name: str,
    secret: str | None,
    payload: Mapping[str, Any],
    config: WorkspaceConfig | None = None,
    *,
    delivery_id: str | None = None,
    now: dt.datetime | None = None,
) -> WebhookResult:
    """Store what the delivery carries once (``delivery_id``: the ``X-Atlassian-Webhook-Identifier`` header), then
    relay dev stage changes to linked support tickets."""
    require_current(db)
    row = _authorised(db, name, secret)
    event = str(payload.get("webhookEvent") or "")
    issue = payload.get("issue")
    if not isinstance(issue, Mapping) or "id" not in issue:
        return WebhookResult(event=event)  # not about an issue (a sprint, a project...): nothing to do
    ident = str(issue["id"])
    key = delivery_key(payload, delivery_id)
    at = now or dt.datetime.now(dt.UTC)
    if event.endswith("issue_deleted"):
        with db.begin() as conn:
            if not record_delivery(conn, row.id, key, now=at):
                return WebhookResult(event=event, duplicate=True)
            deleted = delete_records(conn, name, [ident])
        _prune(db, at)
        return WebhookResult(event=event, deleted=deleted)
    if not event.endswith(("issue_created", "issue_updated")):
        return WebhookResult(event=event)
    batch = _convert(row, issue, _history(payload))
    try:
        incoming = parse_time((issue.get("fields") or {}).get("updated"))
    except ValueError:
        raise InputError("the webhook's issue has an unreadable 'updated' time") from None
    with db.begin() as conn:
        if not record_delivery(conn, row.id, key, now=at):
            return WebhookResult(event=event, duplicate=True)
        stored_at = stored_updated_at(conn, name, ident)
        stale = stored_at is not None and incoming is not None and incoming < stored_at
        if stale:
            batch = replace(batch, items=None, tickets=None)
        report = ingest(conn, batch)
    _prune(db, at)
    if report.stored:
        relay_after_ingest(db, config)
    return WebhookResult(event=event, stored=report.stored, unchanged=sum(report.unchanged.values()), stale=stale)


def _prune(db: Database, now: dt.datetime) -> None:
    """Forget old delivery keys, in a transaction of its own: one indexed range delete, usually of nothing, and
    never holding up the next delivery's insert."""
    with db.begin() as conn:
        prune_deliveries(conn, received_before=now - KEEP_DELIVERIES)


def _convert(row: SourceRow, issue: Mapping[str, Any], histories: list[dict[str, Any]]) -> RecordBatch:
    config = row.config
    team = str(config.get("team") or row.name.upper())
    project = str(
        ((issue.get("fields") or {}).get("project") or {}).get("key") or str(issue.get("key", "")).split("-")[0]
    )
    if project in (config.get("service_projects") or ()):
        tickets = TicketConverter(source=row.name, team=team)
        tickets.add(issue, histories, [])
        return tickets.batch()
    known = config.get("fields") or {}
    fields = FieldMap(
        story_points=tuple(known.get("story_points") or ()),
        story_point_names=tuple(known.get("story_point_names") or FieldMap().story_point_names),
        sprint=known.get("sprint"),
        epic_link=known.get("epic_link"),
        flagged=known.get("flagged"),
    )
    converter = IssueConverter(source=row.name, team=team, fields=fields)
    converter.add(issue, histories)
    return converter.batch()
