"""Sending one message through Apprise, answering with ``None`` (sent) or one readable sentence (not sent).

Apprise reports failures through its logger rather than exceptions, so the send runs under a log handler that
keeps Apprise's warnings: they become the error text. Apprise may log from a worker thread, so the handler cannot
tell two concurrent sends apart: sends in one process take turns (a lock), each bounded by the timeouts set in the
URL (see ``targets``). Nothing from Apprise (or smtplib, requests) escapes as an exception.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from cadence.connectors.notify.targets import apprise_url, load_apprise

__all__ = ["send_message"]

_ERROR_MAX = 500


_TURN = threading.Lock()


class _Warnings(logging.Handler):
    """Collects the warnings and errors Apprise logs during one send."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _where(kind: str, target: dict[str, Any]) -> str:
    if kind == "email":
        return f"e-mail via {target['smtp_host']}:{target['smtp_port']}"
    return f"{kind} channel"


def send_message(kind: str, target: dict[str, Any], *, subject: str, body: str) -> str | None:
    """Send ``subject`` and ``body`` to a checked target; ``None`` when it was accepted, else why not."""
    try:
        apprise = load_apprise()
        asset = apprise.AppriseAsset(storage_mode="memory", async_mode=False, app_id="Cadence")
        notifier = apprise.Apprise(asset=asset)
        if not notifier.add(apprise_url(kind, target)):
            return f"{_where(kind, target)}: the channel's address is not a valid Apprise URL; add the channel again"
        logger = logging.getLogger("apprise")
        handler = _Warnings()
        with _TURN:
            logger.addHandler(handler)
            try:
                sent = notifier.notify(body=body, title=subject, body_format=apprise.NotifyFormat.TEXT)
            finally:
                logger.removeHandler(handler)
    except Exception as error:
        return f"{_where(kind, target)}: {type(error).__name__}: {error}"[:_ERROR_MAX]
    if sent:
        return None
    reason = "; ".join(dict.fromkeys(handler.lines)) or "the service did not accept the message"
    return f"{_where(kind, target)}: {reason}"[:_ERROR_MAX]
