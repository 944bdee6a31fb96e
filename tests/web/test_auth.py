"""Accounts, sessions, CSRF and throttling through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from sqlalchemy import select, update

from cadence.store import schema as S
from tests.web.conftest import PASSWORD, Site


def test_the_home_page_sends_strangers_to_sign_in(site: Site) -> None:
    response = site.client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"


def test_signing_in_sets_a_hardened_session_cookie_and_returns_to_next(site: Site) -> None:
    client = site.new_client()
    response = site.sign_in(client, "pm")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("cadence_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in tests; https requests get Secure
    home = client.get("/")
    assert home.status_code == 200
    assert "Operations" in home.text and "<code>OPS</code>" in home.text
    assert "2024-03-01" in home.text and "2024-03-12" in home.text  # history span of the team
    assert "WEB" not in home.text  # pm is not a member of WEB


def test_wrong_password_and_unknown_user_get_the_same_answer(site: Site) -> None:
    wrong = site.sign_in(site.new_client(), "pm", "not the password")
    unknown = site.sign_in(site.new_client(), "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong username or password" in wrong.text and "wrong username or password" in unknown.text
    assert "cadence_session" not in wrong.headers.get("set-cookie", "")


def test_repeated_failures_lock_the_account_even_for_the_right_password(site: Site) -> None:
    for _ in range(5):
        assert site.sign_in(site.new_client(), "dev", "guess").status_code == 401
    locked = site.sign_in(site.new_client(), "dev")
    assert locked.status_code == 429
    assert "too many failed sign-ins" in locked.text
    ghost = [site.sign_in(site.new_client(), "ghost", "guess").status_code for _ in range(6)]
    assert ghost[-1] == 429  # unknown accounts are throttled the same way
    assert site.sign_in(site.new_client(), "pm").status_code == 303  # other accounts are unaffected


def test_login_without_its_csrf_cookie_is_refused(site: Site) -> None:
    client = site.new_client()
    response = client.post("/login", data={"username": "pm", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403
    assert "CSRF" in response.text


def test_a_state_changing_request_without_the_csrf_token_is_refused(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "pm")
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    token = site.csrf_of(client)
    assert client.post("/logout", headers={"X-CSRF-Token": token}).status_code == 303


def test_logout_invalidates_the_session_server_side(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "pm")
    secret = client.cookies["cadence_session"]
    client.post("/logout", data={"csrf_token": site.csrf_of(client)})
    replay = site.new_client()
    replay.cookies.set("cadence_session", secret)
    assert replay.get("/").status_code == 303
    assert replay.get("/api/v1/teams").status_code == 401


def test_an_idle_session_expires(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "pm")
    with site.db.begin() as conn:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
        conn.execute(update(S.UserSession).values(last_seen_at=old))
    assert client.get("/").status_code == 303


def test_a_session_past_its_absolute_lifetime_expires_even_when_active(site: Site) -> None:
    client = site.new_client()
    site.sign_in(client, "pm")
    with site.db.begin() as conn:
        conn.execute(update(S.UserSession).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)))
    assert client.get("/").status_code == 303


def test_a_weak_hash_is_upgraded_at_sign_in(site: Site) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with site.db.begin() as conn:
        conn.execute(update(S.User).where(S.User.username == "viewer").values(password_hash=weak))
    assert site.sign_in(site.new_client(), "viewer").status_code == 303
    with site.db.connect() as conn:
        stored = conn.execute(select(S.User.password_hash).where(S.User.username == "viewer")).scalar_one()
    assert stored != weak and stored.startswith("$argon2id$")


def test_sign_in_is_audited(site: Site) -> None:
    site.sign_in(site.new_client(), "pm")
    with site.db.connect() as conn:
        actions = conn.execute(select(S.AuditEntry.actor_label, S.AuditEntry.action)).all()
    assert ("user:pm", "sign_in") in actions


def test_next_cannot_point_off_site(site: Site) -> None:
    client = site.new_client()
    page = client.get("/login", params={"next": "//evil.example/x"})
    assert 'name="next" value="/"' in page.text
