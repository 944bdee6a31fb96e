"""What a channel sends to, checked once when the channel is added, and its Apprise URL.

A target is a small dict, stored encrypted:

* ``email`` — ``to`` (addresses), ``smtp_host``, ``smtp_port``, ``smtp_tls`` (``starttls``, ``ssl`` or ``none``),
  ``from``, optional ``username`` / ``password``. ``none`` (plain SMTP, e.g. a relay on localhost or the on-prem
  network) is only ever used when asked for: never a silent downgrade.
* ``slack`` — ``url``: the incoming-webhook URL ``https://hooks.slack.com/services/...`` (or a ``slack://`` URL).
* ``teams`` — ``url``: the Teams *Workflows* (Power Automate) webhook URL (Microsoft retired the Office 365
  connectors) or a ``workflow://`` URL.
* ``webhook`` — ``url``: any https endpoint; Cadence POSTs JSON ``{"version", "title", "message", "type"}``
  (Apprise's ``json://``). Plain http only to this machine (``localhost``, ``127.0.0.1``, ``::1``).
* ``apprise`` — ``url``: any Apprise URL, for the services Cadence does not name.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import warnings
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from cadence.domain.errors import InputError

__all__ = ["KINDS", "SMTP_TLS", "apprise_url", "check_target", "describe_target", "load_apprise"]

KINDS = ("email", "slack", "teams", "webhook", "apprise")
SMTP_TLS = ("starttls", "ssl", "none")
_DEFAULT_PORT = {"starttls": 587, "ssl": 465, "none": 25}
_APPRISE_MODE = {"starttls": "starttls", "ssl": "ssl", "none": "insecure"}
_ADDRESS = re.compile(r"^[^@\s,;<>\"']+@[A-Za-z0-9.-]+\.?[A-Za-z0-9-]*$")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^\[[0-9A-Fa-f:.]+\]$")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
SMTP_CONNECT_TIMEOUT = 10.0
"""Seconds; Apprise applies it to the SMTP socket, so it bounds every step of the conversation."""
HTTP_CONNECT_TIMEOUT = 5.0
HTTP_READ_TIMEOUT = 15.0
# Apprise's own retries stay off: the outbox retries with backoff, and says so in the message's state.
_COMMON = {"retry": "0", "format": "text"}
_PLUGINS = {"slack": ("NotifySlack",), "teams": ("NotifyWorkflows",)}


def _addresses(value: Any, field: str) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    out = [str(item).strip() for item in items if str(item).strip()]
    bad = [item for item in out if not _ADDRESS.match(item)]
    if bad:
        raise InputError(f"{field} '{bad[0]}' is not an e-mail address", field=field)
    return out


def _check_email(target: dict[str, Any]) -> dict[str, Any]:
    to = _addresses(target.get("to"), "recipient")
    if not to:
        raise InputError("an e-mail channel needs at least one recipient (--to a@example.org,b@example.org)")
    host = str(target.get("smtp_host") or "").strip()
    if not _HOST.match(host):
        raise InputError(f"SMTP host '{host}' is not a host name or address (--smtp-host)", field="smtp_host")
    tls = str(target.get("smtp_tls") or "starttls").lower()
    if tls not in SMTP_TLS:
        raise InputError(f"smtp_tls '{tls}' is not one of {', '.join(SMTP_TLS)}", field="smtp_tls")
    port_value = target.get("smtp_port") or _DEFAULT_PORT[tls]
    try:
        port = int(port_value)
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        raise InputError(f"SMTP port '{port_value}' is not a port number (1-65535)", field="smtp_port")
    named = host if re.search(r"[A-Za-z]", host) and not host.startswith("[") else "localhost"
    sender = str(target.get("from") or "").strip() or f"cadence@{named}"  # an address at an IP is refused
    _addresses([sender], "sender")
    username = str(target.get("username") or "").strip() or None
    password = str(target.get("password") or "") or None
    if password and not username:
        raise InputError("an SMTP password needs a user name (--smtp-user)", field="username")
    return {
        "to": to, "smtp_host": host, "smtp_port": port, "smtp_tls": tls, "from": sender, "username": username,
        "password": password,
    }  # fmt: skip


def _check_url(kind: str, url: str) -> str:
    url = url.strip()
    if not url:
        raise InputError(f"a {kind} channel needs its URL (--url)", field="url")
    parts = urlsplit(url)
    if kind == "webhook":
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InputError("a webhook URL must start with https:// and name a host", field="url")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise InputError(
                f"webhook URL to {parts.hostname} must use https (plain http is only allowed to this machine)",
                field="url",
            )
    if _instantiate(apprise_url(kind, {"url": url}), kind) is None:
        raise InputError(f"'{_mask_url(url)}' is not a usable {kind} URL", field="url")
    return url


def load_apprise() -> ModuleType:
    """Apprise, imported on first use. Its e-mail plugin imports the deprecated ``imghdr`` (Python 3.11-3.12) when
    first loaded; importing that here, quietly, keeps the warning out of every caller's log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with contextlib.suppress(ImportError):
            importlib.import_module("imghdr")
        return importlib.import_module("apprise")


