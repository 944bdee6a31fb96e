"""``/api/v1/teams/{team}/notification-channels``: a team's notification channels (manager role)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from cadence.http.security import require_actor
from cadence.services.access import Actor
from cadence.services.notifications import ChannelView, add_channel, list_channels, remove_channel, test_channel

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/teams", tags=["notifications"])


class ChannelOut(BaseModel):
    name: str
    kind: str
    target: str
    """The address without its secrets (addresses shortened, URL path and token hidden)."""
    topics: list[str]
    """Empty: every topic."""
    enabled: bool
    created_at: str


class ChannelIn(BaseModel):
    name: str = Field(max_length=100)
    kind: str = Field(pattern=r"^(email|slack|teams|webhook|apprise)$")
    topics: list[str] = Field(default_factory=list, max_length=20)
    url: str | None = Field(None, max_length=2000, description="slack, teams, webhook, apprise: the URL.")
    to: list[str] = Field(default_factory=list, max_length=50, description="email: the recipients.")
    smtp_host: str | None = Field(None, max_length=255)
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_tls: str = Field("starttls", pattern=r"^(starttls|ssl|none)$")
    sender: str | None = Field(None, alias="from", max_length=255)
    smtp_user: str | None = Field(None, max_length=255)
    smtp_password: str | None = Field(None, max_length=255)


class TestOut(BaseModel):
    sent: bool
    error: str | None


def _key(request: Request) -> str | None:
    secret = request.app.state.settings.encryption_key
    return None if secret is None else str(secret.get_secret_value())


def _out(view: ChannelView) -> ChannelOut:
    return ChannelOut.model_validate(view.to_dict())


@router.get("/{team}/notification-channels", response_model=list[ChannelOut])
def get_channels(request: Request, team: str, actor: Actor = Depends(require_actor)) -> list[ChannelOut]:
    """The team's channels, ordered by name (manager role)."""
    return [_out(v) for v in list_channels(request.app.state.db, actor, team, encryption_key=_key(request))]


@router.post("/{team}/notification-channels", response_model=ChannelOut, status_code=201)
def post_channel(request: Request, team: str, body: ChannelIn, actor: Actor = Depends(require_actor)) -> ChannelOut:
    """Add a channel (manager role); 409 if the name is taken, 422 if the address is unusable."""
    if body.kind == "email":
        target: dict[str, object] = {
            "to": body.to, "smtp_host": body.smtp_host, "smtp_port": body.smtp_port, "smtp_tls": body.smtp_tls,
            "from": body.sender, "username": body.smtp_user, "password": body.smtp_password,
        }  # fmt: skip
    else:
        target = {"url": body.url or ""}
    view = add_channel(
        request.app.state.db, actor, team, encryption_key=_key(request), name=body.name, kind=body.kind,
        target=target, topics=body.topics, now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    return _out(view)


@router.delete("/{team}/notification-channels/{name}", status_code=204)
def delete_channel(request: Request, team: str, name: str, actor: Actor = Depends(require_actor)) -> Response:
    """Remove a channel and its queued messages (manager role)."""
    remove_channel(request.app.state.db, actor, team, name=name, now=dt.datetime.now(dt.UTC))
    return Response(status_code=204)


@router.post("/{team}/notification-channels/{name}/test", response_model=TestOut)
def post_test(request: Request, team: str, name: str, actor: Actor = Depends(require_actor)) -> TestOut:
    """Send a test message now (manager role); ``sent`` false with the error when it was not accepted."""
    error = test_channel(request.app.state.db, actor, team, encryption_key=_key(request), name=name)
    return TestOut(sent=error is None, error=error)
