"""Connecting a source (a Jira site) and listing the configured sources with their last sync."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

import polars as pl

from cadence.connectors.jira.client import JiraClient, JiraCredential
from cadence.connectors.jira.source import JiraSite, JiraSource
from cadence.domain.batch import RecordBatch
from cadence.domain.errors import ConfigurationError, Conflict, InputError, NotFound
from cadence.services.credentials import decrypt_secret, encrypt_secret
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import require_current
from cadence.store.sources import (
    SourceRow,
    SourceStatus,
    find_source,
    insert_source,
    list_sources,
    replace_source,
    team_id,
)

__all__ = ["connect_jira", "describe_sources", "load_source", "open_source"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def connect_jira(
    db: Database,
    *,
    key: str | None,
    name: str,
    url: str,
    token: str,
    email: str | None = None,
    projects: Sequence[str] = (),
    team: str | None = None,
    service_projects: Sequence[str] = (),
    webhook_secret: str | None = None,
    allow_http: bool = False,
    credential_hint: str = "the token",
    replace: bool = False,
) -> SourceRow:
    """Store a Jira source. An e-mail means Jira Cloud (e-mail + API token); none means Data Center (PAT).

    ``replace`` re-enters an existing source's settings and credential (after a restore without the key, or a new
    token): its history and watermark stay, and what its syncs learned (fields, reconciliation time) is kept.
    """
    require_current(db)
    if not _NAME.match(name):
        raise InputError(f"source name '{name}' is not usable: letters, digits, '.', '_' or '-', at most 64")
    if not token:
        raise InputError(f"{credential_hint} is empty")
    flavour: Literal["cloud", "dc"] = "cloud" if email else "dc"
    JiraClient(url, JiraCredential(flavour, token, email), allow_http=allow_http).close()  # checks the URL
    team_key = team or name.upper()
    secret = encrypt_secret(key, {"token": token, "email": email, "hint": credential_hint})
    config: dict[str, Any] = {
        "flavour": flavour,
        "projects": [p.strip().upper() for p in projects if p.strip()],
        "team": team_key,
        "service_projects": [p.strip().upper() for p in service_projects if p.strip()],
        "allow_http": allow_http,
    }
    if webhook_secret:
        config["webhook_secret_sha256"] = hashlib.sha256(webhook_secret.encode()).hexdigest()
    with db.begin() as conn:
        existing = find_source(conn, name)
        if existing is not None and not replace:
            raise Conflict(
                f"a source named '{name}' already exists; choose another --name, or pass --replace to re-enter its "
                "URL and credential"
            )
        ingest(conn, RecordBatch(source=name, teams=_team_frame(team_key)))
        if existing is not None:
            replace_source(
                conn,
                existing.id,
                team_id=team_id(conn, team_key),
                base_url=url.rstrip("/"),
                config={**existing.config, **config},
                secret=secret,
            )
        else:
            insert_source(
                conn,
                name=name,
                kind="jira",
                team_id=team_id(conn, team_key),
                base_url=url.rstrip("/"),
                config=config,
                secret=secret,
            )
        found = find_source(conn, name)
    assert found is not None
    return found


def _team_frame(key: str) -> pl.DataFrame:
    return pl.DataFrame({"key": [key], "name": [key], "timezone": ["UTC"]})


def describe_sources(db: Database) -> list[SourceStatus]:
    require_current(db)
    with db.connect() as conn:
        return list_sources(conn)


def load_source(db: Database, name: str) -> SourceRow:
    with db.connect() as conn:
        row = find_source(conn, name)
    if row is None:
        raise NotFound(f"no source named '{name}'; 'cadence sources' lists them")
    return row


def open_source(
    row: SourceRow,
    key: str | None,
    *,
    transport: Any = None,
    sleep: Callable[[float], None] | None = None,
) -> JiraSource:
    """A ready :class:`JiraSource` for a stored source (decrypting its credential)."""
    if row.kind == "jira" and row.secret_lost_at is not None:
        raise ConfigurationError(
            f"the stored credential of source '{row.name}' needs re-entry: a restore on "
            f"{row.secret_lost_at:%Y-%m-%d} could not decrypt it with this install's CADENCE_ENCRYPTION_KEY; run "
            f"'cadence connect jira --name {row.name} --url URL (--email E --token-env VAR | --pat-env VAR) --replace'"
        )
    if row.kind != "jira" or row.secret is None or row.base_url is None:
        raise InputError(f"source '{row.name}' of kind '{row.kind}' cannot be synced (only Jira sources can)")
    secret = decrypt_secret(key, row.secret)
    config = row.config
    flavour: Literal["cloud", "dc"] = "cloud" if config.get("flavour") == "cloud" else "dc"
    hint = secret.get("hint") or "the token"
    if flavour == "cloud":
        hint = f"the e-mail address '{secret.get('email')}' and the API token ({hint})"
    else:
        hint = f"the personal access token ({hint}) and that it has not expired"
    credential = JiraCredential(flavour, str(secret["token"]), secret.get("email"), hint=hint)
    extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    client = JiraClient(
        row.base_url, credential, allow_http=bool(config.get("allow_http")), transport=transport, **extra
    )
    site = JiraSite(
        name=row.name,
        flavour=flavour,
        team=str(config.get("team") or row.name.upper()),
        projects=tuple(config.get("projects") or ()),
        agile=bool(config.get("agile", True)),
        page_size=int(config.get("page_size", 100)),
        jql=config.get("jql"),
        service_projects=tuple(config.get("service_projects") or ()),
    )
    return JiraSource(site, client)