def _instantiate(url: str, kind: str) -> Any:
    apprise = load_apprise()
    plugin = apprise.Apprise.instantiate(url, asset=apprise.AppriseAsset(storage_mode="memory", async_mode=False))
    if plugin is None:
        return None
    expected = _PLUGINS.get(kind)
    if expected and type(plugin).__name__ not in expected:
        return None
    return plugin


def check_target(kind: str, target: dict[str, Any]) -> dict[str, Any]:
    """The target normalised (defaults filled in), or InputError naming what is wrong."""
    if kind not in KINDS:
        raise InputError(f"channel kind '{kind}' is not one of {', '.join(KINDS)}", field="kind")
    if kind == "email":
        return _check_email(target)
    return {"url": _check_url(kind, str(target.get("url") or ""))}


def _query(params: dict[str, str]) -> str:
    return "&".join(f"{key}={quote(value, safe='@')}" for key, value in params.items())


def apprise_url(kind: str, target: dict[str, Any]) -> str:
    """The Apprise URL of a checked target, with Cadence's timeouts and no Apprise-side retries."""
    if kind == "email":
        tls = target["smtp_tls"]
        scheme = "mailto" if tls == "none" else "mailtos"
        auth = ""
        if target.get("username"):
            auth = quote(target["username"], safe="")
            if target.get("password"):
                auth += ":" + quote(target["password"], safe="")
            auth += "@"
        params = {
            "from": target["from"], "to": ",".join(target["to"]), "mode": _APPRISE_MODE[tls], "name": "Cadence",
            "cto": str(SMTP_CONNECT_TIMEOUT), **_COMMON,
        }  # fmt: skip
        return f"{scheme}://{auth}{target['smtp_host']}:{target['smtp_port']}?{_query(params)}"
    url = str(target["url"])
    if kind == "apprise":
        return url  # the person's own URL, as written
    timeouts = {"cto": str(HTTP_CONNECT_TIMEOUT), "rto": str(HTTP_READ_TIMEOUT), **_COMMON}
    if kind == "webhook":
        # Apprise's json:// passes a query parameter on to the endpoint only when its name starts with '-'.
        parts = urlsplit(url)
        passed = [f"-{key}={quote(value, safe='')}" for key, value in parse_qsl(parts.query, keep_blank_values=True)]
        scheme = "jsons" if parts.scheme == "https" else "json"
        return f"{scheme}://{parts.netloc}{parts.path}?" + "&".join([*passed, _query(timeouts)])
    return url + ("&" if "?" in url else "?") + _query(timeouts)


def _mask_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}/…" if parts.path.strip("/") or parts.query else f"{parts.scheme}://{host}"


def _mask_address(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


def describe_target(kind: str, target: dict[str, Any]) -> str:
    """The target without its secrets: addresses shortened, URL paths and tokens hidden, no password."""
    if kind == "email":
        to = ", ".join(_mask_address(a) for a in target["to"])
        return f"{to} via {target['smtp_host']}:{target['smtp_port']} ({target['smtp_tls']})"
    return _mask_url(str(target.get("url", "")))
