"""The notification channels page (``/teams/{key}/notifications``, managers): channels with add, remove and test
forms, and the latest outbox messages with their state. Forms post back and redirect (CSRF-checked like every
form); a bad address comes back as the page with the sentence explaining it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cadence.domain.errors import InputError
from cadence.domain.model import Role
from cadence.http.security import require_actor
from cadence.http.templating import templates
from cadence.services.access import Actor, access_team
from cadence.services.notifications import add_channel, list_channels, recent_messages, remove_channel, test_channel
from cadence.web import formatting as _formatting  # noqa: F401 - registers the template filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _key(request: Request) -> str | None:
    secret = request.app.state.settings.encryption_key
    return None if secret is None else str(secret.get_secret_value())


def _page(request: Request, actor: Actor, key: str, *, notice: str | None = None, error: str | None = None,
          failure: str | None = None, form: dict[str, Any] | None = None) -> Response:  # fmt: skip
    """``error``: the form was unusable (422); ``failure``: a test message was not accepted (the request was fine)."""
    db = request.app.state.db
    team = access_team(db, actor, key, need=Role.MANAGER)
    context = {
        "team": team, "channels": list_channels(db, actor, key, encryption_key=_key(request)),
        "messages": recent_messages(db, actor, key), "notice": notice, "error": error or failure,
        "form": form or {},
    }  # fmt: skip
    return templates.TemplateResponse(request, "notifications.html", context, status_code=422 if error else 200)


@router.get("/teams/{key}/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, key: str, actor: Actor = Depends(require_actor)) -> Response:
    return _page(request, actor, key, notice=request.query_params.get("notice"))


@router.post("/teams/{key}/notifications")
def add(
    request: Request, key: str, name: str = Form(...), kind: str = Form(...), url: str = Form(""), to: str = Form(""),
    smtp_host: str = Form(""), smtp_port: str = Form(""), smtp_tls: str = Form("starttls"), sender: str = Form(""),
    topics: str = Form(""), actor: Actor = Depends(require_actor),
) -> Response:  # fmt: skip
    form = {"name": name, "kind": kind, "to": to, "smtp_host": smtp_host, "smtp_port": smtp_port,
            "smtp_tls": smtp_tls, "sender": sender, "topics": topics}  # fmt: skip
    try:
        port = int(smtp_port) if smtp_port.strip() else None
        if kind == "email":
            target: dict[str, object] = {"to": to, "smtp_host": smtp_host, "smtp_port": port, "smtp_tls": smtp_tls,
                                         "from": sender}  # fmt: skip
        else:
            target = {"url": url}
        add_channel(
            request.app.state.db, actor, key, encryption_key=_key(request), name=name, kind=kind, target=target,
            topics=[t for t in topics.split(",") if t.strip()], now=dt.datetime.now(dt.UTC),
        )  # fmt: skip
    except ValueError:
        return _page(request, actor, key, error=f"SMTP port '{smtp_port}' is not a number", form=form)
    except InputError as error:
        return _page(request, actor, key, error=error.message, form=form)
    return RedirectResponse(f"/teams/{key}/notifications?notice=Channel+added", status_code=303)


@router.post("/teams/{key}/notifications/delete")
def delete(request: Request, key: str, name: str = Form(...), actor: Actor = Depends(require_actor)) -> Response:
    remove_channel(request.app.state.db, actor, key, name=name, now=dt.datetime.now(dt.UTC))
    return RedirectResponse(f"/teams/{key}/notifications?notice=Channel+removed", status_code=303)


@router.post("/teams/{key}/notifications/test")
def test(request: Request, key: str, name: str = Form(...), actor: Actor = Depends(require_actor)) -> Response:
    error = test_channel(request.app.state.db, actor, key, encryption_key=_key(request), name=name)
    if error is not None:
        return _page(request, actor, key, failure=f"test message through '{name}' not sent: {error}")
    return _page(request, actor, key, notice=f"Test message sent through '{name}'.")
