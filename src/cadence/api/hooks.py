"""``POST /hooks/jira/{source}``: the webhook receiver Jira calls when an issue changes (see services/webhooks)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from cadence.domain.errors import InputError
from cadence.services.webhooks import receive_jira_webhook

__all__ = ["router"]

router = APIRouter(tags=["hooks"])

_MAX_BODY = 5 * 1024 * 1024


@router.post("/hooks/jira/{source}")
async def jira_webhook(
    request: Request, source: str, secret: str | None = Query(None, description="The source's webhook secret.")
) -> dict[str, Any]:
    """Apply one Jira webhook delivery once; a retried delivery (same ``X-Atlassian-Webhook-Identifier``, or the same
    event, issue, timestamp and changelog) is answered with ``"duplicate": true`` and changes nothing."""
    body = await request.body()
    if len(body) > _MAX_BODY:
        raise InputError(f"webhook body larger than {_MAX_BODY:,} bytes")
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise InputError("the webhook body is not JSON") from None
    if not isinstance(payload, dict):
        raise InputError("the webhook body is not a JSON object")
    result = await run_in_threadpool(
        receive_jira_webhook, request.app.state.db, source, secret, payload, request.app.state.workspace_config,
        delivery_id=request.headers.get("x-atlassian-webhook-identifier"),
    )  # fmt: skip
    return result.to_dict()
