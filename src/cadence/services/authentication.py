"""Signing in and staying signed in: passwords, throttling, server-side sessions and API tokens.

Secrets (session ids, API tokens) are random 256-bit values; only their SHA-256 is stored. Sign-in failures are
counted in the database per account and per client address; past the limit, every attempt for that account or
address is refused with the same answer whether or not the account exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from cadence.domain.errors import NotAuthenticated, TooManyAttempts
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import record_change
from cadence.services.passwords import hash_password, needs_rehash, verify_password
from cadence.store.accounts import find_user, get_user, set_last_login, set_password_hash
from cadence.store.database import Database
from cadence.store.login_attempts import count_failures, record_attempt
from cadence.store.sessions import (
    delete_session,
    find_api_token,
    find_session,
    insert_api_token,
    insert_session,
    touch_api_token,
    touch_session,
)

__all__ = [
    "AuthPolicy",
    "SessionInfo",
    "actor_for_api_token",
    "create_api_token",
    "end_session",
    "resume_session",
    "sign_in",
]

_BAD_CREDENTIALS = "wrong username or password"
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
"""Verified against when the username is unknown, so both cases take the same time."""


@dataclass(frozen=True)
class AuthPolicy:
    idle_timeout: dt.timedelta = dt.timedelta(hours=8)
    absolute_timeout: dt.timedelta = dt.timedelta(days=7)
    window: dt.timedelta = dt.timedelta(minutes=15)
    max_failures_per_account: int = 5
    max_failures_per_address: int = 50


@dataclass(frozen=True)
class SessionInfo:
    actor: Actor
    csrf_token: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sign_in(
    db: Database, username: str, password: str, *, address: str, now: dt.datetime, policy: AuthPolicy
) -> tuple[str, SessionInfo]:
    """Check the credentials and open a session; returns the session secret (for the cookie) and its info."""
    keys = [f"user:{username.lower()}", f"ip:{address}"]
    since = now - policy.window
    with db.connect() as conn:
        account_failures = count_failures(conn, keys[0], since, reset_by_success=True)
        address_failures = count_failures(conn, keys[1], since, reset_by_success=False)
    if account_failures >= policy.max_failures_per_account or address_failures >= policy.max_failures_per_address:
        minutes = int(policy.window.total_seconds() // 60)
        raise TooManyAttempts(f"too many failed sign-ins; wait {minutes} minutes and try again")
    with db.connect() as conn:
        user = find_user(conn, username)
    valid = verify_password(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    if user is None or not valid or not user.is_active:
        with db.begin() as conn:
            record_attempt(conn, keys, False, now)
        raise NotAuthenticated(_BAD_CREDENTIALS)
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    actor = actor_for_user(db, user)
    with db.begin() as conn:
        record_attempt(conn, keys[:1], True, now)
        if user.password_hash and needs_rehash(user.password_hash):
            set_password_hash(conn, user.id, hash_password(password))
            record_change(conn, actor, "rehash", "user", entity_id=str(user.id), at=now)
        insert_session(conn, _digest(secret), user.id, csrf, now)
        set_last_login(conn, user.id, now)
        record_change(conn, actor, "sign_in", "session", entity_id=str(user.id), at=now)
    return secret, SessionInfo(actor, csrf)


def resume_session(db: Database, secret: str, *, now: dt.datetime, policy: AuthPolicy) -> SessionInfo:
    """The session behind a cookie, refreshed; NotAuthenticated when unknown, idle too long or too old."""
    with db.connect() as conn:
        session = find_session(conn, _digest(secret))
        user = None if session is None else get_user(conn, session.user_id)
    if session is None or user is None or not user.is_active:
        raise NotAuthenticated("your session has ended; sign in again")
    if now - session.last_seen_at > policy.idle_timeout or now - session.created_at > policy.absolute_timeout:
        end_session(db, secret)
        raise NotAuthenticated("your session has expired; sign in again")
    if now - session.last_seen_at > dt.timedelta(minutes=1):  # one write a minute is enough for idleness
        with db.begin() as conn:
            touch_session(conn, session.id, now)
    return SessionInfo(actor_for_user(db, user), session.csrf_token)


def end_session(db: Database, secret: str) -> None:
    with db.begin() as conn:
        delete_session(conn, _digest(secret))


def create_api_token(db: Database, username: str, name: str, *, now: dt.datetime) -> str:
    """A new API token for ``username``; the secret is returned once and never stored."""
    with db.connect() as conn:
        user = find_user(conn, username)
    if user is None:
        raise NotAuthenticated(f"no account named '{username}'")
    secret = "cdn_" + secrets.token_urlsafe(32)
    actor = actor_for_user(db, user)
    with db.begin() as conn:
        token_id = insert_api_token(conn, user.id, name, _digest(secret), now)
        record_change(conn, actor, "create", "api_token", entity_id=str(token_id), after={"name": name}, at=now)
    return secret


def actor_for_api_token(db: Database, secret: str, *, now: dt.datetime) -> Actor:
    with db.connect() as conn:
        found = find_api_token(conn, _digest(secret))
        user = None if found is None else get_user(conn, found[1])
    if found is None or user is None or not user.is_active:
        raise NotAuthenticated("the API token is unknown or revoked")
    with db.begin() as conn:
        touch_api_token(conn, found[0], now)
    return actor_for_user(db, user)
